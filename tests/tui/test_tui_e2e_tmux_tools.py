"""End to end at 80x24: the installed binary in tmux, a message that asks the offline model to
call a tool, the reply's collapsed tool line, and Ctrl+O (a real terminal's key) expanding it
to the call's result and the rule that refused the other call."""

from __future__ import annotations

import shlex

import pytest

from tests.support.tmux import TMUX, Tmux, claw_binary

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

CONFIG = """{ agents: { defaults: { model: "offline/persona" }, list: [
    { id: "home", default: true, tools: { deny: ["sessions_send"] } }, { id: "work" } ] },
  channels: { whatsapp: { accounts: { personal: {} } } } }"""


def test_tool_calls_expand_with_ctrl_o_at_80x24(tmp_path):
    config = tmp_path / "clawdbot.json"
    config.write_text(CONFIG, encoding="utf-8")
    command = (f"env CLAW_OFFLINE_DELAY_MS=0 TERM=xterm-256color HOME={shlex.quote(str(tmp_path))} "
               f"{shlex.quote(str(claw_binary()))} --config {shlex.quote(str(config))} "
               f"--state-dir {shlex.quote(str(tmp_path / 'state'))}")
    tmux = Tmux()
    try:
        tmux.run("new-session", "-d", "-s", tmux.session, "-x", "80", "-y", "24", command)
        tmux.wait_for(lambda s: "Send" in s or "Interrupt" in s, "the app to start")
        tmux.run("send-keys", "-t", tmux.session, "-l", "use sessions_list and use sessions_send")
        tmux.run("send-keys", "-t", tmux.session, "Enter")
        tmux.wait_for(lambda s: "▸ 2 tool calls: sessions_list ✓ · sessions_send ✗ refused" in s,
                      "the collapsed tool calls")
        tmux.run("send-keys", "-t", tmux.session, "C-o")
        screen = tmux.wait_for(lambda s: "▾ 2 tool calls" in s, "the expanded tool calls")
        assert '✗ refused by agents.list[0].tools.deny "sessions_send"' in screen
        assert '→ [{"sessionKey": "agent:home:main"' in screen
        tmux.run("send-keys", "-t", tmux.session, "C-o")
        tmux.wait_for(lambda s: "▸ 2 tool calls" in s, "the tool calls collapsed again")
    finally:
        tmux.run("kill-server", check=False)
