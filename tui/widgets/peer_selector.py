"""Who you speak as in a pane: the one-line peer bar and the dialog that edits it.

A peer is a DM id or a group/channel id, plus the parent peer (a thread's channel) and the
guild/team/roles that only some channels have: Discord messages carry a guild and member
roles, Slack messages a team. The dialog shows those fields only for channels that have them,
lists the pane's recent peers, and previews the route as you type (through the gateway).
A field the user leaves alone keeps the peer's value as it was, even when it is shown with
stand-ins for control characters.
"""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from engine.config.model import Peer
from engine.gateway.inbox import PeerSpec
from engine.routing.route import Route
from tui import keymap
from tui.frame_timer import OnTimeFrames
from tui.safe_text import SafeInput, content, control_notes, one_line

# Which routing fields a channel's messages can carry besides the peer itself.
CHANNEL_FIELDS: dict[str, tuple[str, ...]] = {
    "discord": ("guild", "roles"),
    "slack": ("team",),
    "msteams": ("team",),
    "mattermost": ("team",),
}
PEER_KINDS = ("direct", "group", "channel")


def fields_for(channel: str) -> tuple[str, ...]:
    return CHANNEL_FIELDS.get(channel, ())


def describe_peer(peer: PeerSpec) -> str:
    """One line: ``direct:alice · guild 42 · roles mod,admin · in channel:7``."""
    parts = [f"{peer.kind}:{peer.id}"]
    if peer.display_name:
        parts[0] = f"{peer.display_name} ({parts[0]})"
    if peer.parent is not None:
        parts.append(f"in {peer.parent.kind}:{peer.parent.id}")
    if peer.guild_id:
        parts.append(f"guild {peer.guild_id}")
    if peer.team_id:
        parts.append(f"team {peer.team_id}")
    if peer.roles:
        parts.append("roles " + ",".join(peer.roles))
    return " · ".join(parts)


def parse_parent(text: str) -> tuple[Peer | None, str | None]:
    """``channel:123`` → Peer; empty → None; anything else → an error line."""
    text = text.strip()
    if not text:
        return None, None
    kind, sep, pid = text.partition(":")
    if not sep or not kind.strip() or not pid.strip():
        return None, 'parent must look like "channel:123" (kind:id)'
    return Peer(kind.strip(), pid.strip()), None


class PeerBar(Widget):
    """The pane's one-line "speaking as" bar; clicking it (or F4) opens the dialog.

    It is always one line, refitted to its width each time it is drawn (so also after a
    resize): the peer and the routed agent come first, then how the route matched, then
    the session key; what does not fit is left out whole rather than cut mid-word, and the
    whole line is the bar's tooltip."""

    class Clicked(Message):
        pass

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._variants: list[Content] = [Content("")]

    def show(self, peer: PeerSpec, route: Route | None, error: str | None = None,
             queue_mode: str = "followup") -> None:
        self._variants = peer_line_variants(peer, route, error, queue_mode)
        self.tooltip = self._variants[0]
        self.refresh()

    @property
    def full_text(self) -> str:
        """The whole line, as the widest variant shows it."""
        return self._variants[0].plain

    def render(self) -> Content:
        return fit_line(self._variants, self.content_size.width)

    def on_click(self) -> None:
        self.post_message(self.Clicked())


def peer_line_variants(peer: PeerSpec, route: Route | None, error: str | None,
                       queue_mode: str) -> list[Content]:
    """The peer bar's line from the most to the least detailed: the full peer and route
    ``(matchedBy · session key)``, then without the session key, then with the short peer
    (``kind:id``) and the route's ``matchedBy``, then ``kind:id → agent``, then ``id → agent``."""
    interrupts = queue_mode == "interrupt"  # not the usual behaviour, so it is always in sight
    short_peer = f"{peer.kind}:{peer.id}"

    def line(who: str, target: str, flag: str) -> Content:
        out = content(who)
        if flag:
            out = out.append(content(flag, "bold $warning"))
        if target:
            out = out.append(content(target, "dim"))
        return out

    if error:
        targets = [f"  → ✖ {one_line(error, 200)}"]
    elif route is not None:
        targets = [f"  → {route.agent_id} ({route.matched_by} · {route.session_key})",
                   f"  → {route.agent_id} ({route.matched_by})", f" → {route.agent_id}"]
    else:
        targets = [""]
    flag, short_flag = ("  ⚡interrupts", " ⚡") if interrupts else ("", "")
    variants = [line(f"as {describe_peer(peer)}", target, flag) for target in targets[:2]]
    variants += [line(f"as {short_peer}", target, flag) for target in targets[1:2]]
    variants += [line(short_peer, target, short_flag) for target in targets[-1:]]
    last = targets[-1].strip()
    variants.append(line(peer.id, f" {last}" if last else "", short_flag))
    return variants


