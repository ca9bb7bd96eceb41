"""Sending from a pane: the reply comes from the agent routing picks, in that pane only."""

from __future__ import annotations

from conftest import running_app, type_text, wait_for


def replies(pane):
    return [m for m in pane.history.messages if m.role in ("assistant", "a2a")]


async def test_send_shows_reply_from_routed_agent(tmp_path):
    async with running_app(tmp_path, size=(200, 48)) as (app, pilot):
        main = app.main
        whatsapp, slack = main.pane_for("whatsapp:personal"), main.pane_for("slack:acme")
        assert app.focused is whatsapp.composer
        await type_text(pilot, "hi")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(whatsapp), what="whatsapp reply")
        reply = replies(whatsapp)[0]
        assert reply.author == "home"
        assert reply.status == "complete"
        assert "“hi”" in reply.content
        assert [m.role for m in whatsapp.history.messages] == ["user", "assistant"]
        assert whatsapp.composer.text == ""

        await pilot.press("tab")
        assert app.focused is slack.composer
        await type_text(pilot, "yo")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(slack), what="slack reply")
        assert replies(slack)[0].author == "work"
        assert len(whatsapp.history.messages) == 2  # nothing leaked into the other pane
        await pilot.pause(0.1)
        screen = app.screen_text()
        assert "work  [binding.account · agent:work:main]" in screen
        assert "home  [default · agent:home:main]" in screen


async def test_composer_newline_and_input_history(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        await type_text(pilot, "l1")
        await pilot.press("ctrl+j")
        await type_text(pilot, "l2")
        assert pane.composer.text == "l1\nl2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="reply")
        assert pane.history.messages[0].content == "l1\nl2"
        await type_text(pilot, "dr")
        await pilot.press("up")  # on the first line: recall the previous input
        assert pane.composer.text == "l1\nl2"
        await pilot.press("down", "down")  # from the last line back to the draft
        assert pane.composer.text == "dr"


async def test_slash_new_starts_an_empty_session(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        pane.composer.load_text("remember this")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="reply")
        pane.composer.load_text("/new")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.history.message_count == 0 and pane.notice
                       and pane.notice.startswith("new session"), what="new session")


async def test_slash_ask_goes_agent_to_agent(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        pane.composer.load_text("/ask work what is on the roadmap")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="a2a reply")
        answer = replies(pane)[0]
        assert answer.role == "a2a" and answer.author == "work"
        assert "roadmap" in answer.content


async def test_unknown_command_is_reported_not_sent(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        pane.composer.load_text("/frobnicate now")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert pane.notice and "unknown command /frobnicate" in pane.notice
        assert pane.history.message_count == 0
