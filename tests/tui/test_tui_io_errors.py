"""Files the app writes for the user, through the real app: exports made in quick succession or
for a very long peer id, an exports path that cannot be written, a "save as" to a path that
cannot be written, and the recent-peers file. Every failure is a message, never an exit, and
everything written is private (0700 folders, 0600 files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.widgets import Input

from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from engine.gateway.inbox import PeerSpec
from tests.support.tui_app import CONFIG_TEXT, fixed_time, running_app, wait_for
from tui.app import ClawApp
from tui.recent_peers import RecentPeers
from tui.screens.dialogs import ChoiceScreen, PromptScreen
from tui.screens.routing_editor import RoutingEditor


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def replies(pane):
    return [m for m in pane.history.messages if m.role == "assistant"]


async def say(pilot, pane, text: str) -> None:
    before = len(replies(pane))
    pane.composer.load_text(text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(replies(pane)) > before, what=f"reply to {text!r}")


async def command(pilot, pane, text: str) -> None:
    pane.composer.load_text(text)
    await pilot.press("enter")


def exports(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "state" / "exports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


async def test_export_twice_in_a_row_makes_two_private_files(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        await say(pilot, pane, "remember the zebra")
        await command(pilot, pane, "/export")
        await command(pilot, pane, "/export")  # the same second: a new name, not a crash
        await wait_for(pilot, lambda: len(exports(tmp_path)) == 2, what="two exports")
        assert app.is_running and app.return_code is None
        first, second = exports(tmp_path)
        assert first != second
        for path in (first, second):
            assert "remember the zebra" in path.read_text(encoding="utf-8")
            assert mode(path) == 0o600
        assert mode(first.parent) == 0o700
        assert pane.notice in {f"exported to {first}", f"exported to {second}"}
        await say(pilot, pane, "still here")  # the app goes on


async def test_export_for_a_300_character_peer_id(tmp_path):
    per_peer = CONFIG_TEXT.replace("  channels: {", '  session: { dmScope: "per-peer" },\n  channels: {')
    async with running_app(tmp_path, text=per_peer) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(PeerSpec(id="q" * 300))
        assert "q" * 300 in pane.route.session_key  # the id is part of the file name
        await say(pilot, pane, "hello from a long id")
        await command(pilot, pane, "/export jsonl")
        await wait_for(pilot, lambda: pane.notice and pane.notice.startswith(("exported", "✖")),
                       what="export notice")
        assert pane.notice.startswith("exported to "), pane.notice
        (path,) = exports(tmp_path)
        assert len(path.name.encode("utf-8")) <= 255
        assert "q" * 300 in path.read_text(encoding="utf-8")
        assert app.is_running


async def test_an_exports_path_that_is_a_file_is_a_message_in_the_pane(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        await say(pilot, pane, "hello")
        blocker = tmp_path / "state" / "exports"
        blocker.write_text("in the way")  # as root a read-only folder still takes writes
        await command(pilot, pane, "/export")
        await wait_for(pilot, lambda: pane.notice and pane.notice.startswith("✖"),
                       what="error notice")
        assert pane.notice == f"✖ cannot export to {blocker}: Not a directory"
        await pilot.pause(0.05)
        assert "cannot export to" in app.screen_text()
        assert app.is_running and blocker.read_text() == "in the way"
        await say(pilot, pane, "still here")


async def test_an_unexpected_error_in_a_pane_command_is_one_line_in_the_pane(tmp_path, monkeypatch):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]

        async def broken(*_args, **_kwargs):
            raise RuntimeError("the store went away\nsecond line")

        # No real input is known to raise anything but ClawError here; this stands for the
        # one nobody has found yet.
        monkeypatch.setattr(app.gateway, "new_session", broken)
        await command(pilot, pane, "/new")
        await wait_for(pilot, lambda: pane.notice and pane.notice.startswith("✖"),
                       what="error notice")
        assert pane.notice == "✖ /new failed: RuntimeError: the store went away second line"
        assert app.is_running
        monkeypatch.undo()
        await say(pilot, pane, "still here")


async def example_app(tmp_path: Path):
    state = tmp_path / "state"
    gateway = Gateway(load_example(), state, env={"CLAW_OFFLINE_DELAY_MS": "1"},
                      watch_config=False)
    return gateway, ClawApp(gateway, state_dir=state, format_time=fixed_time, clone_refresh=0)


async def save_example_as(app, pilot, path: str) -> RoutingEditor:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="routing editor")
    editor = app.screen
    await pilot.press("t")  # an edit: agent-to-agent off
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="save as")
    app.screen.query_one(Input).value = path
    await pilot.press("enter")
    return editor


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_save_as_to_paths_that_cannot_be_written_are_messages(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    gateway, app = await example_app(tmp_path)
    async with gateway, app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        editor = await save_example_as(app, pilot, str(folder))  # a folder: overwrite it?
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="overwrite?")
        await pilot.press("o")
        await wait_for(pilot, lambda: errors(app), what="error notice")
        assert str(folder) in errors(app)[-1] and "directory" in errors(app)[-1].lower()
        assert app.screen is editor and editor.doc.is_example and editor.doc.dirty
        app.clear_notifications()

        for bad in ("~no-such-user-here/clawdbot.json", str(tmp_path / ("x" * 300)),
                    str(tmp_path / "configs" / ("y" * 300) / "clawdbot.json")):
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="save as")
            app.screen.query_one(Input).value = bad
            await pilot.press("enter")
            await wait_for(pilot, lambda: errors(app), what=f"error for {bad[:30]}")
            assert errors(app)[-1].startswith("Not saved: "), errors(app)[-1]
            assert app.screen is editor and app.is_running
            app.clear_notifications()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["configs", "state"]
        assert list(folder.iterdir()) == []
        assert gateway.config.is_example  # never saved: the engine still runs the example


async def test_save_as_makes_private_folders_and_a_private_file(tmp_path):
    target = tmp_path / "new" / "deeper" / "clawdbot.json"
    old = os.umask(0o022)
    try:
        gateway, app = await example_app(tmp_path)
        async with gateway, app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            editor = await save_example_as(app, pilot, str(target))
            await wait_for(pilot, lambda: [n for n in app._notifications
                                           if n.message.startswith(f"Saved {target};")],
                           what="saved notice")
            assert gateway.config.path == str(target) and not editor.doc.dirty
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o700 and mode(target.parent) == 0o700
    assert mode(target) == 0o600


def test_recent_peers_are_saved_privately(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    old = os.umask(0o022)
    try:
        recent = RecentPeers.for_state_dir(state)
        assert recent.remember("whatsapp:personal", PeerSpec(id="+15550001")) is None
        path = state / "tui" / "recent-peers.json"
        assert mode(path.parent) == 0o700 and mode(path) == 0o600
        os.chmod(path.parent, 0o755)  # as an earlier version left it
        assert recent.remember("whatsapp:personal", PeerSpec(id="+15550002")) is None
        assert mode(path.parent) == 0o700 and mode(path) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == ["recent-peers.json"]
    finally:
        os.umask(old)
    again = RecentPeers.for_state_dir(state)
    assert [p.id for p in again.get("whatsapp:personal")] == ["+15550002", "+15550001"]


def test_recent_peers_that_cannot_be_saved_are_an_error_line(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "tui").write_text("in the way")
    recent = RecentPeers.for_state_dir(state)
    error = recent.remember("whatsapp:personal", PeerSpec(id="me"))
    assert error is not None and error.startswith("could not save recent peers to ")
    assert "Not a directory" in error


def test_a_peer_id_that_is_not_valid_unicode_is_saved_and_read_back(tmp_path):
    odd = PeerSpec(id="caf\udce9", display_name="Zoë")  # a byte that did not decode
    recent = RecentPeers.for_state_dir(tmp_path)
    assert recent.remember("whatsapp:personal", odd) is None
    again = RecentPeers.for_state_dir(tmp_path)
    assert again.load_error is None and again.get("whatsapp:personal") == [odd]


async def test_reload_config_from_the_palette_without_a_file_is_a_message(tmp_path):
    gateway, app = await example_app(tmp_path)
    async with gateway, app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app._reload_config()  # the palette's "Reload config" while running the built-in example
        await wait_for(pilot, lambda: errors(app), what="error notice")
        assert errors(app) == ["no config file to reload (running the built-in example)"]
        assert app.is_running
