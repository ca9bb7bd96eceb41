"""When streamed text is shown: at once while nobody types; while the user types, every pane
once per round, in groups of neighbours (``tui/live_pace.py``, read by the app's event pump)."""

from __future__ import annotations

from tests.support.tui_app import running_app
from tui.live_pace import ALL, LIVE_GROUPS, TYPING_GRACE, TYPING_INTERVAL, LivePace, groups_of

EIGHT_PANES = """{
  agents: { defaults: { model: "offline/persona" }, list: [ { id: "home", default: true } ] },
  channels: { whatsapp: { accounts: { a: {}, b: {}, c: {}, d: {}, e: {}, f: {}, g: {} } } },
}"""


def rounds(pace: LivePace, typing: bool, seconds: float, step: float = 0.001) -> list[int]:
    """The groups that came due over ``seconds``, checked every ``step``."""
    due, now = [], 0.0
    while now < seconds:
        group = pace.due(now, typing)
        if group is not None:
            due.append(group)
        now += step
    return due


async def test_each_pane_is_in_one_group_of_neighbours(tmp_path):
    async with running_app(tmp_path, text=EIGHT_PANES) as (app, pilot):
        keys = [pane.inbox.key for pane in app.main.panes]
        assert len(keys) == 8
    groups = groups_of(keys)
    assert sorted(set(groups.values())) == list(range(LIVE_GROUPS))
    for group in range(LIVE_GROUPS):  # each group is a run of two adjacent panes
        members = [i for i, key in enumerate(keys) if groups[key] == group]
        assert len(members) == 2 and members[1] == members[0] + 1


def test_text_is_due_at_once_while_nobody_types():
    pace = LivePace()
    assert all(pace.due(t / 1000, typing=False) == ALL for t in range(100))
    assert pace.wait(0.1) == 0.0


def test_while_typing_every_group_comes_due_once_per_round():
    due = rounds(LivePace(), typing=True, seconds=TYPING_INTERVAL * 10)
    assert due[:LIVE_GROUPS] == list(range(LIVE_GROUPS))
    assert LIVE_GROUPS * 10 - 1 <= len(due) <= LIVE_GROUPS * 10 + 1
    assert all(b == (a + 1) % LIVE_GROUPS for a, b in zip(due, due[1:]))


async def test_a_key_from_any_widget_is_the_user_typing(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        before = app.last_key_at
        await pilot.press("x")
        assert app.last_key_at > before and app.last_key_at - before > TYPING_GRACE
