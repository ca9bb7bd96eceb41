"""Whatever text arrives is stored exactly (or, for unencodable surrogates, visibly repaired)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.store import SNIPPET_END, SNIPPET_START, AgentStore
from store_helpers import make_info

SAMPLES = [
    "plain ascii",
    "emoji 🦀👩‍👩‍👧‍👦 and flags 🇳🇱",
    "RTL עברית العربية and CJK 中文字符 日本語",
    "combining e\u0301 vs é, zero width\u200bspace",
    "nul\x00inside and \x1b[31mescape\x1b[0m codes, bell\x07",
    "[bold]markup[/bold] <b>html</b> ${template} {{jinja}} %s %(x)s",
    "line\nbreaks\r\nand\ttabs",
    "",
]


async def test_text_round_trips_exactly(store: AgentStore) -> None:
    info = make_info("agent:home:ünïcødé:🦀", peer="peer\x00with nul", display_name="名前")
    stored = [await store.append(info, "user", "作者 🦀", text) for text in SAMPLES]
    read = await store.last_messages(info.session_key)
    assert [m.content for m in read] == SAMPLES == [m.content for m in stored]
    assert {m.author for m in read} == {"作者 🦀"}
    (row,) = await store.list_sessions()
    assert (row.session_key, row.peer_id, row.display_name) == (info.session_key, "peer\x00with nul", "名前")
    assert [json.loads(line)["content"] for line in (await store.export_jsonl(info.session_key)).splitlines()] == SAMPLES


async def test_lone_surrogates_are_repaired_not_fatal(store: AgentStore) -> None:
    info = make_info()
    msg = await store.append(info, "assistant", "home", "broken \ud83e json", meta={"note": "\udc00"})
    assert msg.content == "broken \ufffd json"
    (read,) = await store.last_messages(info.session_key)
    assert read.content == "broken \ufffd json" and read.meta == {"note": "\udc00"}
    assert "\ufffd" in await store.export_markdown(info.session_key)
    assert (await store.export_jsonl(info.session_key)).encode("utf-8")


async def test_one_megabyte_messages(store: AgentStore) -> None:
    info = make_info()
    big = ("0123456789abcdef" * 65536)[:1_000_000] + " needle " + "ünï" * 1000
    msg = await store.append(info, "user", "p", big)
    (read,) = await store.last_messages(info.session_key)
    assert read.content == big and read.id == msg.id
    (hit,) = await store.search("needle")
    assert hit.message.id == msg.id and len(hit.snippet) < 1000  # one 1 MB "word" is cut short
    assert f"{SNIPPET_START}needle{SNIPPET_END}" in hit.snippet
    reply = await store.begin_reply(info, "home")
    streamed = ""
    for _ in range(8):
        streamed += "word " * 25_000
        await reply.update(streamed)
    done = await reply.finish("complete", streamed + "end")
    assert len(done.content) == 1_000_003
    assert (await store.last_messages(info.session_key))[-1].content == streamed + "end"
    assert len(await store.export_markdown(info.session_key)) > 2_000_000


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(max_size=200), st.text(max_size=20))
async def test_any_text_round_trips(store: AgentStore, content: str, author: str) -> None:
    info = make_info("prop")
    msg = await store.append(info, "user", author, content)
    (read,) = await store.last_messages(info.session_key, limit=1)
    assert read == msg
    assert read.content == "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in content)
