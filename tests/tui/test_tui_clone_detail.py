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
