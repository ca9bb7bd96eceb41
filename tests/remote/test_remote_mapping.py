"""Gateway answers as the engine's plain types: the panes from ``channels.status`` and the
transcript rows a pane pages through (shapes as OpenClaw 2026.9.6 sends them)."""

from __future__ import annotations

from engine.remote.events import RemoteMessage
from engine.remote.mapping import OPERATOR_INBOX, agent_of, inboxes, stored_message

KEY = "agent:research:a2a:default:direct:tester:ctx-1"


def test_one_pane_per_channel_account_then_the_operators_own():
    status = {"channelOrder": ["whatsapp", "a2a"],
              "channelAccounts": {
                  "a2a": [{"accountId": "default", "running": True}],
                  "whatsapp": [{"accountId": "personal", "name": "Personal"},
                               {"accountId": "biz"}, {"no": "id"}, "junk"],
                  "slack": [{"accountId": "team"}]}}
    got = inboxes(status)
    assert [i.key for i in got] == ["whatsapp:personal", "whatsapp:biz", "a2a:default",
                                    "slack:team", "local:default"]
    assert got[0].label == "whatsapp · Personal" and got[-1] == OPERATOR_INBOX
    assert inboxes({}) == (OPERATOR_INBOX,)
    assert inboxes({"channelAccounts": ["not", "a", "dict"]}) == (OPERATOR_INBOX,)


def test_transcript_rows_keep_their_place_and_say_who_wrote_them():
    user = RemoteMessage.from_payload(KEY, {
        "role": "user", "content": "ping", "timestamp": 1796287290489,
        "__openclaw": {"id": "u1", "seq": 1}})
    reply = RemoteMessage.from_payload(KEY, {
        "role": "assistant", "content": [{"type": "text", "text": "po"}, {"type": "image"},
                                         {"type": "text", "text": "ng"}],
        "model": "fake-model", "stopReason": "stop",
        "__openclaw": {"id": "a1", "seq": 2, "runId": "r1"}})
    aborted = RemoteMessage.from_payload(KEY, {
        "role": "assistant", "content": [{"type": "text", "text": "par"}],
        "stopReason": "aborted", "__openclaw": {"id": "a2", "seq": 3, "runId": "r2"}})
    failed = RemoteMessage.from_payload(KEY, {
        "role": "custom", "customType": "run-failed-before-reply",
        "content": "This turn ended before a reply", "__openclaw": {"id": "c1", "seq": 4}})
    rows = [stored_message(m, session_id="s1") for m in (user, reply, aborted, failed)]
    assert [(r.seq, r.role, r.author, r.status) for r in rows] == [
        (1, "user", "you", "complete"), (2, "assistant", "research", "complete"),
        (3, "assistant", "research", "interrupted"), (4, "system", "gateway", "error")]
    assert rows[1].content == "pong" and rows[1].meta == {"messageId": "a1", "runId": "r1",
                                                          "model": "fake-model"}
    assert rows[0].created_at == 1796287290.489 and rows[0].session_id == "s1"
    assert stored_message(RemoteMessage.from_payload(KEY, {"role": "user"})) is None


def test_agent_of_a_session_key():
    assert agent_of(KEY) == "research"
    assert agent_of("agent:main:dashboard:abc") == "main"
    assert agent_of("global") == agent_of("agent:") == ""
