"""Search: snippets, scope, newest first, and whatever a user types never crashes it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.store import AgentStore, SNIPPET_END, SNIPPET_START, StoreError, build_match_query, split_snippet
from store_helpers import make_info

NASTY = ['"', '""', '"unbalanced', "AND", "OR", "NOT", "AND OR", "a AND", "OR b", "*", "**", "a*b",
         "-", "-foo", "foo-bar", ":", "content:", "col:foo", "NEAR(", "NEAR(a b", "NEAR(a b, 2)",
         "(", ")", "(a OR", "^", "^foo", "+", "{content}: x", "'", "\\", "\x00", "\x00foo", "   ",
         "", "🦀", "ümlaut*", "a\"b\"c", 'foo "bar baz"', "foo OR", "x" * 5000]


async def _fill(store: AgentStore) -> None:
    await store.append(make_info("k:one"), "user", "alice", "The lighthouse keeper spoke about ferries")
    await store.append(make_info("k:two"), "user", "bob", "Ferries are late when the storm comes")
    await store.append(make_info("k:two"), "assistant", "home", "Über café crème, naïve résumé 🦀 crab")
    await store.append(make_info("k:one"), "user", "alice", "a OR b AND c NEAR( - : * \"quoted\"")


async def test_snippets_mark_matches(store: AgentStore) -> None:
    await _fill(store)
    (hit,) = await store.search("lighthouse")
    assert hit.agent_id == "home" and hit.message.session_key == "k:one"
    assert f"{SNIPPET_START}lighthouse{SNIPPET_END}" in hit.snippet
    assert ("lighthouse", True) in split_snippet(hit.snippet)
    assert "".join(text for text, _ in split_snippet(hit.snippet)) == hit.message.content


async def test_words_prefix_phrases_and_scope(store: AgentStore) -> None:
    await _fill(store)
    assert [h.message.author for h in await store.search("ferries")] == ["bob", "alice"]  # newest first
    assert [h.message.author for h in await store.search("ferr")] == ["bob", "alice"]  # prefix on last
    assert [h.message.author for h in await store.search("ferries storm")] == ["bob"]  # all words
    assert [h.message.author for h in await store.search('"keeper spoke"')] == ["alice"]
    assert await store.search('"spoke keeper"') == []
    assert [h.message.author for h in await store.search("ferries", session_key="k:one")] == ["alice"]
    assert await store.search("ferries", session_key="k:none") == []
    assert len(await store.search("ferries", limit=1)) == 1


async def test_unicode_and_diacritics(store: AgentStore) -> None:
    await _fill(store)
    for query in ["cafe", "café", "CAFÉ", "uber", "naive resume", "résum", "🦀 crab"]:
        assert [h.message.author for h in await store.search(query)] == ["home"], query


async def test_operator_words_are_plain_words(store: AgentStore) -> None:
    await _fill(store)
    assert [h.message.content[:4] for h in await store.search("NEAR(")] == ["a OR"]
    assert [h.message.content[:4] for h in await store.search("OR AND")] == ["a OR"]
    assert [h.message.content[:4] for h in await store.search('"quoted"')] == ["a OR"]


@pytest.mark.parametrize("query", NASTY)
async def test_hostile_queries_never_crash(store: AgentStore, query: str) -> None:
    await _fill(store)
    hits = await store.search(query)
    assert isinstance(hits, list)
    hits = await store.search(query, session_key="k:one")
    assert isinstance(hits, list)


def test_query_building() -> None:
    assert build_match_query("foo bar") == '"foo" "bar"*'
    assert build_match_query('say "hello world" now') == '"say" "hello world" "now"*'
    assert build_match_query('"hello world"') == '"hello world"'
    assert build_match_query('NEAR( AND - : *') == '"NEAR(" "AND"*'
    assert build_match_query('"') is None and build_match_query("  ") is None
    assert build_match_query('a"b') == '"a b"'  # prefix needs 3 letters: "a*" would merge huge lists
    assert build_match_query('ab') == '"ab"' and build_match_query('abc') == '"abc"*'


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab "*-:^()+{}.,NEAROT\x00é🦀\\\'')), max_size=30)
         | st.text(max_size=30))
async def test_any_text_is_a_valid_query(store: AgentStore, text: str) -> None:
    await store.append(make_info(), "user", "p", "a NEAR b OR not ab")
    assert isinstance(await store.search(text), list)


async def test_raw_mode_reports_syntax_errors_clearly(store: AgentStore) -> None:
    await _fill(store)
    assert [h.message.author for h in await store.search("ferries NOT storm", raw=True)] == ["alice"]
    assert len(await store.search("lighthouse OR storm", raw=True)) == 2
    for bad in ['"', "AND", "NEAR(", "(a OR", "nocolumn: x", "*"]:
        with pytest.raises(StoreError, match="invalid query") as err:
            await store.search(bad, raw=True)
        assert str(err.value).startswith(str(store.path)) and "\n" not in str(err.value)


async def test_whole_words_first_then_prefix(store: AgentStore) -> None:
    info = make_info()
    for text in ["ferry one", "ferry two", "ferry three", "ferryman four"]:
        await store.append(info, "user", "p", text)
    # whole-word hits fill the page: the (costly) prefix query is not needed
    assert [h.message.content for h in await store.search("ferry", limit=2)] == ["ferry three", "ferry two"]
    # fewer whole-word hits than asked: prefix matches join, still newest first
    assert [h.message.content for h in await store.search("ferry", limit=10)] == [
        "ferryman four", "ferry three", "ferry two", "ferry one"]
    assert [h.message.content for h in await store.search("ferrym")] == ["ferryman four"]
    assert build_match_query("ferry", prefix=False) == '"ferry"'


async def test_session_scope_across_resets_and_interleaving(store: AgentStore) -> None:
    a, b = make_info("k:a"), make_info("k:b")
    await store.append(b, "user", "p", "walrus before")
    first = await store.append(a, "user", "p", "walrus one")
    for i in range(20):
        await store.append(b, "user", "p", f"walrus noise {i}")
    await store.reset_session("k:a")
    second = await store.append(a, "user", "p", "walrus two")
    await store.append(b, "user", "p", "walrus after")
    hits = await store.search("walrus", session_key="k:a")
    assert [h.message.id for h in hits] == [second.id, first.id]
    assert len(await store.search("walrus", session_key="k:b", limit=100)) == 22
    assert await store.search("walrus", session_key="k:none") == []
