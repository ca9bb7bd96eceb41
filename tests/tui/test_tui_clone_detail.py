"""The clone panel's detail: hovering a clone's row shows the clone, its session and the
agent's own folder (where its auth profiles and models.json live) as the row's tooltip."""

from __future__ import annotations

from tests.support.tui_app import running_app, wait_for


async def test_hovering_a_clone_row_shows_its_agent_folder(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        app.main.focus_pane(pane)
        await pilot.pause()
        pane.composer.load_text("hello")
        await pilot.press("enter")
        panel = app.main.clone_panel()
        await wait_for(pilot, lambda: app.gateway.clone_snapshots(), what="a clone")
        (snap,) = app.gateway.clone_snapshots()
        await wait_for(pilot, lambda: snap.clone_id in panel._rows, what="the clone's row")
        folder = tmp_path / "state" / "agents" / "home" / "agent"
        assert snap.agent_dir == str(folder) and snap.to_json()["agentDir"] == str(folder)
        assert f"agent folder: {folder}" in panel.detail_text(snap.clone_id)

        await pilot.hover("#clones", offset=(4, 1))  # the header row: no detail
        assert panel.tooltip is None
        await pilot.hover("#clones", offset=(4, 2))  # the first clone's row
        await wait_for(pilot, lambda: panel.tooltip is not None, what="the row's tooltip")
        shown = panel.tooltip.plain
        assert shown.startswith(f"{snap.clone_id} · agent home · whatsapp/personal")
        assert f"agent folder: {folder}" in shown
        await pilot.hover("#clones", offset=(4, 6))  # below the rows
        assert panel.tooltip is None


async def test_a_new_run_repaints_its_own_row_only_while_in_view():
    """A busy gateway adds runs many times a second: a new row in view repaints that row, one
    below the view repaints nothing; what the panel shows is always what it draws afresh."""
    from textual.app import App, ComposeResult
    from textual.geometry import Region

    from engine.gateway.snapshot import CloneSnapshot
    from tui import textual_compat
    from tui.widgets.clone_panel import ClonePanel

    def snap(n: int) -> CloneSnapshot:
        return CloneSnapshot(f"run-{n}", "home", "whatsapp", "personal", "running", None, 0,
                             False, False, None, 1, 10 * n, n, 0.0, 0.0, 0.0)

    class Panel(App[None]):
        def compose(self) -> ComposeResult:
            yield ClonePanel(id="clones", runs=True)

    app = Panel()
    async with app.run_test(size=(100, 8)) as pilot:
        panel = app.query_one(ClonePanel)
        assert panel.virtual_size.width > panel.size.width  # a table wider than the panel
        repaints: list[tuple[Region, ...]] = []
        real = panel.refresh
        panel.refresh = lambda *regions, **kw: (repaints.append(regions), real(*regions, **kw))[1]
        across = panel.horizontal_scrollbar
        assert isinstance(across, textual_compat.SteadyScrollBar)
        for n in range(1, 16):
            repaints.clear()
            upright = panel.show_vertical_scrollbar
            panel.update_snapshot(snap(n))
            if n > 1 and panel.show_vertical_scrollbar == upright:
                # a run added changes the height, not what the bar across shows
                assert not across._repaint_required, f"run {n} repainted the bar across"
            await pilot.pause()
            if n < panel.size.height:  # in view: that row alone
                assert [r for r in repaints if r] == [(Region(0, n, panel.size.width, 1),)]
            else:
                assert not any(repaints), f"run {n} below the view repainted the panel"
            shown = [strip.text for strip in panel.render_lines(panel.size.region)]
            panel._styles_cache.clear()
            assert shown == [strip.text for strip in panel.render_lines(panel.size.region)]
        assert panel.show_vertical_scrollbar
        assert isinstance(panel.vertical_scrollbar, textual_compat.SteadyScrollBar)
