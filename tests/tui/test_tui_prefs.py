"""Preferences outlive the app: theme and layout picked in it, the order of the panes; a bad
prefs file is a warning and defaults, never a crash."""

from __future__ import annotations

import json

import pytest

from engine.config.loader import load_config_text
from tests.support.perms import loose_umask, mode  # noqa: F401 - fixture
from tests.support.tui_app import CONFIG_TEXT, running_app, wait_for
from tui.prefs import Prefs

THEMED = CONFIG_TEXT.replace("  tools:", '  tui: { theme: "nord" },\n  tools:')


def prefs_file(tmp_path):
    return tmp_path / "state" / "tui" / "prefs.json"


async def test_a_theme_and_layout_picked_in_the_app_are_there_after_a_restart(
        tmp_path, loose_umask) -> None:  # noqa: F811
    async with running_app(tmp_path, text=THEMED) as (app, pilot):
        assert app.theme == "nord"
        assert not prefs_file(tmp_path).exists()  # nothing chosen yet, nothing written
        app.theme = "gruvbox"  # what the palette's theme picker does
        await pilot.press("f5", "ctrl+b")  # clone panel and sidebar hidden
        await pilot.pause()
    saved = json.loads(prefs_file(tmp_path).read_text())
    assert saved == {"theme": "gruvbox", "themeOver": "nord", "sidebar": False, "clones": False}
    assert mode(prefs_file(tmp_path)) == 0o600 and mode(prefs_file(tmp_path).parent) == 0o700
    async with running_app(tmp_path, text=THEMED) as (app, pilot):
        assert app.theme == "gruvbox"
        assert not app.main.query_one("#sidebar").display
        assert not app.main.clone_panel().display
        await pilot.press("ctrl+b")
    assert json.loads(prefs_file(tmp_path).read_text())["sidebar"] is True


async def test_a_changed_tui_theme_in_the_config_wins_over_an_older_pick(tmp_path) -> None:
    async with running_app(tmp_path, text=THEMED) as (app, pilot):
        app.theme = "gruvbox"
        await pilot.pause()
    (tmp_path / "clawdbot.json").unlink()
    edited = THEMED.replace('theme: "nord"', 'theme: "dracula"')
    async with running_app(tmp_path, text=edited) as (app, pilot):
        assert app.theme == "dracula"
    async with running_app(tmp_path, text=edited, theme="nord") as (app, pilot):
        assert app.theme == "nord"  # --theme wins for its run
    assert json.loads(prefs_file(tmp_path).read_text())["theme"] == "gruvbox"  # and is not saved


@pytest.mark.parametrize("content, warning", [
    (b"{ not json", "using default preferences"),
    (b"[" * 200 + b"]" * 200, "using default preferences"),
    (b" " * (1024 * 1024 + 1), "using default preferences"),
])
async def test_a_damaged_prefs_file_is_a_warning_and_defaults(tmp_path, content, warning) -> None:
    path = prefs_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    notes: list[str] = []
    async with running_app(tmp_path, text=THEMED) as (app, pilot):
        notes = [n.message for n in app._notifications]
        assert app.theme == "nord"
        assert app.main.query_one("#sidebar").display
    assert any(warning in note and "prefs" in note for note in notes), notes
    assert path.with_suffix(".json.bad").read_bytes() == content  # kept, not overwritten


def test_values_of_the_wrong_type_are_reported_and_left_at_their_defaults(tmp_path) -> None:
    path = tmp_path / "prefs.json"
    path.write_text(json.dumps({"theme": 7, "sidebar": "no", "clones": False,
                                "paneOrder": ["a", 1]}))
    prefs = Prefs.load(path)
    assert (prefs.theme, prefs.sidebar, prefs.clones, prefs.pane_order) == (None, None, False, [])
    assert [p.split(": ", 1)[1] for p in prefs.problems] == [
        "theme: expected a string, got int; ignored",
        "sidebar: expected true or false, got str; ignored",
        "paneOrder: expected a list of strings; ignored"]


ONE_ACCOUNT = CONFIG_TEXT
TWO_ACCOUNTS = CONFIG_TEXT.replace("whatsapp: { accounts: { personal: {} } },",
                                   "whatsapp: { accounts: { personal: {}, biz: {} } },")


async def test_a_pane_added_live_keeps_its_number_after_a_restart(tmp_path) -> None:
    """The new WhatsApp account comes second in the config, but was added as the last pane
    while the app ran: after a restart it is still the last, and the others keep theirs."""
    async with running_app(tmp_path, text=ONE_ACCOUNT) as (app, pilot):
        before = [p.inbox.key for p in app.main.panes]
        assert before == ["whatsapp:personal", "slack:acme", "local:default"]
        assert await app.gateway.reload(load_config_text(TWO_ACCOUNTS, path=str(tmp_path / "c")))
        await wait_for(pilot, lambda: len(app.main.panes) == 4, what="the new pane")
        live = [(p.number, p.inbox.key) for p in app.main.panes]
    assert live[-1] == (4, "whatsapp:biz")
    (tmp_path / "clawdbot.json").write_text(TWO_ACCOUNTS)
    async with running_app(tmp_path) as (app, pilot):
        assert [(p.number, p.inbox.key) for p in app.main.panes] == live
    (tmp_path / "clawdbot.json").write_text(TWO_ACCOUNTS.replace(
        "slack: { accounts: { acme: {} } },", "slack: { accounts: { acme: {}, ops: {} } },"))
    async with running_app(tmp_path) as (app, pilot):  # new since: after the known ones
        assert [p.inbox.key for p in app.main.panes] == [
            "whatsapp:personal", "slack:acme", "local:default", "whatsapp:biz", "slack:ops"]
