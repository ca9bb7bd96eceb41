"""Sending from a pane: the reply comes from the agent routing picks, in that pane only;
composer keys and slash commands."""

from __future__ import annotations

from tests.support.tui_app import running_app, type_text, wait_for
from tui.screens.explain import ExplainScreen


def replies(pane):
    return [m for m in pane.history.messages if m.role in ("assistant", "a2a")]


async def test_send_reply_badge_composer_keys_and_explain(tmp_path):
    async with running_app(tmp_path, size=(200, 48)) as (app, pilot):
        main = app.main
        whatsapp, slack = main.pane_for("whatsapp:personal"), main.pane_for("slack:acme")
        assert app.focused is whatsapp.composer
        await type_text(pilot, "hi")
        await pilot.press("ctrl+j")  # a newline, not a send
        await type_text(pilot, "yo")
        assert whatsapp.composer.text == "hi\nyo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(whatsapp), what="whatsapp reply")
        reply = replies(whatsapp)[0]
        assert reply.author == "home" and reply.status == "complete"
        assert "“hi\nyo”" in reply.content
        assert [m.role for m in whatsapp.history.messages] == ["user", "assistant"]
        assert whatsapp.composer.text == ""
        await type_text(pilot, "dr")
        await pilot.press("up")  # on the first line: recall the previous input
        assert whatsapp.composer.text == "hi\nyo"
        await pilot.press("down", "down")  # from the last line back to the draft
        assert whatsapp.composer.text == "dr"

        await pilot.press("tab")
        assert app.focused is slack.composer
        slack.composer.load_text("status?")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(slack), what="slack reply")
        assert replies(slack)[0].author == "work"
        assert len(whatsapp.history.messages) == 2  # nothing leaked into the other pane
        await pilot.pause(0.1)
        screen = app.screen_text()
        assert "work  [binding.account · agent:work:main]" in screen
        assert "home  [default · agent:home:main]" in screen

        await pilot.press("f3")  # the full route explanation of the selected (last) message
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen), what="explanation")
        text = "\n".join(app.screen.lines)
        assert "Stored with the message: matchedBy binding.account · binding 0" in text
        assert "→ agent work · binding.account · session agent:work:main · binding 0" in text
        assert "7 binding.account" in text and "MATCHED" in text
        await pilot.press("escape")
        assert app.screen is main


async def test_slash_commands(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        pane.composer.load_text("/frobnicate now")
        await pilot.press("enter")
        assert pane.notice and "unknown command /frobnicate" in pane.notice
        assert pane.history.message_count == 0
        pane.composer.load_text("/ask work what is on the roadmap")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="a2a reply")
        answer = replies(pane)[0]
        assert answer.role == "a2a" and answer.author == "work"
        assert "roadmap" in answer.content
        pane.composer.load_text("/export jsonl")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.notice and pane.notice.startswith("exported to"),
                       what="export")
        exported = pane.notice.split("exported to ", 1)[1]
        assert exported.endswith(".jsonl") and "roadmap" in open(exported).read()
        pane.composer.load_text("/new")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.history.message_count == 0 and pane.notice
                       and pane.notice.startswith("new session"), what="new session")
        first = pane.notice
        pane.composer.load_text("hello again")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="reply in the new session")
        pane.composer.load_text("/reset")  # OpenClaw's other name for /new
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.history.message_count == 0 and pane.notice
                       and pane.notice.startswith("new session") and pane.notice != first,
                       what="a second new session")
        sessions = await app.gateway.sessions(agent_id="home")
        assert pane.notice == f"new session {sessions[0].session_id[:8]}"  # fits a narrow pane


async def test_keys_arriving_in_one_burst_keep_their_order(tmp_path):
    """A script or an unbracketed paste delivers "text⏎more" at once: the message sent is the
    text before the Enter, what follows stays in the composer, and Ctrl+J lands in place."""
    from textual import events

    from tests.support.tui_app import _key_for

    def burst(app, keys: str | list[str]) -> None:
        for key in keys:
            char = {"enter": "\r", "ctrl+j": "\n"}.get(key, key)
            app.post_message(events.Key(_key_for(key) if len(key) == 1 else key, char))

    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        burst(app, [*"hi there", "enter", *"yo", "ctrl+j", *"x"])
        await wait_for(pilot, lambda: replies(pane), what="reply to the burst")
        assert [m.content for m in pane.history.messages if m.role == "user"] == ["hi there"]
        assert pane.composer.text == "yo\nx"


async def test_enter_after_a_trailing_backslash_is_a_newline(tmp_path):
    """Most terminals send Shift+Enter as Enter: "\\⏎" inserts the newline there instead."""
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        await type_text(pilot, "first\\")
        await pilot.press("enter")
        assert pane.composer.text == "first\n"
        await type_text(pilot, "a\\b")  # a backslash inside a line is kept
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="reply")
        assert [m.content for m in pane.history.messages if m.role == "user"] == ["first\na\\b"]


async def test_queue_mode_key_makes_a_new_message_interrupt_the_reply(tmp_path):
    async with running_app(tmp_path, size=(200, 48), delay_ms=40) as (app, pilot):
        pane = app.main.panes[0]
        gateway = app.gateway
        assert gateway.queue_mode(pane.inbox.key) == "followup"
        await pilot.press("f8")
        assert gateway.queue_mode(pane.inbox.key) == "interrupt"
        await pilot.pause()
        assert "⚡interrupts" in app.screen_text()
        assert app.main.panes[1].inbox.key != pane.inbox.key
        assert gateway.queue_mode(app.main.panes[1].inbox.key) == "followup"  # this pane only
        pane.composer.load_text(" ".join(f"word{i}" for i in range(40)))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(pane.live_text) > 10, what="first reply streaming")
        pane.composer.load_text("never mind")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(replies(pane)) == 2, timeout=20, what="both replies")
        first, second = replies(pane)
        assert first.status == "interrupted" and second.status == "complete"
        assert "never mind" in second.content
        await pilot.press("f8")
        assert gateway.queue_mode(pane.inbox.key) == "followup"
        await pilot.pause()
        assert "⚡interrupts" not in app.screen_text()


async def test_a_session_that_expired_starts_the_pane_afresh(tmp_path):
    """session.reset idle: the first message after the window starts a new session id, and
    the pane shows it like /new — an empty view with a notice — the old history kept."""
    from tests.support.tui_app import CONFIG_TEXT

    text = CONFIG_TEXT.replace(
        "  tools:", '  session: { reset: { mode: "idle", idleMinutes: 5 } },\n  tools:')
    async with running_app(tmp_path, text=text) as (app, pilot):
        pane = app.main.panes[0]
        clock = app.gateway.clock
        clock.set(1_800_000_000.0)
        pane.composer.load_text("before the break")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="first reply")
        old = pane.history.messages[0].session_id
        clock.set(1_800_000_000.0 + 5 * 60 + 1)
        pane.composer.load_text("after the break")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane) and pane.history.message_count == 2
                       and pane.history.messages[0].content == "after the break",
                       what="the reply in a new session")
        assert pane.history.messages[0].session_id != old
        assert pane.notice and "(the last one expired)" in pane.notice
        hits = await app.gateway.search("before", agent_id="home")
        assert hits and {h.message.session_id for h in hits} == {old}
