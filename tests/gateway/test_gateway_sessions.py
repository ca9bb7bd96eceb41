"""What the panes read back through the gateway: history pages, search across agents, a new
session per pane+peer, exports; plus inboxes, route previews and the events of one turn."""

from __future__ import annotations

import json

import pytest
from gateway_helpers import gateway, two_agents, write_config

from engine.config.loader import load_config_text
from engine.errors import ClawError
from engine.gateway import (
    CloneCreated,
    CloneStateChanged,
    GatewayError,
    PeerSpec,
    ReplyDelta,
    RouteResolved,
    TurnFinished,
    TurnStarted,
    build_inboxes,
)

ME = PeerSpec(id="me", display_name="Me Myself")


async def talk(gw, inbox, peer, *texts):
    tickets = [await gw.send(inbox, peer, t) for t in texts]
    for t in tickets:
        assert isinstance(await t.wait(), TurnFinished)
    return tickets


async def test_history_pages_search_new_session_and_export(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        tickets = await talk(gw, "whatsapp:personal", ME, *(f"note {i} about zebras" for i in range(6)))
        await talk(gw, "whatsapp:biz", ME, "quarterly zebras report")
        key = tickets[0].session_key
        last = await gw.history("home", key, limit=4)
        assert [m.seq for m in last] == [9, 10, 11, 12]
        older = await gw.history("home", key, before_seq=last[0].seq, limit=4)
        assert [m.seq for m in older] == [5, 6, 7, 8]
        assert last[0].author == "Me Myself"  # the peer's display name

        everywhere = await gw.search("zebras")
        assert {h.agent_id for h in everywhere} == {"home", "work"}
        times = [h.message.created_at for h in everywhere]
        assert times == sorted(times, reverse=True)
        only_work = await gw.search("zebras", agent_id="work")
        assert only_work and all(h.agent_id == "work" for h in only_work)

        md = await gw.export("whatsapp:personal", ME)
        assert md.suffix == ".md" and md.parent == tmp_path / "state" / "exports"
        assert "note 5 about zebras" in md.read_text()
        jl = await gw.export("whatsapp:personal", ME, "jsonl")
        rows = [json.loads(line) for line in jl.read_text().splitlines()]
        assert len(rows) == 12 and rows[0]["content"] == "note 0 about zebras"
        with pytest.raises(GatewayError, match="unknown export format"):
            await gw.export("whatsapp:personal", ME, "pdf")

        old_id = last[0].session_id
        new_id = await gw.new_session("whatsapp:personal", ME)
        assert new_id != old_id
        assert await gw.history("home", key) == []  # the pane starts empty
        await talk(gw, "whatsapp:personal", ME, "fresh start")
        assert [m.session_id for m in await gw.history("home", key)] == [new_id, new_id]
        assert len(await gw.search("zebras", agent_id="home")) >= 6  # old history stays searchable


async def test_sessions_of_one_agent_or_all_newest_first(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        home = (await talk(gw, "whatsapp:personal", ME, "hello home"))[0]
        work = (await talk(gw, "whatsapp:biz", ME, "hello work"))[0]
        everywhere = await gw.sessions()
        assert [(r.agent_id, r.session_key) for r in everywhere] == [
            ("work", work.session_key), ("home", home.session_key)]  # newest first
        assert [r.agent_id for r in await gw.sessions(agent_id="home")] == ["home"]
        assert everywhere[0].peer_id == "me" and everywhere[0].message_count == 2

        old_id = everywhere[1].session_id
        await gw.new_session("whatsapp:personal", ME)
        active = await gw.sessions(agent_id="home")
        assert len(active) == 1 and active[0].session_id != old_id
        retired = await gw.sessions(agent_id="home", include_reset=True)
        assert old_id in {r.session_id for r in retired} and len(retired) == 2


async def test_new_session_for_a_peer_that_never_spoke(tmp_path, env):
    """/new before the first message starts an empty session instead of failing."""
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        key = gw.route("whatsapp:personal", ME).session_key
        new_id = await gw.new_session("whatsapp:personal", ME)
        assert new_id
        assert await gw.history("home", key) == []
        await talk(gw, "whatsapp:personal", ME, "first words")
        assert {m.session_id for m in await gw.history("home", key)} == {new_id}


async def test_the_events_of_one_turn(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        preview = gw.route("whatsapp:biz", ME)
        ticket = await gw.send("whatsapp:biz", ME, "hello")
        final = await ticket.wait()
        events = sub.drain()
        kinds = [type(e).__name__ for e in events]
        # clone states not yet read coalesce into the latest one, which comes last
        assert kinds == ["CloneCreated", "RouteResolved", "TurnStarted", "ReplyDelta",
                         "TurnFinished", "CloneStateChanged"]
        resolved = next(e for e in events if isinstance(e, RouteResolved))
        assert resolved.route == preview and resolved.peer == ME
        assert resolved.route.explanation.matched_by == "binding.account"
        assert resolved.route.explanation.binding_index == 0
        started = next(e for e in events if isinstance(e, TurnStarted))
        assert started.user_message.content == "hello" and started.clone_id == ticket.clone_id
        assert started.user_message.meta["matched_by"] == "binding.account"
        text = "".join(e.text for e in events if isinstance(e, ReplyDelta))
        assert text == final.message.content and final.usage.completion_tokens > 0
        assert final.message.meta["usage"]["completion_tokens"] == final.usage.completion_tokens
        created = next(e for e in events if isinstance(e, CloneCreated)).snapshot
        assert (created.agent_id, created.channel, created.account_id, created.state) == (
            "work", "whatsapp", "biz", "idle")
        last_state = [e.snapshot for e in events if isinstance(e, CloneStateChanged)][-1]
        assert (last_state.state, last_state.turns, last_state.queue_length) == ("idle", 1, 0)
        assert last_state.session_key == ticket.session_key
        assert [e.seq for e in events] == sorted(e.seq for e in events)


def test_inboxes_from_channels_bindings_and_local():
    config = load_config_text("""{
      agents: { list: [ {id: "home", default: true}, {id: "work"} ] },
      bindings: [
        { agentId: "work", match: { channel: "discord", accountId: "guildbot" } },
        { agentId: "work", match: { channel: "slack", accountId: "*" } },
        { agentId: "work", match: { channel: "whatsapp", accountId: "*" } },
      ],
      channels: {
        whatsapp: { accounts: { personal: { name: "Personal" }, biz: {} } },
        telegram: {},
      },
    }""")
    inboxes = build_inboxes(config)
    assert [ib.key for ib in inboxes] == [
        "whatsapp:personal", "whatsapp:biz", "telegram:default", "discord:guildbot",
        "slack:default", "local:default"]
    assert inboxes[0].label == "whatsapp · Personal"  # the account's name when it has one
    assert inboxes[1].label == "whatsapp · biz"
    assert inboxes[-1].label == "local · default"


async def test_a_session_retired_by_new_can_be_reopened_and_takes_the_next_messages(tmp_path, env):
    """Each session row says how its last message began; reopening the old one brings its
    history back under the key and the next message goes to it; the newer one is retired,
    not lost, and can be reopened in turn."""
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        first = (await talk(gw, "whatsapp:personal", ME, "ferry times please"))[0]
        key = first.session_key
        (old,) = await gw.sessions(agent_id="home")
        assert old.last_message and old.last_message.startswith("home here.")
        await gw.new_session("whatsapp:personal", ME)
        await talk(gw, "whatsapp:personal", ME, "a fresh topic")
        rows = await gw.sessions(agent_id="home", include_reset=True)
        assert [(r.session_id == old.session_id, r.active) for r in rows] == [(False, True),
                                                                           (True, False)]
        newer = rows[0]

        reopened = await gw.reopen_session("home", old.session_id)
        assert (reopened.session_id, reopened.active, reopened.session_key) == (
            old.session_id, True, key)
        assert [m.content for m in await gw.history("home", key)][0] == "ferry times please"
        await talk(gw, "whatsapp:personal", ME, "and the way back?")
        shown = await gw.history("home", key)
        assert {m.session_id for m in shown} == {old.session_id} and len(shown) == 4
        live = await gw.sessions(agent_id="home")
        assert [r.session_id for r in live] == [old.session_id]
        assert (await gw.reopen_session("home", newer.session_id)).active
        assert [m.content for m in await gw.history("home", key)][0] == "a fresh topic"
        again = await gw.reopen_session("home", newer.session_id)  # already live: unchanged
        assert again.session_id == newer.session_id
        with pytest.raises(ClawError, match="no session"):
            await gw.reopen_session("home", "0" * 32)
