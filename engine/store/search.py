"""Turning what a user types into a search box into an FTS5 query that cannot fail.

Decision: by default user text is never parsed as FTS5 syntax. Every word becomes a quoted
phrase (all words must match, in any order), the last word is also tried as a prefix (results
appear while typing), and text inside balanced double quotes stays an exact phrase. Operators
such as AND, OR, NOT, NEAR(, ``*``, ``-``, ``:`` or ``^`` are therefore plain words or ignored
punctuation. Power users can pass ``raw=True`` to use FTS5 syntax; a syntax error then becomes a
StoreError.

Speed: FTS5 answers "newest 50 documents containing these words" lazily, but a prefix query
first merges the posting lists of every matching term (~100 ms for a word in most of 1M
messages). So the store runs the whole-word query first and the prefix query only when whole
words found fewer hits than asked for, and only for a last word of PREFIX_MIN_CHARS or more
(``s*`` alone would merge the lists of every word starting with s).
"""

from __future__ import annotations

import re

SNIPPET_START = "\x02"  # marks the start of a matched term in SearchHit.snippet
SNIPPET_END = "\x03"
SNIPPET_ELLIPSIS = "…"
SNIPPET_TOKENS = 16
SNIPPET_CONTEXT = 60  # characters kept on each side of a match when tokens are huge (base64 …)

PREFIX_MIN_CHARS = 3

_QUOTED = re.compile(r'"([^"]*)"|(\S+)')


def _phrase(text: str) -> str | None:
    """A quoted FTS5 phrase, or None when the text holds nothing the tokenizer would index."""
    if not any(ch.isalnum() for ch in text):
        return None  # an empty phrase would make the whole AND-query match nothing
    return '"' + text.replace('"', '""') + '"'


def build_match_query(user_text: str, *, prefix: bool = True) -> str | None:
    """Safe FTS5 MATCH expression for free text; None when there is nothing to search for.

    With ``prefix`` the last bare word of at least PREFIX_MIN_CHARS letters or digits matches
    as a prefix (``"ferr"*`` finds "ferries").
    """
    parts: list[str] = []
    last_is_word = False
    for match in _QUOTED.finditer(user_text.replace("\x00", " ")):
        quoted, word = match.group(1), match.group(2)
        phrase = _phrase(quoted if quoted is not None else word.replace('"', " "))
        if phrase is None:
            continue
        parts.append(phrase)
        last_is_word = quoted is None
    if not parts:
        return None
    if prefix and last_is_word and sum(ch.isalnum() for ch in parts[-1]) >= PREFIX_MIN_CHARS:
        parts[-1] += "*"
    return " ".join(parts)


def split_snippet(snippet: str) -> list[tuple[str, bool]]:
    """``[(text, is_match), ...]`` so a UI can highlight matches without parsing markers."""
    out: list[tuple[str, bool]] = []
    for i, chunk in enumerate(snippet.split(SNIPPET_START)):
        if i == 0:
            if chunk:
                out.append((chunk, False))
            continue
        hit, _, rest = chunk.partition(SNIPPET_END)
        if hit:
            out.append((hit, True))
        if rest:
            out.append((rest, False))
    return out


def trim_snippet(snippet: str) -> str:
    """Bound a snippet's length: FTS5 snippets are whole tokens, and one token can be 1 MB."""
    if len(snippet) <= 4 * SNIPPET_CONTEXT:
        return snippet
    parts = split_snippet(snippet)
    out: list[str] = []
    keep = SNIPPET_CONTEXT
    for i, (text, is_match) in enumerate(parts):
        if is_match:
            out.append(SNIPPET_START + (text if len(text) <= keep else text[:keep] + SNIPPET_ELLIPSIS)
                       + SNIPPET_END)
        elif i == 0 and len(text) > keep:
            out.append(SNIPPET_ELLIPSIS + text[-keep:])
        elif i == len(parts) - 1 and len(text) > keep:
            out.append(text[:keep] + SNIPPET_ELLIPSIS)
        elif len(text) > 2 * keep:
            out.append(text[:keep] + SNIPPET_ELLIPSIS + text[-keep:])
        else:
            out.append(text)
    return "".join(out)
