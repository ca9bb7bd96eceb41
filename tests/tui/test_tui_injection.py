"""Peer and model text is shown literally: no Rich/Textual markup, no terminal escapes."""

from __future__ import annotations

from tests.support.tui_app import running_app, wait_for
from engine.gateway.inbox import PeerSpec
from tui.safe_text import clean

HOSTILE = ("[bold red]boom[/] [link=https://evil.example]click[/link] "
           "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07osc\x1b]8;;\x07 bell\x07 "
           "<script>alert(1)</script> \u202eevil")


def test_clean_maps_every_control_to_a_visible_stand_in():
    out = clean(HOSTILE)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "␛[31mred␛[0m" in out and "bell␇" in out and "<U+202E>evil" in out
    assert "[bold red]boom[/]" in out  # markup characters are kept as they are
    assert clean("a\r\nb\rc\td") == "a\nb␍c\td"
    assert clean("\x9b31m") == "<U+009B>31m"


async def test_hostile_text_renders_literally_everywhere(tmp_path):
    async with running_app(tmp_path, size=(200, 50), delay_ms=60) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(PeerSpec(kind="direct", id="mallory",
                               display_name="[reverse]Mal[/reverse]\x1b[2J"))
        pane.composer.load_text(HOSTILE)
        await pilot.press("enter")
        # Mid-stream, the focused pane draws the reply as Markdown in its history's last rows.
        await wait_for(pilot, lambda: "click" in pane.live_text, what="streaming")
        await pilot.pause(0.25)
        assert pane.history.live_markdown
        region = pane.history.region
        strips = app.screen._compositor.render_strips()
        live = "".join(strips[y].text[region.x:region.right] for y in range(region.y, region.bottom))
        assert "\x1b" not in live and "\x07" not in live
        assert "[bold red]boom[/]" in live and "[link=https://evil.example]click[/link]" in live
        await wait_for(pilot, lambda: [m for m in pane.history.messages if m.role == "assistant"],
                       what="reply")
        await pilot.pause(0.1)
        screen = app.screen_text()
        assert "\x1b" not in screen and "\x07" not in screen
        # The user message, the echoed reply and the peer bar all show the markup as text.
        assert screen.count("[bold red]boom[/]") >= 2
        assert "[link=https://evil.example]click[/link]" in screen
        assert "␛[31mred␛[0m" in screen
        assert "<script>alert(1)</script>" in screen  # raw HTML is not swallowed
        assert "[reverse]Mal[/reverse]␛[2J" in screen
        # Nothing became a hyperlink: no rendered segment carries a link.
        for strip in app.screen._compositor.render_strips():
            assert not [seg.text for seg in strip if seg.style is not None and seg.style.link]
