"""F3: why a message went to the agent it went to.

Shows what the gateway stored with the message (matchedBy, binding, clone, model) and the
router's full explanation for the pane's peer under the config in force now — each tier up
to the winner and why the earlier ones did not match. The router does the explaining; this
screen only lays it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine.errors import ClawError
from tui.frame_timer import OnTimeFrames
from tui.safe_text import content
from tui.widgets.peer_selector import describe_peer

if TYPE_CHECKING:
    from tui.widgets.pane import ChannelPane


def explanation_lines(pane: "ChannelPane", message: Any) -> list[str]:
    lines: list[str] = []
    if message is not None:
        meta = message.meta or {}
        lines.append(f"Message #{message.seq} ({message.role}, {message.author}) "
                     f"in session {message.session_key}")
        stored = []
        if meta.get("matched_by"):
            stored.append(f"matchedBy {meta['matched_by']}")
        if meta.get("binding_index") is not None:
            stored.append(f"binding {meta['binding_index']}")
        if meta.get("clone_id"):
            stored.append(f"clone {meta['clone_id']}")
        if meta.get("model"):
            stored.append(f"model {meta['model']}")
        if stored:
            lines.append("Stored with the message: " + " · ".join(stored))
        lines.append("")
    lines.append(f"Route now for {describe_peer(pane.peer)} in {pane.inbox.label}:")
    try:
        route = pane.gateway.route(pane.inbox.key, pane.peer)
    except ClawError as exc:
        lines.append(f"✘ {exc}")
        return lines
    lines.append(f"→ agent {route.agent_id} · {route.matched_by} · session {route.session_key}"
                 + (f" · binding {route.binding_index}" if route.binding_index is not None else ""))
    try:
        explanation = pane.gateway.explain(pane.inbox.key, pane.peer)
    except (ClawError, ValueError) as exc:
        lines.append(f"(no explanation: {exc})")
        return lines
    if explanation.reset is not None:
        lines.append(f"  session resets: {explanation.reset.describe()}")
    if explanation.binding_path:
        lines.append(f"  winning binding: {explanation.binding_path}")
    lines.extend("  " + line for line in explanation.lines())
    if explanation.error:
        lines.append(f"✘ {explanation.error}")
    return lines


class ExplainScreen(OnTimeFrames, ModalScreen[None]):
    CSS_PATH = "explain.tcss"
    BINDINGS = [("escape,f3,q", "close", "Close")]

    def __init__(self, pane: "ChannelPane", message: Any) -> None:
        super().__init__()
        self.lines = explanation_lines(pane, message)

    def compose(self) -> ComposeResult:
        with Vertical(id="explain-box"):
            yield Static("Route explanation  (Esc closes)", id="explain-title")
            with VerticalScroll():
                yield Static(content("\n".join(self.lines)), id="explain-body")

    def action_close(self) -> None:
        self.dismiss(None)
