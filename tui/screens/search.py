"""Ctrl+F: full-text search in the focused pane's agent, or in every agent (Ctrl+T).

The store does the searching (FTS5, user text made safe by the store); this screen runs the
query as you type (debounced, latest query wins), lists hits with the matched words
highlighted, and returns the chosen hit so the app can jump to it.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from engine.errors import ClawError
from engine.store.search import split_snippet
from tui import keymap
from tui.frame_timer import OnTimeFrames
from tui.safe_text import SafeInput, clean, content, one_line

DEBOUNCE = 0.15


def hit_label(hit: Any) -> Any:
    """``agent · session · #seq  author: …snippet…`` with the matches in bold."""
    m = hit.message
    line = content(f"{hit.agent_id} · {one_line(m.session_key, 40)} · #{m.seq}  ", "dim")
    line = line.append(content(f"{one_line(m.author, 20)}: ", "bold"))
    for text, is_match in split_snippet(hit.snippet):
        flat = clean(text).replace("\n", " ")  # spaces at the edges matter between chunks
        line = line.append(content(flat, "bold reverse" if is_match else ""))
    return line


class SearchScreen(OnTimeFrames, ModalScreen[Any]):
    CSS_PATH = "search.tcss"
    BINDINGS = keymap.bindings("search")

    def __init__(self, agent_id: str | None) -> None:
        super().__init__()
        self.agent_id = agent_id
        self.all_agents = agent_id is None
        self.hits: list[Any] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(id="search-scope")
            yield SafeInput(placeholder="search messages… (words match in any order; "
                            '"exact phrase")', id="search-input")
            yield OptionList(id="search-results")
            scope = keymap.keys_text(self.app, "search.scope")
            close = keymap.keys_text(self.app, "search.close")
            yield Static(f"Enter: open · {scope}: this agent / all agents · {close}: close",
                         id="search-hint", markup=False)

    def on_mount(self) -> None:
        self._show_scope()
        self.query_one(Input).focus()

    def _show_scope(self) -> None:
        scope = "all agents" if self.all_agents else f"agent {self.agent_id}"
        self.query_one("#search-scope", Static).update(content(f"Search in {scope}", "bold"))

    def action_toggle_scope(self) -> None:
        if self.agent_id is None:
            self.notify("No agent is focused; searching all agents.")
            return
        self.all_agents = not self.all_agents
        self._show_scope()
        self.run_search(self.query_one(Input).value)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        value = event.value
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(value))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        results = self.query_one(OptionList)
        if self.hits:
            results.focus()
            results.highlighted = 0
        else:
            self.run_search(event.value)

    @work(exclusive=True, group="search")
    async def run_search(self, query: str) -> None:
        results = self.query_one(OptionList)
        status = self.query_one("#search-scope", Static)
        if not query.strip():
            self.hits = []
            results.clear_options()
            self._show_scope()
            return
        agent = None if self.all_agents else self.agent_id
        try:
            hits = await self.app.gateway.search(query, agent_id=agent, limit=100)  # type: ignore[attr-defined]
        except ClawError as exc:
            status.update(content(f"✖ {exc}", "bold"))
            return
        self.hits = list(hits)
        results.clear_options()
        results.add_options([Option(hit_label(h), id=str(i)) for i, h in enumerate(self.hits)])
        scope = "all agents" if self.all_agents else f"agent {self.agent_id}"
        status.update(content(f"Search in {scope}: {len(self.hits)} result"
                              f"{'s' if len(self.hits) != 1 else ''}", "bold"))

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[int(event.option.id or 0)])
