"""End to end at 80x24: the installed binary in tmux, a message that asks the offline model to
call a tool, the reply's collapsed tool line, and Ctrl+O (a real terminal's key) expanding it
to the call's result and the rule that refused the other call."""

from __future__ import annotations

import pytest

from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

CONFIG = """{ agents: { defaults: { model: "offline/persona" }, list: [
    { id: "home", default: true, tools: { deny: ["sessions_send"] } }, { id: "work" } ] },
  channels: { whatsapp: { accounts: { personal: {} } } } }"""


def test_tool_calls_expand_with_ctrl_o_at_80x24(tmp_path):
    with Tmux() as tmux:
        tmux.start_app(tmp_path, config_text=CONFIG, size=(80, 24),
                       env={"CLAW_OFFLINE_DELAY_MS": "0", "HOME": str(tmp_path)})
        tmux.keys("-l", "use sessions_list and use sessions_send")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "▸ 2 tool calls: sessions_list ✓ · sessions_send ✗ refused" in s,
                      "the collapsed tool calls")
        tmux.keys("C-o")
        screen = tmux.wait_for(lambda s: "▾ 2 tool calls" in s, "the expanded tool calls")
        assert '✗ refused by agents.list[0].tools.deny "sessions_send"' in screen
        assert '→ [{"sessionKey": "agent:home:main"' in screen
        tmux.keys("C-o")
        tmux.wait_for(lambda s: "▸ 2 tool calls" in s, "the tool calls collapsed again")
