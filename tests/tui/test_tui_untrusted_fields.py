"""Untrusted values put into input fields are shown cleaned, and never lost on the way back.

A binding's peer id, a remembered peer or a config path may hold terminal controls (an OSC
title sequence, C1 controls, bidi overrides). Fields show the stand-ins ``clean()`` makes; a
field left untouched keeps its original value byte for byte; an edited one says it held
control characters. Pasted text is cleaned as it goes in.
"""

from __future__ import annotations

import json
import os

from textual import events
from textual.widgets import Input, Select

from engine.config.loader import load_config
from engine.gateway.inbox import PeerSpec
from engine.text import clean
from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for
from tui.recent_peers import peer_from_json
from tui.screens.binding_form import BindingForm
from tui.screens.dialogs import ChoiceScreen, PromptScreen
from tui.screens.routing_editor import RoutingEditor
from tui.screens.search import SearchScreen
from tui.widgets.peer_selector import PeerDialog

RAW = ("\x1b", "\x07", "\x7f", "\x9b", "\x9d", "\x9c", "\u202e", "\u2066")
PEER = "\x1b]2;TITLE\x07\u202e\x9b\x9d\x9c\u2066\x7f"
TEAM = "T\x1b[2J\u2066"


def q(text: str) -> str:
    return json.dumps(text)  # a JSON5 string written with escapes only


POISONED = CONFIG_TEXT.replace(
    '{ agentId: "work", match: { channel: "slack", accountId: "acme" } },',
    '{ agentId: "work", match: { channel: "slack", accountId: "acme", teamId: '
    f'{q(TEAM)}, peer: {{ kind: "direct", id: {q(PEER)} }} }} }},')


def shown(app) -> str:
    """Everything the screen would write to the terminal, and each input field's value."""
    strips = app.screen._compositor.render_strips()
    text = "".join(seg.text for strip in strips for seg in strip)
    return text + app.screen_text() + "".join(i.value for i in app.screen.query(Input))


def assert_safe(text: str) -> None:
    assert [c for c in RAW if c in text] == []


def notices(app, containing: str) -> list[str]:
    """The notifications (toasts) the app has shown whose text contains *containing*."""
    return [f"{n.title}{n.message}" for n in app._notifications if containing in n.message]


async def open_form(app, pilot) -> BindingForm:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="routing editor")
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, BindingForm), what="binding form")
    await pilot.pause(0.05)
    return app.screen


def findings(form: BindingForm) -> str:
    return str(form.query_one("#form-findings").render())


async def save(app, pilot, editor: RoutingEditor) -> None:
    await pilot.press("ctrl+s")  # the form's OK
    await wait_for(pilot, lambda: app.screen is editor, what="form closed")
    await pilot.press("ctrl+s")  # the editor saves the file
    await wait_for(pilot, lambda: notices(app, "Saved "), what="saved notice")


async def test_binding_form_shows_stand_ins_and_saving_untouched_keeps_the_bytes(tmp_path):
    path = tmp_path / "clawdbot.json"
    path.write_text(POISONED, encoding="utf-8")
    async with running_app(tmp_path) as (app, pilot):
        form = await open_form(app, pilot)
        editor = app.screen_stack[-2]
        assert form.query_one("#f-peer-id", Input).value == "␛]2;TITLE␇<U+202E><U+009B>" \
            "<U+009D><U+009C><U+2066>␡"
        assert_safe(shown(app))
        assert "␛]2;TITLE␇" in app.screen_text()
        assert "Peer id holds control characters" in findings(form)
        await save(app, pilot, editor)
    assert path.read_text(encoding="utf-8") == POISONED  # byte for byte


async def test_another_field_changed_keeps_the_original_peer_id(tmp_path):
    path = tmp_path / "clawdbot.json"
    path.write_text(POISONED, encoding="utf-8")
    async with running_app(tmp_path) as (app, pilot):
        form = await open_form(app, pilot)
        editor = app.screen_stack[-2]
        # the form opens on the Agent select
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "up", "enter")  # pick "home" (above "work")
        await wait_for(pilot, lambda: form.value()["agentId"] == "home", what="agent changed")
        assert form.value()["match"]["peer"]["id"] == PEER
        assert form.value()["match"]["teamId"] == TEAM
        await save(app, pilot, editor)
    (binding,) = load_config(path).bindings
    assert binding.agent_id == "home"
    assert (binding.peer.id, binding.team_id) == (PEER, TEAM)
    assert f"id: {q(PEER)}" in path.read_text(encoding="utf-8")  # the escapes as written


