"""Channel accounts' connection state kept live in attach mode: a ``health`` event, a
reconnect and, without either, a periodic ``channels.status`` relabel the account's pane
through the engine's ``InboxChanged`` event; an account that appears gets a pane."""

from __future__ import annotations

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import attached, pane
from tests.support.tui_app import wait_for


def health(accounts: dict[str, dict[str, bool]]) -> dict:
    """A health snapshot as OpenClaw broadcasts it (only what a client reads)."""
    return {"ok": True, "ts": 1_700_000_000_000, "channelOrder": ["a2a"],
            "channels": {"a2a": {"accountId": "default", "running": True,
                                 "accounts": accounts}}}


async def test_a_health_event_relabels_the_accounts_pane(tmp_path):
    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            assert a2a.inbox.label == "a2a · default (connected)"
            await fake.broadcast("health", health({"default": {"accountId": "default",
                                                               "running": False,
                                                               "connected": False}}))
            await wait_for(pilot, lambda: "1 a2a · default (not connected)" in app.screen_text(),
                           what="the pane's title saying not connected")
            assert a2a.inbox.label == "a2a · default (not connected)"
            assert [ib.label for ib in app.gateway.inboxes] == ["a2a · default (not connected)",
                                                                "local · you"]
            await fake.broadcast("health", health({"default": {"running": True}}))
            await wait_for(pilot, lambda: "1 a2a · default (connected)" in app.screen_text(),
                           what="connected again")
            assert [p.inbox.key for p in app.main.panes] == ["a2a:default", "local:default"]


async def test_after_a_reconnect_the_accounts_are_read_again_and_a_new_one_gets_a_pane(
        tmp_path):
    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake) as (app, pilot):
            fake.channels["a2a"][0].update(running=False, connected=False)
            fake.channels["a2a"].append({"accountId": "second", "running": True,
                                         "connected": True, "enabled": True})
            await fake.cut(await fake.wait_peer())
            await wait_for(pilot, lambda: app.main.pane_for("a2a:second") is not None,
                           what="a pane for the new account")
            await wait_for(pilot, lambda: pane(app, "a2a:default").inbox.label
                           == "a2a · default (not connected)", what="the old one relabelled")
            assert pane(app, "a2a:second").inbox.label == "a2a · second (connected)"
            await wait_for(pilot, lambda: "3 a2a · second (connected)" in app.screen_text(),
                           what="the new pane on screen")
            assert "1 a2a · default (not connected)" in app.screen_text()
            # gone from the listing: not connected (its pane and history stay)
            fake.channels["a2a"].pop()
            await fake.cut(await fake.wait_peer())
            await wait_for(pilot, lambda: pane(app, "a2a:second").inbox.label
                           == "a2a · second (not connected)", what="the vanished account")


async def test_without_health_events_channels_status_is_read_again(tmp_path):
    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake, accounts_every=0.2) as (app, pilot):
            reads = sum(1 for m, _ in fake.requests if m == "channels.status")
            fake.channels["a2a"][0].update(running=False, connected=False)
            await wait_for(pilot, lambda: pane(app, "a2a:default").inbox.label
                           == "a2a · default (not connected)", what="the polled state")
            assert sum(1 for m, _ in fake.requests if m == "channels.status") > reads
