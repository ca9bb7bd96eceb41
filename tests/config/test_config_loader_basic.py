"""The loader's happy path: the OpenClaw vectors load, agents/bindings/session are normalised."""

from __future__ import annotations

from engine.config.loader import load_config_data, load_config_text


def test_every_vector_config_loads_without_warnings(vector_configs: list[dict]) -> None:
    for raw in vector_configs:
        config = load_config_data(raw)
        assert config.warnings == ()
        assert len(config.bindings) == len(raw["bindings"])
        assert {a.raw_id for a in config.agents if not a.implicit} == {a["id"] for a in raw["agents"]["list"]}


def test_modern_text_builds_normalised_model() -> None:
    config = load_config_text("""
    // comment
    {
      agents: { list: [ { id: "Home", default: true, workspace: "~/clawd-home", role: "helper" },
                        { id: "work" } ] },
      bindings: [ { agentId: "WORK", match: { channel: " WhatsApp ", accountId: " Team.One ",
                    peer: { kind: "dm", id: 42 } }, session: { dmScope: "per-peer" } } ],
      session: { mainKey: "Desk", identityLinks: { Alice: ["telegram:1", 2] } },
    }""")
    assert config.agent_ids == ("home", "work")
    assert config.default_agent_id == "home"
    home = config.agent("home")
    assert home is not None and home.default and home.workspace == "~/clawd-home"
    assert dict(home.settings) == {"role": "helper"}
    (b,) = config.bindings
    assert (b.agent_id, b.channel, b.account, str(b.peer)) == ("work", "whatsapp", "team-one", "direct:42")
    assert b.session is not None and b.session.dm_scope == "per-peer"
    assert config.session.main_key == "desk"
    assert dict(config.session.identity_links) == {"alice": ("telegram:1", "2")}