async def test_editing_a_field_that_held_controls_says_so(tmp_path):
    path = tmp_path / "clawdbot.json"
    path.write_text(POISONED, encoding="utf-8")
    async with running_app(tmp_path) as (app, pilot):
        form = await open_form(app, pilot)
        editor = app.screen_stack[-2]
        field = form.query_one("#f-peer-id", Input)
        field.focus()
        await pilot.press("end")
        await type_text(pilot, "-x")
        await pilot.pause(0.05)
        typed = clean(PEER, newlines=False) + "-x"
        assert form.value()["match"]["peer"]["id"] == typed
        assert "Peer id held control characters" in findings(form)
        await pilot.press("backspace", "backspace")  # back to what was shown: the original again
        await pilot.pause(0.05)
        assert form.value()["match"]["peer"]["id"] == PEER
        await type_text(pilot, "-x")
        await save(app, pilot, editor)
    (binding,) = load_config(path).bindings
    assert binding.peer.id == typed and binding.team_id == TEAM


async def test_peer_dialog_with_a_poisoned_recent_peer(tmp_path):
    remembered = {"kind": "direct", "id": PEER, "parent": {"kind": "channel", "id": PEER},
                  "displayName": f"Mallory{PEER}"}
    folder = tmp_path / "state" / "tui"
    folder.mkdir(parents=True, mode=0o700)
    (folder / "recent-peers.json").write_text(json.dumps({"whatsapp:personal": [remembered]}))
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        original = peer_from_json(remembered)
        assert pane.peer == original
        app.main.focus_pane(pane)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDialog), what="peer dialog")
        await pilot.pause(0.05)
        assert_safe(shown(app))
        assert "␛]2;TITLE␇" in app.screen.query_one("#peer-id", Input).value
        assert "holds control characters" in str(app.screen.query_one("#peer-status").render())
        await pilot.press("enter")  # use this peer, nothing edited
        await wait_for(pilot, lambda: app.screen is app.main, what="dialog closed")
        assert pane.peer == original
        saved = json.loads((folder / "recent-peers.json").read_text())
        assert saved["whatsapp:personal"][0] == remembered
        assert_safe(shown(app))  # the peer bar too


async def test_save_as_prompt_keeps_the_original_path(tmp_path):
    folder = tmp_path / f"conf{PEER}"
    folder.mkdir()
    path = folder / "clawdbot.json"
    async with running_app(tmp_path, config_path=path) as (app, pilot):
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="editor")
        await pilot.press("c")  # an unsaved edit
        path.write_text(CONFIG_TEXT + "// changed elsewhere\n")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="conflict")
        await pilot.press("a")  # save my version as another file
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="save as")
        await pilot.pause(0.05)
        assert_safe(shown(app))
        assert app.screen.query_one(Input).value.endswith("clawdbot.json.mine")
        await pilot.press("enter")
        await wait_for(pilot, lambda: (folder / "clawdbot.json.mine").exists(), what="saved")
        await wait_for(pilot, lambda: notices(app, "Saved"), what="the saved notice")
        assert_safe("".join(notices(app, "")))  # notices quoting the path are cleaned too
    assert oct((folder / "clawdbot.json.mine").stat().st_mode & 0o777) == oct(0o600)
    assert not [name for name in os.listdir(tmp_path) if "␛" in name]  # no stand-in path


PASTE = f"pasted {PEER} text\nsecond line {PEER}"


async def paste(pilot, widget) -> None:
    """Paste as the terminal does it: the app gets the event and hands it to the focused
    widget."""
    assert widget.has_focus
    pilot.app.post_message(events.Paste(PASTE))
    await pilot.pause(0.05)


async def test_pasted_controls_are_cleaned_in_every_text_field(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        app.main.focus_pane(pane)
        await wait_for(pilot, lambda: pane.composer.has_focus, what="composer focused")
        await paste(pilot, pane.composer)
        assert pane.composer.text == clean(PASTE)  # what you see is what is sent
        assert_safe(shown(app))
        pane.composer.load_text("")

        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="search")
        search = app.screen.query_one("#search-input", Input)
        await paste(pilot, search)
        assert search.value == clean(f"pasted {PEER} text", newlines=False)
        assert_safe(shown(app))
        await pilot.press("escape")

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="editor")
        await pilot.press("slash")
        try_line = app.screen.query_one("#try-input", Input)
        await paste(pilot, try_line)
        assert try_line.value == clean(f"pasted {PEER} text", newlines=False)
        assert_safe(shown(app))


async def test_markdown_export_shows_stand_ins(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(PeerSpec(kind="direct", id="mallory", display_name=f"Mal{PEER}"))
        await pane.submit(f"hello {PEER}\nline two")
        await wait_for(pilot, lambda: [m for m in pane.history.messages
                                       if m.role == "assistant"], what="reply")
        pane.composer.load_text("/export")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.notice and pane.notice.startswith("exported to"),
                       what="export")
        text = open(pane.notice.split("exported to ", 1)[1], encoding="utf-8").read()
    assert_safe(text)
    assert f"hello {clean(PEER)}\nline two" in text  # the body keeps its lines
    assert f"(Mal{clean(PEER, newlines=False)})" in text
