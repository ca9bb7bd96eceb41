"""The store's API end to end on real files: append, pages, sessions, replies, reset, export."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from engine.store import AgentStore, StoreError
from engine.store.ops import CheckpointOp
from store_helpers import make_info


async def test_append_and_read_back(store: AgentStore) -> None:
    info = make_info(display_name="Alice", matched_by="binding.peer", binding_index=2)
    first = await store.append(info, "user", "+15550001", "hello")
    second = await store.append(info, "assistant", "home", "hi!", meta={"clone_id": "c1", "model": "offline/persona"})
    assert (first.seq, second.seq) == (1, 2) and first.session_id == second.session_id
    assert await store.last_messages(info.session_key) == [first, second]
    (row,) = await store.list_sessions()
    assert (row.agent_id, row.channel, row.account_id, row.peer_kind, row.peer_id) == (
        "home", "whatsapp", "personal", "direct", "+15550001")
    assert (row.display_name, row.matched_by, row.binding_index, row.message_count) == ("Alice", "binding.peer", 2, 2)
    assert row.updated_at >= second.created_at and row.created_at <= first.created_at


async def test_pages_before_a_seq(store: AgentStore) -> None:
    info = make_info()
    for i in range(1, 11):
        await store.append(info, "user", "p", f"m{i}")
    last = await store.last_messages(info.session_key, limit=3)
    assert [m.content for m in last] == ["m8", "m9", "m10"]
    older = await store.messages_before(info.session_key, last[0].seq, limit=4)
    assert [m.content for m in older] == ["m4", "m5", "m6", "m7"]
    assert [m.seq for m in await store.messages_before(info.session_key, 3)] == [1, 2]
    assert await store.messages_before(info.session_key, 1) == []
    assert await store.last_messages("no-such-key") == []
    assert await store.last_messages(info.session_key, limit=0) == []


async def test_sessions_are_listed_newest_first_and_route_updates(store: AgentStore) -> None:
    a, b = make_info("k:a"), make_info("k:b")
    await store.append(a, "user", "p", "one")
    await store.append(b, "user", "p", "two")
    assert [s.session_key for s in await store.list_sessions()] == ["k:b", "k:a"]
    await store.append(a, "user", "p", "three")
    assert [s.session_key for s in await store.list_sessions()] == ["k:a", "k:b"]
    row = await store.ensure_session(make_info("k:b", matched_by="default", display_name="Bob"))
    assert (row.matched_by, row.display_name, row.message_count) == ("default", "Bob", 1)
    # a write without route information keeps the last known route
    await store.append(make_info("k:b"), "user", "p", "four")
    assert (await store.get_session("k:b")).matched_by == "default"  # type: ignore[union-attr]
    assert (await store.ensure_session(make_info("k:new"))).message_count == 0


async def test_a_turn_stores_its_message_and_its_reply_row_together(store: AgentStore) -> None:
    info = make_info()
    question, reply = await store.begin_turn(info, "user", "p", "tell me", meta={"turn_id": "t1"},
                                             reply_author="home",
                                             reply_meta={"turn_id": "t1", "model": "offline/persona"})
    assert (question.seq, question.status, question.meta) == (1, "complete", {"turn_id": "t1"})
    assert (reply.seq, reply.message.role, reply.message.author) == (2, "assistant", "home")
    assert [(m.content, m.status) for m in await store.last_messages(info.session_key)] == [
        ("tell me", "complete"), ("", "streaming")]
    # its own streaming reply is left out on request (a caller that shows it live)
    assert [m.id for m in await store.last_messages(info.session_key, skip_own_streaming=True)] == [
        question.id]
    done = await reply.finish("complete", "a story", meta={"usage": {"prompt_tokens": 3}})
    assert done.meta == {"turn_id": "t1", "model": "offline/persona", "usage": {"prompt_tokens": 3}}
    assert await store.last_messages(info.session_key, skip_own_streaming=True) == [question, done]
    with pytest.raises(ValueError, match="role"):
        await store.begin_turn(info, "user", "p", "x", reply_author="home", reply_role="robot")
    assert len(await store.last_messages(info.session_key)) == 2  # nothing half-stored


async def test_streaming_reply_checkpoints_and_finishes(store: AgentStore) -> None:
    info = make_info()
    await store.append(info, "user", "p", "tell me")
    reply = await store.begin_reply(info, "home", meta={"clone_id": "home#whatsapp", "model": "offline/persona"})
    assert reply.seq == 2
    (_, begun) = await store.last_messages(info.session_key)
    assert (begun.status, begun.content, begun.role) == ("streaming", "", "assistant")
    await reply.update("Once")
    await reply.update("Once upon")  # each update is written before it returns
    (_, partial) = await store.last_messages(info.session_key)
    assert (partial.status, partial.content) == ("streaming", "Once upon")
    usage = {"prompt_tokens": 12, "completion_tokens": 7}
    done = await reply.finish("complete", "Once upon a time", meta={"usage": usage})
    assert (done.status, done.content, done.meta["usage"], done.meta["clone_id"]) == (
        "complete", "Once upon a time", usage, "home#whatsapp")
    assert (await store.last_messages(info.session_key))[-1] == done
    row = await store.get_session(info.session_key)
    assert row is not None and (row.prompt_tokens, row.completion_tokens, row.last_interrupted) == (12, 7, False)
    with pytest.raises(StoreError):
        await reply.update("more")
    with pytest.raises(StoreError):
        await reply.finish("complete", "again")
    with pytest.raises(ValueError):
        await (await store.begin_reply(info, "home")).finish("streaming", "x")


async def test_an_unchanged_text_is_not_written_again(store: AgentStore) -> None:
    """A checkpoint is one write per changed text; the caller paces them (the gateway's turn
    lifecycle, once per its CHECKPOINT_INTERVAL)."""
    info = make_info()
    reply = await store.begin_reply(info, "home")
    checkpoints: list[CheckpointOp] = []
    submit = store._queue.submit

    async def counting_submit(op):  # type: ignore[no-untyped-def]
        if isinstance(op, CheckpointOp):
            checkpoints.append(op)
        return await submit(op)

    store._queue.submit = counting_submit  # type: ignore[method-assign]
    for text in ("w0 ", "w0 ", "w0 w1 ", "w0 w1 "):
        await reply.update(text)
    assert [op.content for op in checkpoints] == ["w0 ", "w0 w1 "]
    (msg,) = await store.last_messages(info.session_key)
    assert msg.content == "w0 w1 "


async def test_interrupted_and_error_finishes_mark_the_session(store: AgentStore) -> None:
    info = make_info()
    reply = await store.begin_reply(info, "home")
    await reply.update("partial answ")
    msg = await reply.finish("interrupted", "partial answ", meta={"interrupt_reason": "user"})
    assert msg.status == "interrupted" and msg.content == "partial answ"
    assert (await store.get_session(info.session_key)).last_interrupted  # type: ignore[union-attr]
    failed = await (await store.begin_reply(info, "home")).finish("error", "", meta={"error": "model: 404"})
    assert failed.meta["error"] == "model: 404"
    assert not (await store.get_session(info.session_key)).last_interrupted  # type: ignore[union-attr]
    # plain appends carry usage too
    await store.append(info, "assistant", "home", "ok", meta={"usage": {"prompt_tokens": 3, "completion_tokens": 4}})
    row = await store.get_session(info.session_key)
    assert row is not None and (row.prompt_tokens, row.completion_tokens) == (3, 4)


async def test_streaming_rows_become_interrupted_on_reopen(state_dir: Path) -> None:
    store = await AgentStore.open(state_dir, "home")
    info = make_info()
    reply = await store.begin_reply(info, "home")
    await reply.update("half a sent")  # written before update returns
    # Simulate a crash: drop the connections without letting close() finish the reply.
    store._replies.clear()
    await store.close()
    reopened = await AgentStore.open(state_dir, "home")
    try:
        (msg,) = await reopened.last_messages(info.session_key)
        assert (msg.status, msg.content) == ("interrupted", "half a sent")
        assert (await reopened.get_session(info.session_key)).last_interrupted  # type: ignore[union-attr]
    finally:
        await reopened.close()


async def test_close_keeps_open_replies_as_interrupted(state_dir: Path) -> None:
    store = await AgentStore.open(state_dir, "home")
    reply = await store.begin_reply(make_info(), "home")
    await reply.update("so far")
    await store.close()
    async with await AgentStore.open(state_dir, "home") as again:
        (msg,) = await again.last_messages(make_info().session_key)
        assert (msg.status, msg.content) == ("interrupted", "so far")
    with pytest.raises(StoreError, match="closed"):
        await store.append(make_info(), "user", "p", "late")


async def test_reset_session_starts_empty_and_keeps_history_searchable(store: AgentStore) -> None:
    info = make_info(matched_by="binding.account", binding_index=1)
    old = await store.append(info, "user", "p", "remember the zebra")
    before = await store.get_session(info.session_key)
    row = await store.reset_session(info.session_key)
    assert before is not None and row.session_id != before.session_id
    assert (row.message_count, row.matched_by, row.binding_index, row.active) == (0, "binding.account", 1, True)
    assert await store.last_messages(info.session_key) == []
    new = await store.append(info, "user", "p", "fresh start zebra")
    assert (new.seq, new.session_id) == (1, row.session_id)
    hits = await store.search("zebra")
    assert [h.message.id for h in hits] == [new.id, old.id]
    assert [s.session_id for s in await store.list_sessions()] == [row.session_id]
    all_rows = await store.list_sessions(include_reset=True)
    assert {s.session_id for s in all_rows} == {row.session_id, before.session_id}
    assert "remember the zebra" in await store.export_markdown(info.session_key, session_id=before.session_id)
    with pytest.raises(StoreError, match="no session"):
        await store.reset_session("never-seen")
    # with route information, a key with no session yet just gets its first (empty) one
    fresh = await store.reset_session("k:new", make_info("k:new", matched_by="default"))
    assert (fresh.session_key, fresh.matched_by, fresh.message_count) == ("k:new", "default", 0)
    again = await store.reset_session("k:new", make_info("k:new", matched_by="binding.peer"))
    assert again.session_id != fresh.session_id and again.matched_by == "binding.peer"
    assert (await store.append(make_info("k:new"), "user", "p", "hi")).session_id == again.session_id
    with pytest.raises(ValueError):
        await store.reset_session("k:new", make_info("k:other"))


async def test_export_markdown_and_jsonl(store: AgentStore) -> None:
    info = make_info(display_name="Alice", matched_by="binding.peer", binding_index=0)
    await store.append(info, "user", "+15550001",
                       "# hi\nsecond line \x1b[31mred\x1b[0m \u202eevil\x9b")
    reply = await store.begin_reply(info, "home", meta={"model": "offline/persona"})
    await reply.finish("interrupted", "partial")
    md = await store.export_markdown(info.session_key)
    assert md.startswith("# Session agent:home:main\n")
    assert "- Peer: direct:+15550001 (Alice)" in md and "- Route: binding.peer (binding 0)" in md
    assert "**+15550001** (user)" in md
    assert "# hi\nsecond line ␛[31mred␛[0m <U+202E>evil<U+009B>" in md  # stand-ins, as on screen
    assert "**home** (assistant)" in md and "_interrupted_" in md and "\x1b" not in md
    lines = (await store.export_jsonl(info.session_key)).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2]
    assert records[1]["status"] == "interrupted" and records[1]["meta"] == {"model": "offline/persona"}
    assert records[0]["content"] == "# hi\nsecond line \x1b[31mred\x1b[0m \u202eevil\x9b"
    raw = "\n".join(lines)  # lossless, yet nothing a terminal would act on is written raw
    assert not any(c in raw for c in "\x1b\u202e\x9b") and "\\u202e" in raw
    with pytest.raises(StoreError, match="no session"):
        await store.export_jsonl("missing")


async def test_bad_arguments_are_rejected_before_writing(store: AgentStore) -> None:
    info = make_info()
    with pytest.raises(ValueError):
        await store.append(info, "robot", "x", "hi")
    with pytest.raises(ValueError):
        await store.append(info, "user", "x", "hi", status="done")
    with pytest.raises(TypeError):
        await store.append(info, "user", "x", "hi", meta={"bad": object()})
    with pytest.raises(TypeError):
        await store.append(info, "user", "x", b"bytes")  # type: ignore[arg-type]
    assert await store.list_sessions() == []


async def test_cancelled_caller_does_not_lose_the_write(store: AgentStore) -> None:
    info = make_info()
    task = asyncio.create_task(store.append(info, "user", "p", "sent before Esc"))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await store._queue.drain()
    assert [m.content for m in await store.last_messages(info.session_key)] == ["sent before Esc"]


async def test_close_does_not_override_a_finish_in_flight(state_dir: Path) -> None:
    store = await AgentStore.open(state_dir, "home")
    reply = await store.begin_reply(make_info(), "home")
    finishing = asyncio.create_task(reply.finish("complete", "all done"))
    await asyncio.sleep(0)  # finish() has queued its write but it has not committed yet
    assert reply.finished and not finishing.done()
    await store.close()
    assert (await finishing).status == "complete"
    async with await AgentStore.open(state_dir, "home") as again:
        (msg,) = await again.last_messages(make_info().session_key)
        assert (msg.status, msg.content) == ("complete", "all done")


async def test_bad_finish_meta_leaves_the_reply_usable(store: AgentStore) -> None:
    reply = await store.begin_reply(make_info(), "home")
    with pytest.raises(TypeError):
        await reply.finish("complete", "x", meta={"bad": object()})
    assert not reply.finished
    assert (await reply.finish("complete", "x")).status == "complete"
