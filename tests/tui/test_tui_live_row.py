"""The reply streaming into a pane that is not focused (``tui/widgets/live_row.py``): wrapped a
few words at a time exactly as if wrapped whole, only the rows an append changed drawn again,
its text cleaned and bounded however much arrives."""

from __future__ import annotations

import random

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style

from tests.support.tui_app import running_app, wait_for
from tui.widgets.live_row import KEEP_ROWS, LiveRow, wrap_rows

WORDS = ["a", "bb", "ccc", "d" * 26, "e  ", "  ", "世界世界", "x\ny", "\n", "z\n\nq", "tab\there"]


def whole(text: str, width: int) -> list[str]:
    """Wrapped at once: every line of ``text`` on its own rows."""
    rows: list[str] = []
    for line in text.replace("\t", "    ").split("\n"):
        rows.extend(wrap_rows(line, width))
    return rows


def build(row: LiveRow, width: int = 22, body: int = 50) -> list:
    plain = Style()
    return row.build(Console(width=80), width, body, plain, plain, plain)


def test_rows_fit_the_width_and_give_the_text_back():
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(WORDS[:7]) + rng.choice(["", " ", "  "])
                       for _ in range(rng.randint(0, 30)))
        width = rng.randint(2, 20)
        rows = wrap_rows(text, width)
        assert "".join(rows) == text
        assert all(cell_len(r.rstrip(" ")) <= width for r in rows)
        assert all(r for r in rows[:-1])  # no empty row but possibly the last


def test_text_appended_a_few_characters_at_a_time_wraps_as_the_whole_text():
    rng = random.Random(11)
    for _ in range(1500):
        text = "".join(rng.choice(WORDS) + rng.choice(["", " ", "  "])
                       for _ in range(rng.randint(0, 40)))
        width = rng.randint(2, 20)
        live = LiveRow("home is replying…")
        build(live, width + 2)  # the body is wrapped to the width less the gutter
        at = 0
        while at < len(text):
            step = rng.randint(1, 6)
            live.append(text[at:at + step])
            at += step
        assert [r.rstrip("\n") for r in live.rows] == whole(text, width)[-KEEP_ROWS:]


def test_an_append_draws_again_only_the_rows_it_changed():
    live = LiveRow("home is replying…", "one two three four five six seven eight nine ten")
    first = build(live)
    live.append(" more")  # fits on the open row
    second = build(live)
    assert len(second) == len(first)
    changed = [i for i, (a, b) in enumerate(zip(first, second)) if a is not b]
    assert changed == [len(first) - 1]
    live.append(" and a good deal more text")  # wraps onto new rows
    third = build(live)
    assert len(third) > len(second) and third[:len(second) - 1] == second[:-1]
    assert all(a is b for a, b in zip(third[:len(second) - 1], second[:-1]))


def test_the_body_is_the_end_of_the_reply_capped_to_the_view():
    live = LiveRow("home is replying…", " ".join(f"w{n:04d}" for n in range(2000)))
    strips = build(live, width=22, body=5)
    assert len(strips) == 1 + 5
    assert "w1999" in strips[-1].text and "home is replying…" in strips[0].text
    assert len(live.rows) <= KEEP_ROWS


def test_megabytes_at_once_keep_only_what_can_be_shown_and_control_codes_are_cleaned():
    live = LiveRow("home is replying…")
    live.append("x" * 5_000_000 + " \x1b[31mred\x1b[0m \u202eevil")
    strips = build(live, width=40, body=10)
    shown = "".join(s.text for s in strips)
    assert "\x1b" not in shown and "\u202e" not in shown and "red" in shown
    assert len(live.tail) < 100_000


async def test_a_reply_streaming_in_a_pane_that_is_not_focused_shows_as_it_grows(tmp_path):
    async with running_app(tmp_path, delay_ms=30) as (app, pilot):
        pane = app.main.panes[1]  # not focused: the reply streams into the history's rows
        await pane.submit(" ".join(f"ferry{n}" for n in range(60)))
        await wait_for(pilot, lambda: "ferry12" in app.screen_text(), what="the reply on screen")
        await wait_for(pilot, lambda: "ferry59" in app.screen_text(), timeout=30,
                       what="the end of the reply on screen")


def test_markdown_rows_an_append_left_as_they_were_are_not_drawn_again():
    live = LiveRow("home is replying…", markdown=True)
    live.append("# Title\n\nA paragraph of words that runs over a few rows of the narrow view")
    first = build_markdown(live)
    live.append(" and more")  # only the open paragraph's last row changes
    second = build_markdown(live)
    assert len(second) == len(first)
    assert [i for i, (a, b) in enumerate(zip(first, second)) if a is not b] == [len(first) - 1]
    assert "Title" in "".join(s.text for s in second) and "#" not in second[1].text


def build_markdown(row: LiveRow, width: int = 30) -> list:
    from tui.widgets.history_view import literal_markdown

    console, plain = Console(width=80), Style()
    options = console.options.update_width(width - 2)

    def draw(text: str) -> list:
        from rich.segment import Segment
        from textual.strip import Strip
        return [Strip([Segment("  "), *line]).adjust_cell_length(width) for line in
                console.render_lines(literal_markdown(text), options, pad=True)]

    return row.build(console, width, 50, plain, plain, plain, None, draw)


def test_a_reply_holds_its_first_row_blank_until_its_first_words_fill_it():
    """Replies start in many panes at once: the first words fill a row already there, so
    the view does not grow (and scroll, which repaints all of it) for them."""
    for markdown, draw in ((False, build), (True, build_markdown)):
        live = LiveRow("home is replying…", markdown=markdown)
        before = draw(live)
        assert len(before) == 2 and before[1].text.strip() == "", markdown
        live.append("first words")
        after = draw(live)
        assert len(after) == 2 and "first words" in after[1].text, markdown


def test_the_focused_panes_open_block_is_parsed_once_per_change(monkeypatch):
    """Finding where the streaming reply's open block starts and drawing that block read the
    same Markdown tokens: one parse per change, not two."""
    from tui.widgets import live_markdown

    parser = live_markdown.parser()
    calls: list[str] = []
    real = type(parser).parse
    monkeypatch.setattr(type(parser), "parse",
                        lambda self, text, env=None: (calls.append(text), real(self, text, env))[1])
    live = LiveRow("home is replying…", markdown=True)
    for n in range(5):
        live.append(f"word{n} **bold{n}** and `code{n}` ")
        calls.clear()
        rows = build_markdown(live)
        assert any(f"bold{n}" in row.text for row in rows)
        assert len(calls) == 1, calls
