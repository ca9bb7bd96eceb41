"""Ctrl+R: the routing editor — bindings, default agent, agent-to-agent — keyboard only.

The config comes from the engine as text (``EngineAPI.config_source``) and goes back to it
(``save_config``): the engine validates, writes (atomic, ``.bak``, refused when the file
changed since it was read) and runs with it, so panes route with the new bindings from their
next message. In between, everything is local: editing through
``engine.config.edit.ConfigDocument`` (span-preserving: comments, formatting, key order and
the file's shape survive), findings through ``engine.routing.lint``, and the "try it" line
through ``engine.routing.Router`` built from the document being edited. The built-in example
has no file: saving it asks where to put it.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from engine.config.edit import ConfigChangedOnDisk, ConfigDocument, ConfigFileExists
from engine.errors import ClawError, ConfigError
from engine.routing.inbound import Inbound
from engine.routing.lint import Finding, findings_for_binding, lint_text
from engine.routing.router import Router
from tui import keymap
from tui.frame_timer import OnTimeFrames
from tui.safe_text import SafeInput, content, literal, one_line
from tui.screens.binding_form import BindingForm
from tui.screens.dialogs import ChoiceScreen, PromptScreen
from tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from tui.app import ClawApp

MAX_CELL = 200  # a cell's text beyond this is cut whatever the width
MIN_CELL = 8  # a column cut to fit is never narrower than this (or its full text)
COLUMNS = ("#", "Agent", "Channel", "Account", "Peer", "Guild/team/roles", "Session", "Findings")
TRY_HELP = ("e.g.  whatsapp:personal peer=group:120363@g.us   ·   discord guild=111 roles=ops "
            "peer=channel:42 parent=channel:7   ·   slack team=T0EXAMPLE")


def parse_try_line(text: str) -> Inbound:
    """``channel[:account] [peer=]KIND:ID [parent=KIND:ID] [guild=G] [team=T] [roles=a,b]``
    → an Inbound (the engine validates the fields; errors name the part that is wrong)."""
    tokens = text.split()
    if not tokens:
        raise ClawError("type a channel first, e.g. whatsapp:personal")
    channel, _, account = tokens[0].partition(":")
    obj: dict[str, Any] = {"channel": channel}
    if account:
        obj["accountId"] = account
    for token in tokens[1:]:
        key, eq, value = token.partition("=")
        if not eq:
            key, value = "peer", token
        key = key.lower()
        if key in ("peer", "parent"):
            kind, sep, pid = value.partition(":")
            if not sep:
                raise ClawError(f'{key} must look like KIND:ID, got "{one_line(value, 40)}"')
            obj["peer" if key == "peer" else "parentPeer"] = {"kind": kind, "id": pid}
        elif key in ("guild", "team", "account"):
            obj[{"guild": "guildId", "team": "teamId", "account": "accountId"}[key]] = value
        elif key == "roles":
            obj["memberRoleIds"] = [r for r in value.split(",") if r]
        else:
            raise ClawError(f'unknown part "{one_line(key, 20)}=" (use peer=, parent=, guild=, '
                            "team=, roles=, account=)")
    return Inbound.from_json(obj)


def column_widths(headers: Sequence[str], rows: list[list[int]], width: int,
                  padding: int) -> list[int]:
    """How many cells each column may show so the table fits ``width``: each column as wide
    as its widest cell (or header); when that is too wide, the widest columns give up cells
    first, one at a time, down to ``MIN_CELL``, so the narrow ones (agent, channel) stay whole
    and the long ones (peer, guild/team/roles, session) share what is left."""
    natural = [max([len(h), *(r[i] for r in rows)]) for i, h in enumerate(headers)]
    limits = list(natural)
    spare = width - sum(limits) - padding * len(limits)
    floors = [min(n, max(MIN_CELL, len(h))) for n, h in zip(natural, headers)]
    while spare < 0:
        shrinkable = [i for i in range(len(limits)) if limits[i] > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: limits[i])
        limits[widest] -= 1
        spare += 1
    return limits


def _peer_cell(match: dict) -> str:
    peer = match.get("peer")
    if isinstance(peer, dict):
        return f"{peer.get('kind', '?')}:{peer.get('id', '')}"
    return ""


def _scope_cell(match: dict) -> str:
    parts = []
    if match.get("guildId") not in (None, ""):
        parts.append(f"guild {match['guildId']}")
    if match.get("teamId") not in (None, ""):
        parts.append(f"team {match['teamId']}")
    roles = match.get("roles")
    if isinstance(roles, list) and roles:
        parts.append("roles " + ",".join(str(r) for r in roles))
    return " ".join(parts)


def _session_cell(raw: dict) -> str:
    session = raw.get("session")
    if not isinstance(session, dict):
        return ""
    return " ".join(f"{k}={v}" for k, v in session.items())


def _finding_cell(findings: list[Finding]) -> Any:
    if not findings:
        return literal("✔", "green")
    worst = "error" if any(f.severity == "error" for f in findings) else "warning"
    first = findings[0]
    text = f"{'✖' if worst == 'error' else '⚠'} {first.code}"
    if len(findings) > 1:
        text += f" +{len(findings) - 1}"
    return literal(text, "bold red" if worst == "error" else "yellow")


class RoutingEditor(OnTimeFrames, Screen):
    CSS_PATH = "routing_editor.tcss"
    BINDINGS = keymap.bindings("editor")

    def __init__(self, doc: ConfigDocument) -> None:
        super().__init__(id="routing-editor")
        self.doc = doc
        self.findings: list[Finding] = []
        self._saving = False
        self._rows: list[list[Any]] = []  # the table's cells in full (see ``_fill_table``)
        self._fitted_width = 0

    @classmethod
    async def open_for(cls, app: "ClawApp") -> "RoutingEditor":
        """An editor on the config the engine runs (its file, or the built-in example)."""
        return cls(ConfigDocument.from_source(await app.gateway.config_source()))

    @property
    def claw(self) -> "ClawApp":
        return self.app  # type: ignore[return-value]

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="editor-title")
        yield DataTable(id="bindings", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="editor-lower"):
            with VerticalScroll(id="editor-detail-box"):
                yield Static(id="editor-settings")
                yield Static(id="editor-detail")
            with Vertical(id="try-box"):
                with Horizontal(id="try-row"):
                    yield Label("Try it ", id="try-label")
                    yield SafeInput(placeholder="channel[:account] peer=KIND:ID guild=… team=… "
                                    "roles=…", id="try-input")
                yield Static(content(TRY_HELP), id="try-help")
                with VerticalScroll(id="try-result-box"):
                    yield Static(id="try-result")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()
        self.table.focus()

    # ------------------------------------------------------------------ view

    @property
    def table(self) -> DataTable:
        return self.query_one("#bindings", DataTable)

    @property
    def selected(self) -> int | None:
        table = self.table
        return table.cursor_row if table.row_count else None

    def refresh_view(self, select: int | None = None) -> None:
        """Re-lint the document and redraw everything (cheap: configs are small)."""
        doc = self.doc
        self.findings = lint_text(doc.render(), file=doc.file,
                                  path=str(doc.path) if doc.path else None,
                                  is_example=doc.is_example)
        entries = doc.bindings()
        self._rows = [self._cells(entry) for entry in entries]
        table = self.table
        keep = table.cursor_row if select is None else select
        self._fill_table()
        if entries:
            table.move_cursor(row=max(0, min(keep, len(entries) - 1)))
        self._show_title()
        self._show_settings()
        self._show_detail()
        self.update_try()

    def _cells(self, entry: Any) -> list[Any]:
        """A binding's row: its text in full (one line each); ``_fill_table`` fits it."""
        raw = entry.modern
        match = raw.get("match") if isinstance(raw.get("match"), dict) else {}
        return [str(entry.index), one_line(raw.get("agentId", ""), MAX_CELL),
                one_line(match.get("channel", ""), MAX_CELL),
                one_line(match.get("accountId", "") or "", MAX_CELL),
                one_line(_peer_cell(match), MAX_CELL), one_line(_scope_cell(match), MAX_CELL),
                one_line(_session_cell(raw), MAX_CELL),
                _finding_cell(findings_for_binding(self.findings, entry.index))]

    def _fill_table(self) -> None:
        """Fill the table with the rows cut to fit its width (``column_widths``)."""
        table = self.table
        rows = self._rows
        row = table.cursor_row
        width = (table.scrollable_content_region.width or self.app.size.width) - 1  # scrollbar
        limits = column_widths(COLUMNS, [[cell_len(c) if isinstance(c, str) else c.cell_len
                                          for c in cells] for cells in rows],
                               width, 2 * table.cell_padding)
        table.clear(columns=True)  # columns keep the width of their widest cell ever otherwise
        for label in COLUMNS:
            table.add_column(label, key=label)
        for cells in rows:
            table.add_row(*[literal(one_line(cell, limit)) if isinstance(cell, str) else cell
                            for cell, limit in zip(cells, limits)], key=cells[0])
        if rows:
            table.move_cursor(row=max(0, min(row, len(rows) - 1)), animate=False)
        self._fitted_width = width

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)  # once the table has its new size

    def _refit(self) -> None:
        if self._rows and self.table.scrollable_content_region.width - 1 != self._fitted_width:
            self._fill_table()

    def _save_keys(self) -> str:
        return keymap.keys_text(self.app, "editor.save")

    def _show_title(self) -> None:
        doc = self.doc
        where = (f"built-in example ({self._save_keys()} saves it as a file)" if doc.is_example
                 else str(doc.path))
        mark = "  [modified]" if doc.dirty else ""
        errors = sum(1 for f in self.findings if f.severity == "error")
        warnings = len(self.findings) - errors
        status = f"  {errors} error(s), {warnings} warning(s)" if self.findings else "  no findings"
        self.query_one("#editor-title", Static).update(
            content(f"Routing — {where}{mark}{status}", "bold"))

    def _show_settings(self) -> None:
        config = self.doc.config
        if config is None:
            line = "The document does not validate (see the findings); fix it to try routes."
        else:
            a2a = config.agent_to_agent
            allow = ", ".join(a2a.allow) if a2a.allow else "everyone"
            line = (f"Default agent: {config.default_agent_id or '(none: unmatched messages fail)'}"
                    f" · agents: {', '.join(config.agent_ids) or 'main'}"
                    f" · agent-to-agent: {'on' if a2a.enabled else 'off'} (allow: {allow})")
        self.query_one("#editor-settings", Static).update(content(line))

    def _show_detail(self) -> None:
        index = self.selected
        lines: list[str] = []
        general = [f for f in self.findings if f.binding_index is None]
        if index is not None:
            mine = findings_for_binding(self.findings, index)
            lines.append(f"Binding #{index}: " + ("no findings" if not mine else ""))
            if index < len(self._rows):  # in full: the table may have cut it to fit
                cells = self._rows[index]
                lines.append("  " + "  ·  ".join(f"{name.lower()} {cell}" for name, cell
                                                  in zip(COLUMNS[1:7], cells[1:7]) if cell))
            lines.extend(f"  {'✖' if f.severity == 'error' else '⚠'} {f.format()}" for f in mine)
        else:
            lines.append("No bindings yet: press a to add one.")
        if general:
            lines.append("Config:")
            lines.extend(f"  {'✖' if f.severity == 'error' else '⚠'} {f.format()}" for f in general)
        self.query_one("#editor-detail", Static).update(content("\n".join(lines)))

    @on(DataTable.RowHighlighted, "#bindings")
    def _row_moved(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#bindings")
    def _row_chosen(self) -> None:
        self.action_edit()

    # ------------------------------------------------------------------ try it

    @on(Input.Changed, "#try-input")
    def _try_changed(self) -> None:
        self.update_try()

    def update_try(self) -> None:
        text = self.query_one("#try-input", Input).value
        result = self.query_one("#try-result", Static)
        if not text.strip():
            result.update(content("Type a message above to see where it goes with these bindings."))
            return
        config = self.doc.config
        if config is None:
            result.update(content("✖ the edited config does not validate; fix the findings first"))
            return
        try:
            inbound = parse_try_line(text)
            router = Router(config)
            explanation = router.explain(inbound)
            route = router.resolve(inbound) if explanation.error is None else None
        except ClawError as exc:
            result.update(content(f"✖ {exc}"))
            return
        lines = []
        if route is not None:
            lines.append(f"→ {route.agent_id} · {route.matched_by} · session {route.session_key}"
                         + (f" · binding #{route.binding_index}" if route.binding_index is not None
                            else ""))
        else:
            lines.append(f"✖ {explanation.error}")
        lines.extend(explanation.lines())
        result.update(content("\n".join(lines)))

    def action_focus_try(self) -> None:
        self.query_one("#try-input", Input).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        """Esc in the "try it" line goes back to the table (a second Esc closes)."""
        if event.key == "escape" and isinstance(self.focused, Input):
            event.stop()
            event.prevent_default()
            self.table.focus()

    # ------------------------------------------------------------------ edits

    def _agents(self) -> list[str]:
        config = self.doc.config
        return list(config.agent_ids) if config is not None and config.agent_ids else ["main"]

    def _apply(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            result = fn(*args)
        except ClawError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        self.notify(f"{what} (not saved yet: {self._save_keys()} saves)", markup=False, timeout=3)
        return result

    def action_add(self) -> None:
        at = (self.selected + 1) if self.selected is not None else 0
        base: dict[str, Any] = {"agentId": (self.doc.config.default_agent_id
                                            if self.doc.config else None) or self._agents()[0],
                                "match": {"channel": ""}}
        entries = self.doc.bindings()
        if self.selected is not None and self.selected < len(entries):
            match = entries[self.selected].modern.get("match") or {}
            base["match"]["channel"] = match.get("channel", "")

        def done(raw: dict | None) -> None:
            if raw is not None:
                index = self._apply(f"Added binding #{at}", self.doc.add_binding, raw, at)
                self.refresh_view(select=index if index is not None else None)

        self.app.push_screen(BindingForm(self.doc, agents=self._agents(), raw=base, index=None,
                                         insert_at=at), done)

    def action_edit(self) -> None:
        index = self.selected
        if index is None:
            self.action_add()
            return
        entry = self.doc.bindings()[index]

        def done(raw: dict | None) -> None:
            if raw is not None:
                self._apply(f"Changed binding #{index}", self.doc.replace_binding, index, raw)
                self.refresh_view(select=index)

        self.app.push_screen(BindingForm(self.doc, agents=self._agents(), raw=entry.modern,
                                         index=index), done)

    def action_delete(self) -> None:
        index = self.selected
        if index is not None:
            self._apply(f"Deleted binding #{index}", self.doc.delete_binding, index)
            self.refresh_view(select=index)

    def action_duplicate(self) -> None:
        index = self.selected
        if index is not None:
            new = self._apply(f"Duplicated binding #{index}", self.doc.duplicate_binding, index)
            self.refresh_view(select=new)

    def action_move(self, delta: int) -> None:
        index = self.selected
        if index is not None:
            new = self._apply(f"Moved binding #{index}", self.doc.move_binding, index, delta)
            self.refresh_view(select=new if new is not None else index)

    def action_default_agent(self) -> None:
        agents = self._agents()
        keys = "123456789abcdefghijklmnopqrstuvwxyz"
        choices = [(keys[i], a) for i, a in enumerate(agents[: len(keys)])]

        def done(key: str | None) -> None:
            if key is not None:
                agent = dict(choices)[key]
                self._apply(f"Default agent is now {agent}", self.doc.set_default_agent, agent)
                self.refresh_view()

        current = self.doc.config.default_agent_id if self.doc.config else None
        self.app.push_screen(ChoiceScreen("Default agent", f"Currently: {current or 'none'}. It "
                                          "answers every message no binding claims.", choices), done)

    def action_toggle_a2a(self) -> None:
        config = self.doc.config
        if config is None:
            self.notify("Fix the config errors first.", severity="warning")
            return
        enabled = not config.agent_to_agent.enabled
        self._apply(f"Agent-to-agent {'on' if enabled else 'off'}", self.doc.set_agent_to_agent,
                    enabled, list(config.agent_to_agent.allow))
        self.refresh_view()

    def action_edit_allow(self) -> None:
        config = self.doc.config
        if config is None:
            self.notify("Fix the config errors first.", severity="warning")
            return
        a2a = config.agent_to_agent

        def done(text: str | None) -> None:
            if text is not None:
                allow = [a.strip() for a in text.split(",") if a.strip()]
                self._apply("Agent-to-agent allow list changed", self.doc.set_agent_to_agent,
                            a2a.enabled, allow)
                self.refresh_view()

        self.app.push_screen(PromptScreen(
            "Agent-to-agent allow list", "Agent ids (or globs, * for all), comma separated. "
            "Empty allows every agent.", ", ".join(a2a.allow), placeholder="home, work"), done)

    # ------------------------------------------------------------------ save / reload / close

    def action_save(self) -> None:
        if self.doc.is_example or self.doc.path is None:
            self._save_as(str(self.claw.save_as_path))
            return
        self.save()

    def save(self, path: str | None = None, *, overwrite: bool = False) -> None:
        """Hand the edited text to the engine (to the config's own file, or "save as"
        ``path``); one save at a time, so a second Ctrl+S does not race the first."""
        if self._saving:
            self.notify("Still saving…", markup=False, timeout=2)
            return
        self._saving = True
        self.run_worker(self._save(path, overwrite), group="editor-save")

    async def _save(self, path: str | None, overwrite: bool) -> None:
        """The engine writes the text and runs with it; a refusal becomes a notice (or the
        changed-on-disk or overwrite choice)."""
        raw = self.doc.render()
        try:
            saved = await self.claw.gateway.save_config(raw, base_hash=self.doc.base_hash,
                                                        path=path, overwrite=overwrite)
        except ConfigChangedOnDisk as exc:
            self._changed_on_disk(str(exc))
            return
        except ConfigFileExists as exc:
            self._confirm_overwrite(exc.path)
            return
        except ConfigError as exc:
            self.notify("Not saved: the config has errors:\n" + exc.format(), severity="error",
                        markup=False, timeout=10)
            return
        except ClawError as exc:
            self.notify(f"Not saved: {exc}", severity="error", markup=False)
            return
        except Exception as exc:  # noqa: BLE001 - a failed save must never end the app
            self.log.error("".join(traceback.format_exception(exc)))  # for ``textual console``
            self.notify(one_line(f"Not saved: {type(exc).__name__}: {exc}", 300),
                        severity="error", markup=False)
            return
        finally:
            self._saving = False
        self.doc.mark_saved(saved.path, saved.base_hash, raw)
        self.refresh_view()
        if saved.applied:
            self.notify(f"Saved {saved.path}; panes route with it from the next message.",
                        markup=False)
        else:
            self.notify(f"Saved {saved.path}, but the gateway kept the previous config "
                        "(see the error).", severity="warning", markup=False)

    def _save_as(self, suggested: str) -> None:
        def validate(text: str) -> str | None:
            return None if text.strip() else "a path is required"

        def done(text: str | None) -> None:
            if text is not None:
                self.save(text.strip())

        self.app.push_screen(PromptScreen(
            "Save as", "The built-in example has no file yet. Save it here (discovery reads this "
            "path next time):" if self.doc.is_example else "Save the config to:",
            suggested, validate=validate), done)

    def _confirm_overwrite(self, path: Path) -> None:
        def done(key: str | None) -> None:
            if key == "o":
                self.save(str(path), overwrite=True)
            elif key == "a":
                self._save_as(str(path))

        self.app.push_screen(ChoiceScreen("File exists", f"{path} already exists.",
                                          [("o", "Overwrite it (the old one is kept as .bak)"),
                                           ("a", "Choose another path"), ("c", "Cancel")]), done)

    def _changed_on_disk(self, message: str) -> None:
        def done(key: str | None) -> None:
            if key == "r":
                self.action_reload()
            elif key == "a":
                self._save_as(str(self.doc.path) + ".mine")

        self.app.push_screen(ChoiceScreen(
            "Not saved: the file changed on disk", message,
            [("r", "Reload from disk (discard my edits)"), ("a", "Save my version as another file"),
             ("c", "Cancel (keep editing)")]), done)

    def action_reload(self) -> None:
        self.run_worker(self._reload(), group="editor-reload", exclusive=True)

    async def _reload(self) -> None:
        """Start again from the config the engine runs, as its file is now (unsaved edits go)."""
        try:
            source = await self.claw.gateway.config_source()
        except ClawError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.doc = ConfigDocument.from_source(source)
        self.refresh_view()
        self.notify("Reloaded from disk.")

    def action_close(self) -> None:
        if not self.doc.dirty:
            self.dismiss()
            return

        def done(key: str | None) -> None:
            if key == "s":
                self.action_save()
            elif key == "d":
                self.dismiss()

        self.app.push_screen(ChoiceScreen("Unsaved changes", "The routing has unsaved edits.",
                                          [("s", "Save"), ("d", "Discard and close"),
                                           ("c", "Cancel")]), done)
