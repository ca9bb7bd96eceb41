"""Ctrl+F finds an old message (beyond the loaded page) and Enter jumps to it."""

from __future__ import annotations

from tests.support.tui_app import prefill, running_app, type_text, wait_for
from tui.screens.explain import ExplainScreen
from tui.screens.search import SearchScreen


async def test_search_finds_old_message_and_jumps_to_it(tmp_path):
    history = ["the zebra password is 42"] + [f"filler message {i}" for i in range(259)]
    await prefill(tmp_path / "state", "home", history)
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        await wait_for(pilot, lambda: pane.history.message_count >= 200, what="last page")
        assert pane.history.message_count == 200  # only the last page is loaded
        assert pane.history.has_older
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="search screen")
        search = app.screen
        assert "Search in agent home" in app.screen_text()
        search.query_one("#search-input").value = 'NEAR( "unbalanced * -x:'  # not FTS syntax
        await wait_for(pilot, lambda: "agent home: 0 results" in app.screen_text(),
                       what="search ran")
        assert search.hits == []
        search.query_one("#search-input").value = ""
        await type_text(pilot, "zebra")
        await wait_for(pilot, lambda: search.hits, what="search results")
        assert len(search.hits) == 1
        assert search.hits[0].message.content == "the zebra password is 42"
        await pilot.press("ctrl+t")  # all agents: still one hit (work has no zebra)
        await wait_for(pilot, lambda: "all agents: 1 result" in app.screen_text(), what="scope")
        await pilot.press("enter", "enter")  # to the results, open the first
        await wait_for(pilot, lambda: app.screen is app.main, what="back to main")
        await wait_for(pilot, lambda: (pane.history.selected_message() is not None and "zebra" in
                                       pane.history.selected_message().content), timeout=10,
                       what="older pages loaded and the hit selected")
        assert pane.history.message_count == 260
        assert app.focused is pane.composer


async def test_a_hit_pages_back_is_selected_when_the_jump_returns_and_f3_explains_it(tmp_path):
    """The jump is one awaited call: the pages up to the hit are loaded and the hit selected
    by the time it returns, with no timer left to wait for; F3 then explains that message."""
    history = ["the okapi code is 7"] + [f"filler message {i}" for i in range(599)]
    await prefill(tmp_path / "state", "home", history)
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        await wait_for(pilot, lambda: pane.history.message_count >= 200, what="last page")
        (hit,) = await app.gateway.search("okapi", agent_id="home")
        await app.jump_to_hit(hit).wait()
        selected = pane.history.selected_message()
        assert selected is not None and selected.id == hit.message.id
        assert pane.history.message_count == 600  # two older pages came in for it
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen), what="explanation")
        assert f"Message #{hit.message.seq} (user, you)" in app.screen_text()
