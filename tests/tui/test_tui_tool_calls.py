"""Tool calls in the app: a reply that called tools shows them as one collapsed line, F7
expands them (arguments, results, the rule that refused one) and collapses them again; the
clone panel counts them and shows the last, and its detail the agent's sandbox. Tool text is drawn literally."""

from __future__ import annotations

import asyncio

from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for

DENY_SEND = CONFIG_TEXT.replace('{ id: "home", default: true },',
                                '{ id: "home", default: true, tools: { deny: ["sessions_send"] }, '
                                'workspace: "./ws", sandbox: { mode: "all" } },')


def replies(pane):
    return [m for m in pane.history.messages if m.role == "assistant"]


async def test_tool_calls_collapsed_expanded_and_counted(tmp_path):
    async with running_app(tmp_path, text=DENY_SEND, size=(300, 60)) as (app, pilot):
        main = app.main
        pane = main.pane_for("whatsapp:personal")
        await type_text(pilot, 'use sessions_list and use sessions_send {"agentId": "work", '
                        '"message": "[bold]hi\\u001b[31m"}')
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="reply")
        summary = "▸ 2 tool calls: sessions_list ✓ · sessions_send ✗ refused"
        await wait_for(pilot, lambda: summary in app.screen_text(), what="collapsed tool calls")
        screen = app.screen_text()
        assert "→ [" not in screen  # collapsed: no results shown

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "▾ 2 tool calls" in app.screen_text(), what="expanded")
        screen = app.screen_text()
        assert '    ✗ refused by agents.list[0].tools.deny "sessions_send"' in screen
        assert '"sessionKey": "agent:home:main"' in screen
        assert '"message": "[bold]hi' in screen  # markup shown, not applied
        assert "\x1b" not in screen

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: summary in app.screen_text(), what="collapsed again")

        panel = main.clone_panel()
        clone = next(s.clone_id for s in app.gateway.clone_snapshots() if s.agent_id == "home")
        await wait_for(pilot, lambda: panel.cell_text(clone, "tools") != "-", what="tools cell")
        assert panel.cell_text(clone, "tools") == "2 · sessions_send ✗ refused"
        assert f"sandbox: all (file arguments confined to {tmp_path / 'ws'})" in \
            panel.detail_text(clone)


async def test_ctrl_o_without_tool_calls_says_so(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        await type_text(pilot, "plain question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(app.main.panes[0]), what="reply")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: [n for n in app._notifications if n.message ==
                                       "No reply in this pane made tool calls."], what="notice")


async def test_a_tool_call_shows_while_the_reply_streams(tmp_path):
    """The collapsed line appears as the call starts (running…), takes its outcome when it
    ends, and stays while the reply goes on streaming — in the focused pane (Markdown live
    area) and in one that is not (the live rows of its history)."""
    release = asyncio.Event()

    async def slow_lookup(city: str) -> str:
        """Weather for a city."""
        await release.wait()
        return f"sunny in {city}"

    async with running_app(tmp_path, delay_ms=150, size=(200, 50),
                           tools={"home": [slow_lookup], "work": [slow_lookup]}) as (app, pilot):
        main = app.main
        focused, other = main.pane_for("whatsapp:personal"), main.pane_for("slack:acme")
        await type_text(pilot, 'use slow_lookup {"city": "Oslo"} please')
        await pilot.press("enter")
        await other.submit('use slow_lookup {"city": "Rome"} please')
        running = "▸ 1 tool call: slow_lookup running…"
        await wait_for(pilot, lambda: app.screen_text().count(running) == 2, what="running")
        assert not replies(focused) and not replies(other)
        release.set()
        done = "▸ 1 tool call: slow_lookup ✓"
        await wait_for(pilot, lambda: app.screen_text().count(done) == 2, what="ended")
        assert focused.turns and other.turns  # the replies are still streaming
        assert "is replying…" in app.screen_text()
        await pilot.press("ctrl+o")  # the streaming reply's calls: expanded when it lands
        await wait_for(pilot, lambda: "▾ 1 tool call: slow_lookup ✓" in app.screen_text(),
                       what="marked expanded")
        await wait_for(pilot, lambda: replies(focused) and replies(other), timeout=30,
                       what="replies")
        screen = app.screen_text()
        assert "running…" not in screen
        assert screen.count(done) == 1  # the other pane's, collapsed
        assert "→ sunny in Oslo" in screen and "→ sunny in Rome" not in screen
