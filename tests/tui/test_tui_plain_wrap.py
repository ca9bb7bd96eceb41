"""Plain ASCII text is cut into rows without Rich exactly as Rich cuts it, cell for cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tests.support.tui_app import prefill, running_app, wait_for
from tui.widgets.plain_wrap import plain, plain_lines, plain_rows

CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True)
BODY = Style(color="#d0d0d0", bgcolor="#101010")

# Words of every length against the width (folded, exact, short), runs of spaces (leading,
# trailing, past the edge), blank lines and a last newline.
PIECES = st.sampled_from(["a", "bc", "def", "word", "x" * 9, "y" * 17, "-", ".", "~!",
                          " ", "  ", "   ", "\n", "\n\n", "  \n", "(", "#", "*", "·", "café",
                          "—", "ø" * 6])
TEXT = st.lists(PIECES, max_size=30).map("".join)


def rich_cells(text: Text, width: int, style: Style) -> list[tuple[str, Style | None]]:
    options = CONSOLE.options.update_width(width).update(highlight=False)
    lines = CONSOLE.render_lines(text, options, style=style, pad=True)
    return [(ch, segment.style) for line in lines for segment in line for ch in segment.text]


def cells(rows: list[list[Segment]]) -> list[tuple[str, Style | None]]:
    return [(ch, segment.style) for row in rows for segment in row for ch in segment.text]


@settings(max_examples=3000, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=24))
def test_rows_are_the_rows_rich_draws(text, width):
    rows = plain_rows(text, width)
    assert rows is not None
    assert cells([[Segment(row, BODY)] for row in rows]) == rich_cells(Text(text, end=""), width, BODY)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), st.integers(1, 10))
def test_anything_else_goes_to_rich(text, width):
    """Generated Unicode: text of one-cell printable characters is drawn here and matches
    Rich; anything else (wide, zero-width, controls, other spaces) is left to Rich."""
    rows = plain_rows(text, width)
    single = all(ch == "\n" or (ch.isprintable() and cell_len(ch) == 1) for ch in text)
    if not single:
        assert rows is None
    else:
        assert rows is not None and cells([[Segment(r, BODY)] for r in rows]) == \
            rich_cells(Text(text, end=""), width, BODY)


def test_tabs_wide_characters_and_controls_are_not_plain():
    for text in ("a\tb", "日本", "e\u0301", "a\x1b[31m", "a\rb", "\u202eevil", "a\u00a0b",
                 "a\u2003b"):
        assert not plain(text) and plain_rows(text, 10) is None, text
    assert plain("") and plain("one\ntwo") and plain("café · —") and plain_rows("", 4) == ["    "]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["home", "  ", " ", "[route · key]", "12:00", "x" * 30,
                                           "agent:research:a2a:acct0", "\n"]),
                          st.sampled_from(["", "bold", "red", "italic #808080"])), max_size=6),
       st.integers(1, 40))
def test_a_header_is_the_rows_rich_draws(parts, width):
    header = Text(end="")
    for part, style in parts:
        header.append(part, style or None)
    rows = plain_lines(header, width, BODY, CONSOLE)
    assert rows is not None and cells(rows) == rich_cells(header, width, BODY)


async def test_the_history_draws_plain_messages_as_rich_would(tmp_path, monkeypatch):
    """A question and a plain reply in a real history: their lines (gutter, header, body,
    spacer) are the lines the view draws with the plain path turned off."""
    import tui.widgets.history_view as history_view

    await prefill(tmp_path / "state", "home", ["  a question,  with   spaces and a-very-long-"
                                               "word-that-has-to-fold-over-the-edge \n\nend ",
                                               "plain reply"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count >= 2, what="history")
        width = view._width
        fast = [view._drawing(row.message, width, selected)()
                for row in view._rows for selected in (False, True)]
        monkeypatch.setattr(history_view, "plain_rows", lambda text, width: None)
        monkeypatch.setattr(history_view, "plain_lines", lambda *args: None)
        slow = [view._drawing(row.message, width, selected)()
                for row in view._rows for selected in (False, True)]
        assert [cells([list(s) for s in strips]) for strips in fast] == \
            [cells([list(s) for s in strips]) for strips in slow]
        assert all(len(a) == len(b) for a, b in zip(fast, slow))