def fit_line(variants: list[Content], width: int) -> Content:
    """The first variant that fits ``width`` cells; else the last one, cut with an ellipsis."""
    for variant in variants:
        if variant.cell_length <= width:
            return variant
    return variants[-1].truncate(max(0, width), ellipsis=True)


class PeerDialog(OnTimeFrames, ModalScreen[PeerSpec | None]):
    """Edit the peer of one pane; returns the new PeerSpec, or None when cancelled."""

    CSS_PATH = "peer_selector.tcss"
    BINDINGS = keymap.bindings("form")

    def __init__(self, *, channel: str, label: str, peer: PeerSpec, recent: list[PeerSpec],
                 preview: Callable[[PeerSpec], str]) -> None:
        super().__init__()
        self.channel = channel
        self.label = label
        self.peer = peer
        self.recent = recent
        self.preview = preview
        self.extra = fields_for(channel)

    def compose(self) -> ComposeResult:
        with Vertical(id="peer-dialog"):
            yield Label(content(f"Speak as… in {self.label}"), id="peer-title")
            if self.recent:
                yield Label("Recent peers (Enter picks)", classes="field-label")
                yield OptionList(*[Option(content(one_line(describe_peer(p), 70)), id=str(i))
                                   for i, p in enumerate(self.recent)], id="peer-recent")
            with Horizontal(classes="field"):
                yield Label("Kind", classes="field-label")
                yield Select([(k, k) for k in PEER_KINDS], value=self._kind_value(),
                             allow_blank=False, id="peer-kind")
            yield from self._row("Id", self.peer.id, "DM id, or group/channel id", "peer-id")
            parent = f"{self.peer.parent.kind}:{self.peer.parent.id}" if self.peer.parent else ""
            yield from self._row("Parent", parent, "thread's channel, e.g. channel:123 (optional)",
                                 "peer-parent")
            if "guild" in self.extra:
                yield from self._row("Guild", self.peer.guild_id or "", "guild id", "peer-guild")
            if "roles" in self.extra:
                yield from self._row("Roles", ",".join(self.peer.roles),
                                     "role ids, comma separated", "peer-roles")
            if "team" in self.extra:
                yield from self._row("Team", self.peer.team_id or "", "team id", "peer-team")
            yield from self._row("Name", self.peer.display_name or "", "display name (optional)",
                                 "peer-name")
            yield Static(id="peer-status")
            yield Static(f"{keymap.keys_text(self.app, 'form.submit')} or Enter: use this peer · "
                         f"{keymap.keys_text(self.app, 'form.cancel')}: cancel", classes="hint",
                         markup=False)

    def _row(self, label: str, value: str, placeholder: str, wid: str) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(label, classes="field-label")
            yield SafeInput(value, placeholder=placeholder, field_name=label, id=wid)

    def _kind_value(self) -> str:
        kind = self.peer.kind if self.peer.kind in PEER_KINDS else "direct"
        return "direct" if kind == "dm" else kind

    def on_mount(self) -> None:
        self.query_one("#peer-id", SafeInput).focus()
        self._validate()

    def _value(self, selector: str) -> str:
        found = self.query(selector)
        return found.first(SafeInput).true_value if found else ""

    def _edited(self, selector: str) -> bool:
        found = self.query(selector)
        return bool(found) and found.first(SafeInput).edited

    def build(self) -> tuple[PeerSpec | None, str | None]:
        """The peer the form describes, or the first problem with it. Fields left alone keep
        the peer's values as they were."""
        pid = self._value("#peer-id")
        if not pid.strip():
            return None, "id is required"
        if self._edited("#peer-parent"):
            parent, error = parse_parent(self._value("#peer-parent"))
            if error:
                return None, error
        else:
            parent = self.peer.parent
        kind = str(self.query_one("#peer-kind", Select).value)
        roles = (tuple(r.strip() for r in self._value("#peer-roles").split(",") if r.strip())
                 if self._edited("#peer-roles") else self.peer.roles)
        return PeerSpec(kind=kind, id=pid, parent=parent,
                        guild_id=self._value("#peer-guild") or None,
                        team_id=self._value("#peer-team") or None,
                        roles=roles, display_name=self._value("#peer-name") or None), None

    def _validate(self) -> PeerSpec | None:
        peer, error = self.build()
        status = self.query_one("#peer-status", Static)
        if error:
            status.update(content(f"✖ {error}", "bold"))
            status.set_class(True, "-error")
            return None
        status.set_class(False, "-error")
        notes = [f"⚠ {note}" for note in control_notes(self.query(SafeInput))]
        status.update(content("\n".join([f"→ {self.preview(peer)}", *notes])))
        return peer

    @on(SafeInput.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self._validate()

    @on(SafeInput.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    @on(OptionList.OptionSelected, "#peer-recent")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.recent[int(event.option.id or 0)])

    def action_submit(self) -> None:
        peer = self._validate()
        if peer is not None:
            self.dismiss(peer)

    def action_cancel(self) -> None:
        self.dismiss(None)
