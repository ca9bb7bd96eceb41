"""Sessions, not just peers: F9 lists a pane's sessions (retired ones too) and reopens one;
a search hit in a peer the pane is not speaking as switches to it instead of refusing."""

from __future__ import annotations

from engine.gateway.inbox import PeerSpec
from engine.gateway.events import TurnFinished
from tests.support.tui_app import running_app, wait_for
from tui.screens.sessions import SessionsScreen, age

ALICE = PeerSpec(kind="direct", id="+15550001", display_name="Alice")
BOB = PeerSpec(kind="direct", id="+15550002", display_name="Bob")


def contents(pane) -> list[str]:
    return [m.content for m in pane.history.messages]


async def say(pilot, pane, text: str) -> None:
    count = len(pane.history.messages)
    await pane.submit(text)
    await wait_for(pilot, lambda: len(pane.history.messages) >= count + 2 and not pane.turns,
                   what=f"reply to {text!r}")


async def test_f9_lists_the_sessions_of_a_pane_and_reopens_a_retired_one(tmp_path) -> None:
    async with running_app(tmp_path, text=PER_PEER) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(ALICE)
        await say(pilot, pane, "ferry times please")
        old_id = pane.history.messages[0].session_id
        await pane.submit("/new")
        await wait_for(pilot, lambda: not pane.history.messages, what="empty new session")
        await say(pilot, pane, "a fresh topic")
        app.main.focus_pane(pane)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen)
                       and len(app.screen.rows) == 2, what="session list")
        text = app.screen_text()
        assert "Sessions in whatsapp · personal: 2 sessions" in text
        assert "● Alice · home · now  home here." in text  # the one shown, its last message
        assert "  Alice · home · now · retired  home here." in text
        await pilot.press("down", "enter")  # the retired one
        await wait_for(pilot, lambda: app.screen is app.main, what="back to the panes")
        await wait_for(pilot, lambda: contents(pane)[:1] == ["ferry times please"],
                       what="the old session's history")
        assert pane.notice == f"reopened session {old_id[:8]}"
        await say(pilot, pane, "and the way back?")
        stored = await app.gateway.history("home", pane.route.session_key)
        assert {m.session_id for m in stored} == {old_id} and len(stored) == 4
        rows = await app.gateway.sessions(agent_id="home", include_reset=True)
        assert [(r.session_id == old_id, r.active) for r in rows] == [(True, True), (False, False)]


PER_PEER = """\
{
  agents: { defaults: { model: "offline/persona" }, list: [ { id: "home", default: true } ] },
  session: { dmScope: "per-peer" },
  channels: { whatsapp: { accounts: { personal: {} } }, slack: { accounts: { acme: {} } } },
}
"""


async def test_a_search_hit_from_another_peer_switches_the_pane_to_it(tmp_path) -> None:
    async with running_app(tmp_path, text=PER_PEER) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(ALICE)
        await say(pilot, pane, "the kiwi plan")
        pane.set_peer(BOB)
        await say(pilot, pane, "something else")
        (hit,) = [h for h in await app.gateway.search("kiwi") if h.message.role == "user"]
        app.main.focus_pane(app.main.panes[1])
        await app.jump_to_hit(hit).wait()
        assert app.main.focused_pane is pane and pane.peer == ALICE
        selected = pane.history.selected_message()
        assert selected is not None and selected.id == hit.message.id


async def test_a_search_hit_in_a_retired_session_opens_the_list_on_it(tmp_path) -> None:
    async with running_app(tmp_path, text=PER_PEER) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(ALICE)
        await say(pilot, pane, "the kiwi plan")
        old_id = pane.history.messages[0].session_id
        await pane.submit("/new")
        await say(pilot, pane, "a fresh topic")
        (hit,) = [h for h in await app.gateway.search("kiwi") if h.message.role == "user"]
        await app.jump_to_hit(hit).wait()
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen)
                       and len(app.screen.rows) == 2, what="session list")
        listing = app.screen.query_one("#sessions-list")
        assert app.screen.rows[listing.highlighted].session_id == old_id
        await pilot.press("enter")
        await wait_for(pilot, lambda: contents(pane)[:1] == ["the kiwi plan"], what="reopened")


async def test_a_session_routed_elsewhere_now_is_not_reopened(tmp_path) -> None:
    """The list is read from the store; when the peer's messages no longer route to that
    session, opening it says so and changes nothing."""
    async with running_app(tmp_path, text=PER_PEER) as (app, pilot):
        pane = app.main.panes[0]
        pane.set_peer(ALICE)
        await say(pilot, pane, "hello")
        (row,) = await app.gateway.sessions(agent_id="home")
        other = app.main.panes[1]  # slack: Alice's whatsapp session is not its to open
        moved = type(row)(**{**{f: getattr(row, f) for f in row.__slots__},
                             "session_key": "agent:home:elsewhere"})
        assert not await other.open_session(moved)
        assert not await pane.open_session(moved)
        assert "now go to home (agent:home:direct:+15550001)" in pane.notice


def test_age_is_given_in_its_largest_whole_unit() -> None:
    assert [age(s) for s in (-3, 0, 59, 60, 3599, 3600, 86400 * 2, 86400 * 15)] == [
        "now", "now", "now", "1m", "59m", "1h", "2d", "2w"]


async def test_the_session_list_shows_a_stored_reply_and_the_turn_ended(tmp_path) -> None:
    async with running_app(tmp_path, text=PER_PEER) as (app, pilot):
        pane = app.main.panes[0]
        ticket = await app.gateway.send(pane.inbox.key, ALICE, "hi there")
        assert isinstance(await ticket.wait(), TurnFinished)
        pane.show_sessions()
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen)
                       and app.screen.rows, what="list")
        assert "Alice · home · now  home here." in app.screen_text()
        await pilot.press("escape")
        assert app.screen is app.main
