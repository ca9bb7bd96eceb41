"""Gateway answers as the engine's plain types: the panes from ``channels.status`` and the
transcript rows a pane pages through (shapes as OpenClaw 2026.9.6 sends them)."""

from __future__ import annotations

from engine.remote import tools
from engine.remote.events import HistoryPage, RemoteMessage, one_row_each
from engine.remote.mapping import OPERATOR_INBOX, agent_of, inboxes, stored_message
from engine.remote.sessions import fold_tool_steps, place_of, reply_after_steps, stored

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


# A run that called one tool, as ``chat.history`` returned it from OpenClaw 2026.9.6.
TOOL_RUN = [
    {"role": "user", "content": "please use a tool now", "__openclaw": {"id": "u", "seq": 1}},
    {"role": "assistant", "content": [{"type": "toolCall", "id": "call_1", "name": "ls",
                                       "arguments": {"path": "."}}],
     "usage": {"input": 11, "output": 7, "totalTokens": 18}, "stopReason": "toolUse",
     "__openclaw": {"id": "a1", "seq": 2, "runId": "r1"}},
    {"role": "toolResult", "toolCallId": "call_1", "toolName": "ls",
     "content": [{"type": "text", "text": '".git/"\n"AGENTS.md"'}], "isError": False,
     "__openclaw": {"id": "t1", "seq": 3, "runId": "r1"}},
    {"role": "assistant", "content": [{"type": "text", "text": "Tool said: .git/"}],
     "usage": {"input": 49993, "output": 3, "totalTokens": 49996}, "stopReason": "stop",
     "__openclaw": {"id": "a2", "seq": 4, "runId": "r1"}},
]


def test_a_runs_tool_steps_fold_into_its_reply():
    page = [RemoteMessage.from_payload(KEY, m) for m in TOOL_RUN]
    assert page[1].tool_step and not page[3].tool_step
    assert (page[1].input_tokens, page[1].output_tokens) == (11, 7)
    folded = [m for m in fold_tool_steps(page) if m.role in ("user", "assistant")]
    assert [(m.role, m.seq, m.text) for m in folded] == [
        ("user", 1, "please use a tool now"), ("assistant", 4, "Tool said: .git/")]
    row = stored(folded[1], place_of(KEY, {"a2a"}, "main"), {})
    assert row is not None and row.meta["tools"] == [
        {"id": "call_1", "name": "ls", "arguments": '{"path": "."}',
         "result": '".git/"\n"AGENTS.md"'}]


def test_steps_without_a_reply_stay_a_row_unless_their_run_still_runs():
    steps = [RemoteMessage.from_payload(KEY, m) for m in TOOL_RUN[:3]]
    assert [m.seq for m in fold_tool_steps(steps, running={"r1"})
            if m.role == "assistant"] == []
    (left,) = [m for m in fold_tool_steps(steps) if m.role == "assistant"]
    assert left.seq == 2 and left.tool_calls[0]["result"] == '".git/"\n"AGENTS.md"'
    # a call that never reported a result is not shown as a success
    (alone,) = [m for m in fold_tool_steps(steps[:2]) if m.role == "assistant"]
    assert alone.tool_calls[0]["result"].startswith("error: no result")


def test_a_step_paged_as_two_rows_is_one_step_with_its_text_once():
    """OpenClaw 2026.9.6 pages a message that said something, then called a tool, as its
    text row and its call row with one id and seq (seen on a real gateway)."""
    said = {"role": "assistant", "content": [{"type": "text", "text": "Let me check. "}],
            "__openclaw": {"id": "a1", "seq": 2, "runId": "r1"}}
    page = one_row_each([RemoteMessage.from_payload(KEY, m)
                         for m in [TOOL_RUN[0], said, *TOOL_RUN[1:]]])
    assert [(m.seq, m.tool_step) for m in page] == [(1, False), (2, True), (3, False),
                                                    (4, False)]
    assert page[1].text == "Let me check. " and page[1].input_tokens == 11
    folded = [m for m in fold_tool_steps(page) if m.role == "assistant"]
    assert [m.text for m in folded] == ["Let me check.\n\nTool said: .git/"]
    # a run that ended without a reply: its step's text shows once
    (left,) = [m for m in fold_tool_steps(page[:3]) if m.role == "assistant"]
    assert left.text == "Let me check."


def test_live_tool_events_become_the_embedded_calls_bounded():
    start = tools.from_event({"phase": "start", "name": "ls", "toolCallId": "call_1",
                              "args": {"path": "x" * 5000}})
    assert start is not None and start[0] == "start"
    assert len(start[1]["arguments"]) < tools.ARGUMENT_CHARS + 60
    assert start[1]["arguments"].endswith("more characters]")
    phase, ended = tools.from_event({
        "phase": "result", "name": "n" * 500, "toolCallId": "call_1", "isError": True,
        "result": {"content": [{"type": "text", "text": "boom\n" * 2000}], "details": {}}})
    assert phase == "result" and len(ended["name"]) == tools.NAME_CHARS
    assert ended["result"].startswith("error: boom") and len(ended["result"]) < 4100
    assert tools.from_event({"phase": "update", "toolCallId": "call_1"}) is None
    assert tools.from_event({"phase": "start", "name": "ls"}) is None  # no call id
    assert tools.from_event({"phase": "result", "toolCallId": "c", "result": "plain"}) == (
        "result", {"id": "c", "name": "tool", "arguments": "{}", "result": "plain"})


def test_a_history_page_says_which_runs_are_in_progress():
    steps = TOOL_RUN[:3]  # a run in a call: its step and result rows end the page
    def page(info):
        return HistoryPage.from_payload(KEY, {"messages": steps, "sessionInfo": info})
    assert page({"hasActiveRun": True, "activeRunIds": ["r1", 7, "r2"]}).active_runs == {
        "r1", "r2"}
    # 2026.9.6 names none for a run another client started: the one the page ends with
    assert page({"hasActiveRun": True}).active_runs == {"r1"}
    assert page({"hasActiveRun": False}).active_runs == frozenset()
    assert page({}).active_runs is None and page("odd").active_runs is None
    ended = HistoryPage.from_payload(KEY, {"messages": TOOL_RUN,
                                           "sessionInfo": {"hasActiveRun": True}})
    assert ended.active_runs == frozenset()  # its run replied: another one is starting
    many = page({"activeRunIds": [f"r{i}" for i in range(1000)]}).active_runs
    assert many is not None and len(many) <= 64


def test_the_reply_after_its_steps_text_is_found_however_the_gateway_joined_them():
    steps = ["Let me check.", "Now the file."]
    for whole in ("Let me check.\n\nNow the file.\n\nDone.", "Let me check.Now the file.Done."):
        assert reply_after_steps(steps, whole) == "Done."
    assert reply_after_steps(steps, "Done.") == "Done."  # a transcript row: the reply alone
    assert reply_after_steps(steps, "Let me check. Done.") == "Let me check. Done."
    assert reply_after_steps([], "  as sent") == "  as sent"
