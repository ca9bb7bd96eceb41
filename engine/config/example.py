"""The built-in example config, used when no config file exists anywhere.

It is real JSON5 text (with comments) rather than a Python dict so that it goes through the
same loader as a user's file, and so that "save as" in the routing editor writes a commented
starting point to the config path.
"""

from __future__ import annotations

from engine.config.model import Config

EXAMPLE_FILE = "<built-in example>"

EXAMPLE_TEXT = """\
// claw-tui built-in example (clawdbot.json, JSON5: comments and trailing commas are fine).
// Two agents share five chat accounts; bindings decide which agent answers, most specific
// first: peer > parent peer > peer wildcard > guild+roles > guild > team > account > channel.
{
  agents: {
    defaults: {
      // "provider/model". offline/persona answers locally, without any network or API key.
      model: "offline/persona",
    },
    list: [
      {
        id: "home",
        default: true, // answers everything no binding claims
        identity: { name: "Hearth", emoji: "🏠", theme: "warm, relaxed household helper" },
        role: "Household assistant",
      },
      {
        id: "work",
        identity: { name: "Forge", emoji: "🛠", theme: "terse, precise work assistant" },
        role: "Work assistant",
      },
    ],
  },

  bindings: [
    // One WhatsApp group on the personal number is about work: it goes to "work".
    { agentId: "work", match: { channel: "whatsapp", accountId: "personal",
                                peer: { kind: "group", id: "120363040000000001@g.us" } } },
    { agentId: "home", match: { channel: "whatsapp", accountId: "personal" } },
    { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } },

    // Discord: members with the "ops" role in the guild talk to "work", everyone else to "home".
    { agentId: "work", match: { channel: "discord", guildId: "111111111111111111", roles: ["ops"] } },
    { agentId: "home", match: { channel: "discord", guildId: "111111111111111111" } },

    // The whole Slack team is work.
    { agentId: "work", match: { channel: "slack", teamId: "T0EXAMPLE" } },
    // local:default has no binding: the default agent ("home") answers there.
  ],

  session: {
    dmScope: "per-channel-peer", // each channel's DMs get their own conversation
    groupScope: "per-group",
  },

  tools: {
    // "/ask <agent> <text>" lets one agent message another; off unless listed here.
    agentToAgent: { enabled: true, allow: ["home", "work"] },
  },

  channels: {
    whatsapp: {
      accounts: {
        personal: { name: "Personal phone" },
        biz: { name: "Business line" },
      },
    },
    discord: { accounts: { default: { name: "Community server" } } },
    slack: { accounts: { default: { name: "Example team" } } },
    local: { accounts: { default: { name: "This terminal" } } },
  },

  models: {
    providers: {
      offline: { api: "offline", delayMs: 30 },
      // An OpenAI-compatible server; set agents.defaults.model to "openai/gpt-4o-mini" to use it.
      // openai: { baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}" },
    },
  },
}
"""


def load_example() -> Config:
    """The example as a Config (``is_example=True``, no path)."""
    from engine.config.loader import load_config_text

    return load_config_text(EXAMPLE_TEXT, file=EXAMPLE_FILE, path=None, is_example=True)
