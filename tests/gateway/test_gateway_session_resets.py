"""Session resets through the real gateway and stores: the next message after its session expired
(daily at atHour, idle after idleMinutes; per type and per channel) starts a new session id, the
old one kept with its history and still searchable; the gateway's clock is the one a replay
script sets with ``"at"``, checked with ``"sessionId": "changed" | "unchanged"``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from gateway_helpers import gateway, write_config

from engine.cli import main
from engine.clock import Clock
from engine.config.model import Peer
from engine.gateway import PeerSpec, TurnFinished
from engine.gateway.replay import ScriptError, parse_script
from engine.store import AgentStore
from engine.store.models import SessionInfo

RESETS = """{
  agents: { list: [ {id: "home", default: true} ], defaults: { model: "offline/persona" } },
  session: {
    dmScope: "per-channel-peer",
    reset: { mode: "daily", atHour: 4 },
    resetByType: { group: { mode: "idle", idleMinutes: 30 }, thread: { idleMinutes: 10 } },
    resetByChannel: { slack: { mode: "none" } },
  },
  channels: { whatsapp: { accounts: { personal: {} } }, slack: {} },
}"""

ME = PeerSpec(id="me")
GROUP = PeerSpec(kind="group", id="g1")
THREAD = PeerSpec(kind="channel", id="t1", parent=Peer("channel", "c1"))


def local(text: str) -> float:
    """Epoch seconds of a local wall-clock time (what ``atHour`` and replay's ``at`` use)."""
    return datetime.fromisoformat(text).timestamp()


async def say(gw, inbox: str, peer: PeerSpec, text: str, at: str):
    gw.clock.set(local(at))
    ticket = await gw.send(inbox, peer, text)
    assert isinstance(await ticket.wait(), TurnFinished)
    assert ticket.user_message is not None
    return ticket.user_message


async def test_daily_reset_starts_a_new_session_id_and_keeps_the_old_one(tmp_path, env):
    config = write_config(tmp_path, RESETS)
    async with gateway(config, tmp_path, env, clock=Clock()) as gw:
        first = await say(gw, "whatsapp:personal", ME, "zebra night shift", "2026-12-01T02:00:00")
        same = await say(gw, "whatsapp:personal", ME, "still up", "2026-12-01T03:59:59")
        after = await say(gw, "whatsapp:personal", ME, "good morning", "2026-12-01T04:00:00")
        assert same.session_id == first.session_id and same.seq == 3
        assert after.session_id != first.session_id and after.seq == 1
        assert after.created_at == local("2026-12-01T04:00:00")  # stored at the clock's time

        key = after.session_key
        assert [m.content for m in await gw.history("home", key)][0] == "good morning"
        hits = await gw.search("zebra", agent_id="home")
        assert hits and {h.message.session_id for h in hits} == {first.session_id}  # searchable
        rows = await gw.sessions(agent_id="home", include_reset=True)
        old = next(r for r in rows if r.session_id == first.session_id)
        assert not old.active and old.message_count == 4  # history intact
        new = next(r for r in rows if r.session_id == after.session_id)
        assert new.active and new.created_at == local("2026-12-01T04:00:00")

        later = await say(gw, "whatsapp:personal", ME, "lunch?", "2026-12-02T03:00:00")
        assert later.session_id == after.session_id  # a day, but no 04:00 since it started


async def test_group_idle_thread_inherits_and_channel_override_wins(tmp_path, env):
    config = write_config(tmp_path, RESETS)
    async with gateway(config, tmp_path, env, clock=Clock()) as gw:
        g1 = await say(gw, "whatsapp:personal", GROUP, "standup", "2026-12-01T10:00:00")
        g2 = await say(gw, "whatsapp:personal", GROUP, "notes", "2026-12-01T10:30:00")
        g3 = await say(gw, "whatsapp:personal", GROUP, "lunch", "2026-12-01T11:00:01")
        assert g2.session_id == g1.session_id  # exactly 30 minutes: not yet
        assert g3.session_id != g2.session_id  # 30 min 1 s after the last message

        # a thread: resetByType.thread takes its mode from session.reset (daily) plus 10 idle minutes
        t1 = await say(gw, "whatsapp:personal", THREAD, "in thread", "2026-12-01T10:00:00")
        t2 = await say(gw, "whatsapp:personal", THREAD, "reply", "2026-12-01T10:10:00")
        t3 = await say(gw, "whatsapp:personal", THREAD, "later", "2026-12-01T10:25:00")
        assert t2.session_id == t1.session_id and t3.session_id != t2.session_id
        assert gw.reset_policy("whatsapp:personal", THREAD).mode == "daily"

        # slack: resetByChannel says none, over the daily default and the group idle policy
        s1 = await say(gw, "slack:default", GROUP, "hello slack", "2026-12-01T10:00:00")
        s2 = await say(gw, "slack:default", GROUP, "a week on", "2026-12-08T10:00:00")
        assert s2.session_id == s1.session_id


async def test_without_a_policy_sessions_last_until_new(tmp_path, env):
    config = write_config(tmp_path, '{ agents: { list: [ {id: "home"} ] } }')
    async with gateway(config, tmp_path, env, clock=Clock()) as gw:
        a = await say(gw, "whatsapp:default", ME, "one", "2026-12-01T03:00:00")
        b = await say(gw, "whatsapp:default", ME, "two", "2027-03-01T05:00:00")
        assert a.session_id == b.session_id
        new_id = await gw.new_session("whatsapp:default", ME)
        c = await say(gw, "whatsapp:default", ME, "three", "2027-03-01T05:01:00")
        assert c.session_id == new_id != a.session_id


async def test_a_reopened_session_lives_from_its_reopening(tmp_path, env):
    """A retired session opened again (the session list) is not expired at once by its old
    start: its daily and idle windows start when it was reopened."""
    config = write_config(tmp_path, RESETS)
    async with gateway(config, tmp_path, env, clock=Clock()) as gw:
        old = await say(gw, "whatsapp:personal", ME, "old talk", "2026-11-20T10:00:00")
        new = await say(gw, "whatsapp:personal", ME, "new talk", "2026-12-01T10:00:00")
        assert new.session_id != old.session_id
        gw.clock.set(local("2026-12-01T11:00:00"))
        await gw.reopen_session("home", old.session_id)
        back = await say(gw, "whatsapp:personal", ME, "back to it", "2026-12-02T03:59:00")
        assert back.session_id == old.session_id and back.seq == 3
        next_day = await say(gw, "whatsapp:personal", ME, "morning", "2026-12-02T04:00:00")
        assert next_day.session_id not in (old.session_id, new.session_id)

        groups = await say(gw, "whatsapp:personal", GROUP, "g", "2026-12-02T10:00:00")
        await say(gw, "whatsapp:personal", GROUP, "g2", "2026-12-02T11:00:00")  # idle: renewed
        gw.clock.set(local("2026-12-02T12:00:00"))
        await gw.reopen_session("home", groups.session_id)
        again = await say(gw, "whatsapp:personal", GROUP, "g3", "2026-12-02T12:29:00")
        assert again.session_id == groups.session_id  # 29 idle minutes since the reopening


async def test_a_renewal_seen_twice_starts_one_new_session(tmp_path):
    """Two processes that both find a session expired: the second reset names the id it saw,
    which is gone, so it keeps the session the first one started."""
    info = SessionInfo("agent:home:main", "whatsapp", "personal", "direct", "me")
    async with await AgentStore.open(tmp_path, "home") as store:
        await store.append(info, "user", "me", "hi", at=100.0)
        old = await store.session_times(info.session_key)
        assert old is not None and (old.started_at, old.last_user_at) == (100.0, 100.0)
        first = await store.reset_session(info.session_key, info, at=200.0, only_if=old.session_id)
        second = await store.reset_session(info.session_key, info, at=201.0, only_if=old.session_id)
        assert first.session_id == second.session_id != old.session_id
        assert first.created_at == 200.0
        assert len(await store.list_sessions(include_reset=True)) == 2
        fresh = await store.session_times(info.session_key)
        assert fresh is not None and fresh.last_user_at is None


# -- replay ------------------------------------------------------------------------------------
def script(tmp_path: Path, *lines: object) -> str:
    path = tmp_path / "script.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return str(path)


def message(text: str, at: str | None = None, **expect: str) -> dict:
    line: dict = {"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1555",
                  "text": text}
    if at is not None:
        line["at"] = at
    if expect:
        line["expect"] = expect
    return line


def test_replay_at_and_session_id_expectations(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = tmp_path / "c.json5"
    config.write_text(RESETS)
    path = script(tmp_path,
                  message("first", "2026-12-01T03:00:00", sessionId="changed"),
                  message("same night", "2026-12-01T03:30:00", sessionId="unchanged"),
                  message("no at: the clock stays at 03:30", sessionId="unchanged"),
                  message("after four", "2026-12-01T04:05:00", sessionId="changed"),
                  message("wrong on purpose", "2026-12-01T04:06:00", sessionId="changed"))
    assert main(["replay", "--config", str(config), path, "--json"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in rows] == [True, True, True, True, False]
    ids = [r["sessionId"] for r in rows]
    assert ids[0] == ids[1] == ids[2] != ids[3] == ids[4]
    assert rows[4]["failures"] == [f"expected sessionId changed, but the message joined session "
                                   f"{ids[3]}"]


def test_replay_at_is_checked_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = tmp_path / "c.json5"
    config.write_text(RESETS)
    path = script(tmp_path,
                  message("a", "2026-12-01T05:00:00"),
                  message("b", "yesterday"),
                  message("c", "2026-12-01T04:00:00"),
                  message("d", None, sessionId="maybe"))
    assert main(["replay", "--config", str(config), path]) == 2
    err = capsys.readouterr().err
    assert 'script.jsonl:2: "at" must be a date and time like "2026-12-01T04:05:00"' in err
    assert 'script.jsonl:3: "at" goes back in time (line 1 set a later moment)' in err
    assert 'script.jsonl:4: "expect.sessionId" must be "changed" or "unchanged"' in err


@pytest.mark.parametrize(("at", "expected"), [
    ("2026-12-01T04:05:00", local("2026-12-01T04:05:00")),
    ("2026-12-01T04:05:00Z", 1796097900.0),
    ("2026-12-01T05:05:00+01:00", 1796097900.0),
])
def test_replay_at_is_local_time_unless_it_has_an_offset(at, expected):
    (line,) = parse_script(json.dumps({"sleepMs": 0, "at": at}))
    assert line.at == expected


def test_replay_at_on_a_line_of_another_kind_still_sets_the_clock():
    lines = parse_script("\n".join(json.dumps(x) for x in [
        {"ask": {"from": "home", "to": "home", "text": "x"}, "at": "2026-12-01T01:00:00"},
        {"interrupt": {"sessionKey": "k"}, "at": "2026-12-01T02:00:00"}]))
    assert [ln.at for ln in lines] == [local("2026-12-01T01:00:00"), local("2026-12-01T02:00:00")]
    with pytest.raises(ScriptError, match='unknown key "when"'):
        parse_script(json.dumps({"sleepMs": 1, "at": "2026-12-01T01:00:00", "when": "now"}))
