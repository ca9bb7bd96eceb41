"""Helpers for the TUI tests: the real app over a real gateway, offline model, temp state.

``running_app`` writes a commented JSON5 config into ``tmp_path``, opens a real ``Gateway``
(real SQLite stores under ``tmp_path/state``) with the offline persona model at a chosen
per-word delay (and the Python tools given per agent), and drives the real ``ClawApp`` with ``App.run_test()`` (``message_hook`` sees
every message a widget of the app receives, in the order each receives them).
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Callable

import pytest
from textual.message import Message

from engine.config.loader import load_config
from engine.gateway.gateway import Gateway
from tui.app import ClawApp

CONFIG_TEXT = """\
// Test config: the comments must survive a save from the routing editor.
{
  agents: {
    defaults: { model: "offline/persona" },
    list: [
      { id: "home", default: true }, // the household agent
      { id: "work" },
    ],
  },
  bindings: [
    // Slack is work.
    { agentId: "work", match: { channel: "slack", accountId: "acme" } },
  ],
  channels: {
    whatsapp: { accounts: { personal: {} } },
    slack: { accounts: { acme: {} } },
  },
  tools: { agentToAgent: { enabled: true, allow: ["home", "work"] } },
}
"""


# How long a wait for the first reply over HTTP may take: the first request loads the model
# SDK on a worker thread, about a second on a quiet machine and ten times that on a busy one.
FIRST_REQUEST = 60.0


def served_config(url: str) -> str:
    """``CONFIG_TEXT`` with both agents answered by the test model server at ``url``
    (``tests/support/openai_server.py``) instead of the offline persona: for a test that needs
    a reply to wait for it (``Hold``) rather than for a clock."""
    model = 'model: "offline/persona"'
    assert model in CONFIG_TEXT
    provider = f'models: {{ providers: {{ test: {{ baseUrl: "{url}", apiKey: "sk-test", retries: 0 }} }} }},'
    return CONFIG_TEXT.replace(model, 'model: "test/test-model"').replace("  tools: {", f"  {provider}\n  tools: {{")


def fixed_time(_ts: float) -> str:
    return "12:00"


@asynccontextmanager
async def running_app(tmp_path: Path, *, text: str = CONFIG_TEXT, delay_ms: float = 5,
                      size: tuple[int, int] = (160, 48), config_path: Path | None = None,
                      watch_config: bool = False, message_hook: Callable[[Message], None] | None = None,
                      tools: dict[str, list[Callable[..., object]]] | None = None,
                      **app_kwargs) -> AsyncIterator[tuple[ClawApp, object]]:
    path = config_path or tmp_path / "clawdbot.json"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    config = load_config(path)
    state = tmp_path / "state"
    async with Gateway(config, state, env={"CLAW_OFFLINE_DELAY_MS": str(delay_ms)},
                       watch_config=watch_config, tools=tools) as gateway:
        app = ClawApp(gateway, state_dir=state, format_time=fixed_time, clone_refresh=0,
                      **app_kwargs)
        async with app.run_test(size=size, message_hook=message_hook) as pilot:
            await pilot.pause()
            await first_focus(app, pilot)
            yield app, pilot


async def first_focus(app: ClawApp, pilot, timeout: float = 10.0) -> None:
    """Until the first text box has focus, as a user sees the app start (keys typed before
    that are held by the app and replayed; a loaded machine takes a few frames longer)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.focused is None and loop.time() < deadline:
        await pilot.pause(0.02)


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = 10.0,
                   what: str = "condition") -> None:
    """Let the app run until ``predicate()`` is truthy (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def type_text(pilot, text: str) -> None:
    """Type into the focused widget (spaces and punctuation included)."""
    for ch in text:
        await pilot.press(_key_for(ch))


_NAMED = {" ": "space", "[": "left_square_bracket", "]": "right_square_bracket",
          "/": "slash", "=": "equals_sign", ":": "colon", ",": "comma", ".": "full_stop",
          "*": "asterisk", "<": "less_than_sign", ">": "greater_than_sign", "-": "minus",
          "_": "underscore", "@": "at", "+": "plus", "!": "exclamation_mark", "\"": "quotation_mark",
          "'": "apostrophe", "(": "left_parenthesis", ")": "right_parenthesis", "#": "number_sign",
          "?": "question_mark"}


def _key_for(ch: str) -> str:
    return _NAMED.get(ch, ch)


async def prefill(state: Path, agent_id: str, contents: list[str], *,
                  session_key: str = "agent:home:main", channel: str = "whatsapp",
                  account: str = "personal") -> None:
    """Write messages into an agent's store through the store API (alternating user and
    assistant), as if earlier conversations had happened."""
    from engine.store import AgentStore, SessionInfo

    info = SessionInfo(session_key=session_key, channel=channel, account_id=account,
                       peer_kind="direct", peer_id="you", matched_by="default")
    store = await AgentStore.open(state, agent_id)
    try:
        for i, text in enumerate(contents):
            role = "user" if i % 2 == 0 else "assistant"
            await store.append(info, role, "you" if role == "user" else agent_id, text,
                               meta={"matched_by": "default"})
    finally:
        await store.close()
