"""The add/edit form for one binding, validating as you type.

Validation is the engine's: every change is applied to a scratch copy of the document
(``ConfigDocument``) and linted (``lint_text``), and the findings for this binding are shown
under the form; OK is refused while any of them is an error. Keys the form does not know
(comments, extra fields) are carried over untouched from the binding being edited, and so is
every field the user leaves alone: a value shown with stand-ins for its control characters is
saved as it was, not as shown.
"""

from __future__ import annotations

import copy
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from engine.config.edit import ConfigDocument
from engine.config.model import DM_SCOPES, GROUP_SCOPES
from engine.errors import ClawError
from engine.routing.lint import findings_for_binding, lint_text
from tui import keymap
from tui.frame_timer import OnTimeFrames
from tui.safe_text import SafeInput, content, control_notes, options

PEER_KINDS = ("direct", "group", "channel")
NONE = "(none)"
INHERIT = "(inherit)"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class BindingForm(OnTimeFrames, ModalScreen[dict | None]):
    """Returns the binding as a dict (modern key names), or None when cancelled."""

    CSS_PATH = "binding_form.tcss"
    BINDINGS = keymap.bindings("form")

    def __init__(self, doc: ConfigDocument, *, agents: list[str], raw: dict[str, Any],
                 index: int | None, insert_at: int = 0) -> None:
        super().__init__()
        self.doc = doc
        self.agents = agents
        self.base = copy.deepcopy(raw)
        self.index = index
        self.insert_at = insert_at
        self.errors: list[str] = []

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        raw = self.base
        match = raw.get("match") if isinstance(raw.get("match"), dict) else {}
        peer = match.get("peer") if isinstance(match.get("peer"), dict) else {}
        session = raw.get("session") if isinstance(raw.get("session"), dict) else {}
        agent = _text(raw.get("agentId"))
        agent_options = [(a, a) for a in self.agents]
        if agent and agent not in self.agents:
            agent_options.insert(0, (f"{agent} (unknown)", agent))
        kind = _text(peer.get("kind")) or NONE
        kinds = [(k, k) for k in (NONE, *PEER_KINDS)]
        if kind not in (NONE, *PEER_KINDS):
            kinds.append((kind, kind))
        title = "Add binding" if self.index is None else f"Edit binding #{self.index}"
        with Vertical(id="binding-form"):
            yield Static(content(title, "bold"), id="form-title")
            with VerticalScroll(id="form-fields"):
                yield from self._row("Agent", Select(options(agent_options),
                                                     value=agent or Select.BLANK,
                                                     allow_blank=not agent, id="f-agent"))
                yield from self._row("Channel", SafeInput(
                    _text(match.get("channel")), placeholder="whatsapp, discord, slack…",
                    id="f-channel"))
                yield from self._row("Account", SafeInput(
                    _text(match.get("accountId")),
                    placeholder="account id, * for any (empty: default)", id="f-account"))
                yield from self._row("Peer kind", Select(options(kinds), value=kind,
                                                         allow_blank=False, id="f-peer-kind"))
                yield from self._row("Peer id", SafeInput(
                    _text(peer.get("id")), placeholder="DM/group/channel id, * for any",
                    id="f-peer-id"))
                yield from self._row("Guild", SafeInput(
                    _text(match.get("guildId")), placeholder="Discord guild id", id="f-guild"))
                yield from self._row("Team", SafeInput(
                    _text(match.get("teamId")), placeholder="Slack team id", id="f-team"))
                roles = match.get("roles")
                yield from self._row("Roles", SafeInput(
                    ",".join(str(r) for r in roles) if isinstance(roles, list) else _text(roles),
                    placeholder="role ids, comma separated", id="f-roles"))
                yield from self._row("DM scope", Select(
                    [(s, s) for s in (INHERIT, *DM_SCOPES)],
                    value=_text(session.get("dmScope")) or INHERIT, allow_blank=False,
                    id="f-dm-scope"))
                yield from self._row("Group scope", Select(
                    [(s, s) for s in (INHERIT, *GROUP_SCOPES)],
                    value=_text(session.get("groupScope")) or INHERIT, allow_blank=False,
                    id="f-group-scope"))
            yield Static(id="form-findings")
            yield Static(f"{keymap.keys_text(self.app, 'form.submit')}: OK · "
                         f"{keymap.keys_text(self.app, 'form.cancel')}: cancel · Tab: next field",
                         classes="hint", markup=False)

    @staticmethod
    def _row(label: str, widget: Any) -> ComposeResult:
        if isinstance(widget, SafeInput):
            widget.field_name = label
        with Horizontal(classes="field"):
            yield Label(label, classes="field-label")
            yield widget

    def on_mount(self) -> None:
        self.query_one("#f-agent", Select).focus()  # the first field, and the one always set
        self.validate()

    # ------------------------------------------------------------------ values

    def _edited(self, wid: str) -> str | None:
        """The text typed into field *wid*, or None while the user has not edited it (then
        the binding keeps that key exactly as it was)."""
        field = self.query_one(f"#{wid}", SafeInput)
        return field.value.strip() if field.edited else None

    def _select(self, wid: str) -> str:
        value = self.query_one(f"#{wid}", Select).value
        return "" if value is Select.BLANK else str(value)

    def value(self) -> dict[str, Any]:
        """The binding the form describes, built on the original: unknown keys and the fields
        the user left alone are kept as they were."""
        raw = copy.deepcopy(self.base)
        match = dict(raw.get("match")) if isinstance(raw.get("match"), dict) else {}
        raw["agentId"] = self._select("f-agent")
        match.pop("provider", None)
        for key, wid in (("channel", "f-channel"), ("accountId", "f-account"),
                         ("guildId", "f-guild"), ("teamId", "f-team")):
            typed = self._edited(wid)
            if typed is not None:
                _put(match, key, typed)
        kind = self._select("f-peer-kind")
        peer = match.get("peer") if isinstance(match.get("peer"), dict) else {}
        if kind and kind != NONE:
            typed = self._edited("f-peer-id")
            match["peer"] = {**peer, "kind": kind,
                             "id": peer.get("id", "") if typed is None else typed}
        else:
            match.pop("peer", None)
        typed = self._edited("f-roles")
        if typed is not None:
            _put(match, "roles", [r.strip() for r in typed.split(",") if r.strip()] or None)
        raw["match"] = match
        session = dict(raw.get("session")) if isinstance(raw.get("session"), dict) else {}
        for key, wid in (("dmScope", "f-dm-scope"), ("groupScope", "f-group-scope")):
            chosen = self._select(wid)
            _put(session, key, None if chosen == INHERIT else chosen)
        _put(raw, "session", session or None)
        return raw

    def validate(self) -> bool:
        """Apply the form to a scratch copy of the document and lint it; show this binding's
        findings. Returns False when OK must be refused."""
        findings_widget = self.query_one("#form-findings", Static)
        raw = self.value()
        self.errors = []
        lines: list[str] = []
        if not raw.get("agentId"):
            self.errors.append("choose an agent")
        if not raw["match"].get("channel"):
            self.errors.append("channel is required")
        if raw["match"].get("peer") and not raw["match"]["peer"].get("id"):
            self.errors.append("peer id is required when a peer kind is chosen")
        if not self.errors:
            try:
                scratch = ConfigDocument.from_text(self.doc.render(), file=self.doc.file)
                if self.index is None:
                    at = scratch.add_binding(raw, self.insert_at)
                else:
                    scratch.replace_binding(self.index, raw)
                    at = self.index
                findings = findings_for_binding(
                    lint_text(scratch.render(), file=self.doc.file), at)
            except ClawError as exc:
                self.errors.append(str(exc))
                findings = []
            for f in findings:
                (self.errors if f.severity == "error" else lines).append(f.message)
        lines += control_notes(self.query(SafeInput))
        shown = [f"✖ {e}" for e in self.errors] + [f"⚠ {w}" for w in lines]
        findings_widget.update(content("\n".join(shown) if shown else "✔ no problems"))
        findings_widget.set_class(bool(self.errors), "-error")
        return not self.errors

    @on(SafeInput.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.validate()

    @on(SafeInput.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.validate():
            self.dismiss(self.value())
        else:
            self.notify("Fix the problems shown under the form first.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, "", [], {}):
        target.pop(key, None)
    else:
        target[key] = value
