"""One pane = one inbox (a channel account such as ``whatsapp · personal``).

The pane renders engine events and calls the engine (``engine.api.EngineAPI``): the engine
routes, queues, streams and stores. The events of its inbox arrive as messages from the app's
event pump and are handled in order, one at a time (``on_turn_started``, ``on_reply_delta``…),
so the user message, the streamed reply and the final message always land in that order. The
reply text is kept once, in its turn (``PaneTurn.parts``); the views show it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from engine.errors import ClawError
from engine.gateway.inbox import Inbox, PeerSpec
from tui import engine_messages, keymap, textual_compat
from tui.composer_commands import COMMANDS, command_list
from tui.recent_peers import RecentPeers
from tui.safe_text import clean, content, one_line
from tui.widgets.draw_slot import DrawSlot
from tui.widgets.composer_stub import ComposerStub, placeholder
from tui.widgets.history_view import HistoryView, draws_on_thread
from tui.widgets.peer_selector import PeerBar, PeerDialog

if TYPE_CHECKING:
    from engine.api import EngineAPI
    from engine.gateway.events import TurnEvent
    from engine.routing.route import Route
    from engine.store.models import SessionRow, StoredMessage
    from tui.widgets.composer import Composer

PAGE = 200


def _export_format(line: str) -> str:
    return line.split(maxsplit=1)[1].strip().lower() if " " in line.strip() else "markdown"


def command_error(text: str) -> str | None:
    """What is wrong with a composer line that is a mistyped command (None: nothing). Checked
    before the text box is cleared, so a typo stays there to be fixed."""
    stripped = text.strip()
    command = stripped.split(maxsplit=1)[0].lower() if stripped.startswith("/") else ""
    if command == "/export" and _export_format(stripped) not in ("markdown", "md", "jsonl"):
        return '✖ /export takes "markdown" or "jsonl"'
    if command and command not in COMMANDS:
        return f"✖ unknown command {one_line(command, 20)} (try {command_list(usage=True)})"
    return None


# a pane's ``turn_state()`` as its bottom border shows it (the sidebar has its own badges)
STATE_LABEL = {"streaming": "● streaming", "thinking": "● thinking", "queued": "⏳ queued",
               "idle": ""}


@dataclass
class PaneTurn:
    turn_id: str
    session_key: str
    agent_id: str
    text: str = ""  # what the user sent (for the queued line)
    state: str = "accepted"  # accepted | queued | running | streaming
    position: int = 0
    parts: list[str] = field(default_factory=list)  # the reply so far, as received
    route: Any = None
    tools: list[dict[str, Any]] = field(default_factory=list)  # its tool calls so far
    tools_open: bool = False  # Ctrl+O while it streams: its reply lands with them expanded


class ChannelPane(Vertical):
    """A channel account's conversation: peer bar, history, live reply, composer."""

    ALLOW_MAXIMIZE = True  # F2 (a pane cannot take focus itself: Textual's default says no)

    class ActivityChanged(Message, bubble=False):
        """The pane's state or unseen counts changed: the sidebar and tabs show them."""

        def __init__(self, pane: "ChannelPane") -> None:
            super().__init__()
            self.pane = pane

    class Notable(Message, bubble=False):
        """A turn here ended in a way that may call for attention (``tui.hotlist`` kinds:
        message, mention, error); the main screen decides whether it alerts."""

        def __init__(self, pane: "ChannelPane", kinds: frozenset[str], who: str,
                     text: str) -> None:
            super().__init__()
            self.pane = pane
            self.kinds = kinds
            self.who = who
            self.text = text

    class ExplainRequested(Message):
        def __init__(self, pane: "ChannelPane", message: Any) -> None:
            super().__init__()
            self.pane = pane
            self.message = message

    def __init__(self, gateway: EngineAPI, inbox: Inbox, number: int, *, recent: RecentPeers,
                 format_time: Callable[[float], str] | None = None,
                 draw_slot: DrawSlot | None = None) -> None:
        super().__init__(id=f"pane-{number}", classes="pane")
        self.gateway = gateway
        self.inbox = inbox
        self.number = number
        self.recent = recent
        remembered = recent.get(inbox.key)
        self.peer: PeerSpec = remembered[0] if remembered else PeerSpec()
        self.route: Route | None = None
        self.route_error: str | None = None
        self.turns: dict[str, PaneTurn] = {}
        self._live_turn: str | None = None  # the turn whose reply is shown live
        # The live turn while its reply moves into the history (it has left ``turns``):
        # Ctrl+O in that moment still marks it, and the reply lands as it asked.
        self._ending: PaneTurn | None = None
        self._markdown_live = False  # the live reply drawn as Markdown (the focused pane)
        self._ready = False  # the engine runs (``EngineReady``)
        self._held_lines: list[str] = []  # sent before it did, in order
        self._renewal: str | None = None  # "new session …" while the reply that began it runs
        self.unseen = 0  # new messages since the pane was last focused
        self.alerts = 0  # errors and interrupts since the pane was last focused
        self.mentions = 0  # replies naming you (``tui.hotlist``) since then
        self.notice: str | None = None
        self._format_time = format_time
        self._history_key: tuple[str, str] | None = None
        self._shown_peer_line: tuple[PeerSpec, str, str] | None = None
        self._shown_status: str | None = None
        self._composer: Composer | None = None  # made on first use (``composer``)
        self._composer_mounted = False
        self._live_label = ""
        self._draw_slot = draw_slot or DrawSlot()  # shared by the screen's panes

    # ---------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        # Children are created here and kept as attributes: a DOM query per streamed event
        # would cost more than the event once Markdown blocks are in the tree.
        self.peer_bar = PeerBar(id="peer-bar", classes="peer-bar")
        self.history = HistoryView(format_time=self._format_time, id="history")
        self.status: Static | None = None  # notices and the waiting list (``_update_labels``)
        # The text box is mounted when the pane is first focused (see ``ComposerStub``).
        self.composer_stub = ComposerStub(id="composer-stub")
        # A reply streaming in is drawn as the last rows of the history (``start_live``):
        # as Markdown in the focused pane, plain in the others.
        yield self.peer_bar
        yield self.history
        yield self.composer_stub

    def on_mount(self) -> None:
        self.border_title = content(f"{self.number} {self.inbox.label}")
        self.refresh_route()

    async def on_engine_ready(self, _message: engine_messages.EngineReady) -> None:
        """The engine runs: load the history shown and send what was typed before."""
        if self._ready:
            return
        self._ready = True
        if self._history_key is not None:
            self.load_history(*self._history_key)
        held, self._held_lines = self._held_lines, []
        for line in held:
            await self.submit(line)

    async def on_engine_resynced(self, message: engine_messages.EngineResynced) -> None:
        """Events were lost: a turn shown here that the engine no longer runs has ended (its
        reply comes with the history, read again); one it still runs goes on from the reply
        and tool calls the engine has for it."""
        live = {turn.turn_id: turn for turn in message.turns}
        for turn in list(self.turns.values()):
            if turn.turn_id not in live:
                await self._end(turn, None)
        for known in message.turns:
            turn = self.turns.get(known.turn_id)
            if turn is None:
                if self.route is None or known.session_key != self.route.session_key:
                    continue  # not the session shown here
                turn = self.turns[known.turn_id] = PaneTurn(known.turn_id, known.session_key,
                                                            known.agent_id)
            turn.state = known.state
            turn.parts = [known.text] if known.text else []
            turn.tools = [dict(call) for call in known.tools]
            if self._live_turn == turn.turn_id:
                self._begin_live(turn)  # drawn afresh from what the engine has
        if self._live_turn is None:
            nxt = next((t for t in self.turns.values() if t.state in ("running", "streaming")),
                       None)
            if nxt is not None:
                self._begin_live(nxt)
        self._update_labels()
        self.reload_history()

    # ------------------------------------------------------------- routing

    def refresh_route(self) -> None:
        """Preview where the next message goes (also after a config reload) and follow that
        session's history."""
        try:
            self.route = self.gateway.route(self.inbox.key, self.peer)
            self.route_error = None
        except ClawError as exc:
            self.route, self.route_error = None, str(exc)
        self._update_labels()
        key = (self.route.agent_id, self.route.session_key) if self.route else None
        if key != self._history_key:
            self._history_key = key
            self.history.clear()
            if key is not None and self._ready:
                self.load_history(*key)

    def reload_history(self) -> None:
        """Route again and load the history afresh (after a new session, or a resync)."""
        self._history_key = None
        self.refresh_route()

    def route_line(self, peer: PeerSpec | None = None) -> str:
        peer = peer or self.peer
        if peer is not self.peer:
            try:
                route = self.gateway.route(self.inbox.key, peer)
            except ClawError as exc:
                return f"✖ {exc}"
        else:
            if self.route_error:
                return f"✖ {self.route_error}"
            route = self.route
        if route is None:
            return ""
        return f"{route.agent_id} ({route.matched_by} · {route.session_key})"

    def _tell_screen(self, message: Message) -> None:
        """Post ``message`` to the screen, which alone handles it: straight there, not
        bubbling up through the containers between (a message each, several times a reply
        in every pane)."""
        if self.is_attached:
            self.screen.post_message(message)

    def _update_labels(self) -> None:
        """Refresh the subtitle, peer bar and status line — only what changed, since every
        ``Static.update`` costs a layout pass and this runs on every streamed delta."""
        state = STATE_LABEL[self.turn_state()]
        if self.border_subtitle != state:
            self._set_state_subtitle(state)
            self._tell_screen(self.ActivityChanged(self))
        peer_line = (self.peer, self.route_line(), self.gateway.queue_mode(self.inbox.key))
        if peer_line != self._shown_peer_line:
            self._shown_peer_line = peer_line
            self.peer_bar.show(self.peer, self.route, self.route_error, peer_line[2])
        queued = [t for t in self.turns.values() if t.state == "queued"]
        line = self.notice or ""
        if queued:
            waiting = "; ".join(one_line(t.text, 30) for t in queued[:3])
            line = (line + "  " if line else "") + f"⏳ {len(queued)} waiting: {waiting}"
        if line != self._shown_status:
            self._shown_status = line
            if self.status is None and line:  # most panes never show one: made on the first
                self.status = Static(id="pane-status", classes="pane-status")
                self.mount(self.status, after=self.history)
            if self.status is not None:
                self.status.update(content(line))
                self.status.display = bool(line)

    def _set_state_subtitle(self, state: str) -> None:
        """The state sits in the pane's bottom border (repainting that row alone)."""
        textual_compat.set_bottom_title(self, state)

    def turn_state(self) -> str:
        """What the pane's turns are doing, as one of ``STATE_LABEL``'s keys."""
        if any(t.state == "streaming" for t in self.turns.values()):
            return "streaming"
        if any(t.state == "running" for t in self.turns.values()):
            return "thinking"
        return "queued" if self.turns else "idle"

    # ------------------------------------------------------------- history

    @work(group="history", exclusive=True)
    async def load_history(self, agent_id: str, session_key: str) -> None:
        try:
            messages = await self.gateway.history(agent_id, session_key, limit=PAGE)
        except ClawError as exc:
            self._set_notice(f"✖ history: {exc}")
            return
        if self._history_key != (agent_id, session_key):
            return
        self.history.set_messages(messages, has_older=len(messages) >= PAGE)
        self.call_after_refresh(self.history.request_older_if_short)

    @on(HistoryView.NeedOlder)
    def _need_older(self, event: HistoryView.NeedOlder) -> None:
        event.stop()
        if self._history_key is not None:
            self.load_older(*self._history_key, event.before_seq)

    @work(group="history-older", exclusive=True)
    async def load_older(self, agent_id: str, session_key: str, before_seq: int) -> None:
        try:
            messages = await self.gateway.history(agent_id, session_key, before_seq=before_seq,
                                                  limit=PAGE)
        except ClawError as exc:
            self._set_notice(f"✖ history: {exc}")
            self.history.prepend([], has_older=False)
            return
        if self._history_key == (agent_id, session_key):
            self.history.prepend(messages, has_older=len(messages) >= PAGE)

    @work(group="history", exclusive=True)
    async def select_message(self, message: StoredMessage) -> None:
        """Select ``message`` of the session shown (a search hit), loading the history up to
        it first: the newest page if none is loaded yet, then older pages until it is in."""
        key = self._history_key
        view = self.history
        if key is None:
            return
        try:
            if not view.message_count:
                page = await self.gateway.history(*key, limit=PAGE)
                if self._history_key != key:
                    return
                view.set_messages(page, has_older=len(page) >= PAGE)
            while (view.has_older and view.oldest_seq is not None
                   and message.id not in {m.id for m in view.messages}):
                page = await self.gateway.history(*key, before_seq=view.oldest_seq, limit=PAGE)
                if self._history_key != key:
                    return
                view.prepend(page, has_older=len(page) >= PAGE)
        except ClawError as exc:
            self._set_notice(f"✖ history: {exc}")
            return
        for index, shown in enumerate(view.messages):
            if shown.id == message.id:
                current = view.selected if view.selected is not None else view.message_count
                view.move_selection(index - current)
                return

    @on(HistoryView.ExplainRequested)
    def _explain(self, event: HistoryView.ExplainRequested) -> None:
        event.stop()
        self.post_message(self.ExplainRequested(self, event.message))

    # ------------------------------------------------------------- composer

    # Handlers named for ``Composer.Submitted`` and ``Composer.PageHistory`` rather than
    # ``@on(...)``: that would import the text area's module with this one, before the
    # first frame.
    async def on_composer_submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        await self.submit(event.text)

    def on_composer_rejected(self, event: Composer.Rejected) -> None:
        event.stop()
        self._set_notice(event.error)

    def on_composer_page_history(self, event: Composer.PageHistory) -> None:
        event.stop()
        self.history.page(event.direction)

    async def submit(self, text: str) -> None:
        """Run a composer line: ``/new`` (or ``/reset``), ``/export [jsonl]``, or a message
        (``/ask`` included: the gateway treats it as agent-to-agent from the routed agent).
        Whatever fails — a
        refused message, a full disk, an error nobody foresaw — is a line in the pane; the
        app goes on. Typed before the engine runs, it is sent once it does."""
        if not self._ready:
            self._held_lines.append(text)
            return
        stripped = text.strip()
        command = stripped.split(maxsplit=1)[0].lower() if stripped.startswith("/") else ""
        mistake = command_error(text)
        if mistake:
            self._set_notice(mistake)
            return
        try:
            if command in ("/new", "/reset"):  # OpenClaw's two names for one thing
                session_id = await self.gateway.new_session(self.inbox.key, self.peer)
                self.reload_history()
                self._set_notice(f"new session {session_id[:8]}")  # as the session list shows it
                return
            if command == "/export":
                fmt = _export_format(stripped)
                path = await self.gateway.export(self.inbox.key, self.peer,
                                                 "markdown" if fmt == "md" else fmt)
                self._set_notice(f"exported to {path}")
                self.app.notify(clean(f"Exported to {path}"), markup=False)
                return
            if command == "/sessions":
                self.show_sessions()
                return
            ticket = await self.gateway.send(self.inbox.key, self.peer, text)
        except ClawError as exc:
            self._set_notice(f"✖ {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a failed command must never end the app
            self.log.error("".join(traceback.format_exception(exc)))  # for ``textual console``
            self._set_notice("✖ " + one_line(f"{command or 'sending'} failed: "
                                             f"{type(exc).__name__}: {exc}", 200))
            return
        self.notice = None
        self.turns.setdefault(ticket.turn_id, PaneTurn(ticket.turn_id, ticket.session_key,
                                                       ticket.agent_id, text=text,
                                                       route=ticket.route))
        error = self.recent.remember(self.inbox.key, self.peer)
        if error:
            self._set_notice(f"✖ {error}")
        self._update_labels()

    def _set_notice(self, text: str | None) -> None:
        self.notice = text
        self._update_labels()

    # ------------------------------------------------------------- peer

    def open_peer_dialog(self) -> None:
        """F4: who you speak as. Attached to a gateway, the peers are the gateway's: F4 picks
        one of this account's sessions (``sessions.list``) instead."""
        if self.gateway.remote_url is not None:
            self.show_sessions()
            return

        def chosen(peer: PeerSpec | None) -> None:
            if peer is not None:
                self.set_peer(peer)

        self.app.push_screen(PeerDialog(channel=self.inbox.channel, label=self.inbox.label,
                                        peer=self.peer, recent=self.recent.get(self.inbox.key),
                                        preview=self.route_line), chosen)

    @on(PeerBar.Clicked)
    def _peer_clicked(self) -> None:
        self.open_peer_dialog()

    def set_peer(self, peer: PeerSpec) -> None:
        self.peer = peer
        error = self.recent.remember(self.inbox.key, peer)
        self.notice = f"✖ {error}" if error else None
        self.refresh_route()

    # ------------------------------------------------------------- sessions

    def show_sessions(self, *, select: str | None = None) -> None:
        """The session list of this pane (F9, ``/sessions``); the chosen one is opened."""
        from tui.screens.sessions import SessionsScreen

        shown = (self.route.agent_id, self.route.session_key) if self.route else None

        async def chosen(row: SessionRow | None) -> None:
            if row is not None:
                await self.open_session(row)

        self.app.push_screen(SessionsScreen(self.inbox, shown, select=select), chosen)

    def _peer_of(self, row: SessionRow) -> PeerSpec:
        """Who to speak as for ``row``'s session: the pane's peer or a recent one when it is
        the same peer (they keep guild, team and roles), else the stored one."""
        for peer in (self.peer, *self.recent.get(self.inbox.key)):
            routed = peer.peer
            if routed is not None and (routed.kind, routed.id) == (row.peer_kind, row.peer_id):
                return peer
        return PeerSpec(kind=row.peer_kind or "direct", id=row.peer_id or "",
                        display_name=row.display_name)

    async def open_session(self, row: SessionRow) -> bool:
        """Show ``row``'s session here, speaking as its peer; a retired one is reopened so the
        next messages go to it. Refused (a notice says why) while a reply runs here, or when
        that peer's messages are now routed to another session (the config changed)."""
        if self.turns:
            stop = keymap.keys_text(self.app, "main.interrupt", none="interrupt it")
            self._set_notice(f"✖ a reply is running in this pane: wait for it (or {stop}) "
                             "before switching sessions")
            return False
        peer = self._peer_of(row)
        try:
            route = self.gateway.route(self.inbox.key, peer)
            if (route.agent_id, route.session_key) != (row.agent_id, row.session_key):
                self._set_notice(f"✖ messages from {one_line(peer.label(), 30)} now go to "
                                 f"{route.agent_id} ({one_line(route.session_key, 50)}), not to "
                                 "that session; search still finds its messages")
                return False
            if not row.active:
                await self.gateway.reopen_session(row.agent_id, row.session_id)
        except ClawError as exc:
            self._set_notice(f"✖ {exc}")
            return False
        self.peer = peer
        error = self.recent.remember(self.inbox.key, peer)
        self.reload_history()
        self._set_notice(f"✖ {error}" if error else
                         None if row.active else f"reopened session {row.session_id[:8]}")
        return True

    def toggle_queue_mode(self) -> str:
        """Switch this inbox between ``followup`` (a message sent during a reply waits) and
        ``interrupt`` (it stops the reply); returns the new mode."""
        mode = "followup" if self.gateway.queue_mode(self.inbox.key) == "interrupt" else "interrupt"
        self.gateway.set_queue_mode(self.inbox.key, mode)
        self._update_labels()
        return mode

    # ------------------------------------------------------------- interrupts

    def interrupt(self) -> bool:
        """Esc: stop this pane's turn(s) now — also before the first token. Turns started
        here for another peer (the peer changed meanwhile) are stopped by session key."""
        done = False
        try:
            done = self.gateway.interrupt(self.inbox.key, self.peer, reason="user")
        except ClawError as exc:
            self._set_notice(f"✖ {exc}")
        current = self.route.session_key if self.route else None
        for key in {t.session_key for t in self.turns.values()} - {current}:
            done = self.gateway.interrupt(session_key=key, reason="user") or done
        if done:
            self._set_live_label("⏹ interrupting…")
            self._set_notice("⏹ interrupt requested")
        else:
            self._set_notice("nothing to interrupt")
        return done

    # ------------------------------------------------------------- events

    # The engine's events for this inbox arrive as messages (see ``tui/engine_messages.py``),
    # handled one at a time in order: the user message, the streamed reply and the final
    # message land in that order, and a slow step here holds up no other pane.

    def _turn_for(self, event: TurnEvent, agent_id: str = "") -> PaneTurn | None:
        """The pane's record of the event's turn: one it sent, or one another client started
        in the session it shows; None for a turn of another session."""
        turn = self.turns.get(event.turn_id)
        if turn is None and self.route is not None and event.session_key == self.route.session_key:
            turn = self.turns[event.turn_id] = PaneTurn(event.turn_id, event.session_key, agent_id)
        return turn

    def on_route_resolved(self, message: engine_messages.RouteResolved) -> None:
        event = message.event
        if (event.turn_id not in self.turns and not self.turns and self.route is not None
                and event.session_key != self.route.session_key):
            # A message from another peer of this account (a channel's inbound message on a
            # remote gateway) while nothing runs here: the pane turns to that conversation.
            self.set_peer(event.peer)
        # The route names the agent: a remote gateway routes before the send returns, so
        # this may be where the pane's turn (and its "<agent> is replying…") begins.
        turn = self._turn_for(message.event, message.event.route.agent_id)
        if turn is not None:
            turn.route = message.event.route
            self._update_labels()

    def on_turn_queued(self, message: engine_messages.TurnQueued) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is not None:
            turn.state, turn.position = "queued", event.position
            self._update_labels()

    async def on_turn_started(self, message: engine_messages.TurnStarted) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is None:
            return
        turn.state = "running"
        self._update_labels()
        await self._renewed(event.user_message)
        question = await self._drawn_ahead(event.user_message)
        if self._live_turn is None:  # the question and the reply's rows come in one step
            self._begin_live(turn, after=question)
        elif question is not None:
            self.history.append(question)

    def on_reply_delta(self, message: engine_messages.ReplyDelta) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is None:
            return
        if event.replace:  # the reply restated whole: it takes the place of what was shown
            turn.parts = [event.text]
        else:
            turn.parts.append(event.text)
        if turn.state != "streaming":
            turn.state = "streaming"
            self._update_labels()
        if self._live_turn is None:
            self._begin_live(turn)
        elif self._live_turn == turn.turn_id:
            if event.replace:
                self.history.set_live_text(event.text)
            else:
                self.history.append_live(event.text)

    def on_tool_call_started(self, message: engine_messages.ToolCallStarted) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is not None:
            turn.tools.append({**event.call, "running": True})
            if turn.state == "accepted":  # a run joined mid-way: its calls are its first news
                turn.state = "running"
                self._update_labels()
            if self._live_turn is None:
                self._begin_live(turn)
            self._show_live_tools(turn)

    def on_tool_call_progress(self, message: engine_messages.ToolCallProgress) -> None:
        """A running call's output so far: its line shows the end of it until it ends."""
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is None:
            return
        at = next((i for i, call in enumerate(turn.tools)
                   if call.get("running") and call.get("id") == event.call_id), None)
        if at is not None:
            turn.tools[at] = {**turn.tools[at], "output": event.output}
            self._show_live_tools(turn)

    def on_tool_call_finished(self, message: engine_messages.ToolCallFinished) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is None:
            return
        ended = dict(event.outcome)
        at = next((i for i, call in enumerate(turn.tools)
                   if call.get("running") and call.get("id") == ended.get("id")), None)
        if at is None:
            turn.tools.append(ended)
        else:
            turn.tools[at] = ended
        self._show_live_tools(turn)

    async def on_turn_finished(self, message: engine_messages.TurnFinished) -> None:
        turn = self._turn_for(message.event, message.event.agent_id)
        if turn is not None:
            event = message.event
            self.notice, self._renewal = self._renewal, None  # a renewal stays said
            from tui import hotlist  # loads with the first reply, not before the first frame

            kinds = hotlist.reply_kinds(event.message.content, self._mention_names())
            self._new_activity(mention="mention" in kinds)
            self._tell_screen(self.Notable(self, kinds, event.agent_id, event.message.content))
            await self._end(turn, event.message)

    async def on_turn_interrupted(self, message: engine_messages.TurnInterrupted) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is not None:
            self.notice = f"⏹ interrupted ({one_line(event.reason, 40)})"
            if event.message is None and turn.text:
                self.notice += f": {one_line(turn.text, 30)} was not sent"
            self._alert()
            await self._end(turn, event.message)

    async def on_turn_failed(self, message: engine_messages.TurnFailed) -> None:
        event = message.event
        turn = self._turn_for(event, event.agent_id)
        if turn is not None:
            self.notice = f"✖ {one_line(event.error, 120)}"
            self._alert()
            self._tell_screen(self.Notable(self, frozenset({"error"}), event.agent_id, event.error))
            await self._end(turn, event.message)

    async def _end(self, turn: PaneTurn, message: StoredMessage | None) -> None:
        """A turn ended: its reply goes into the history (in place of the live reply when it
        was the one shown live), and the next running turn, if any, goes live."""
        self.turns.pop(turn.turn_id, None)
        self._update_labels()
        if self._live_turn != turn.turn_id:
            await self._add_to_history(message)
            return
        self._ending = turn
        shown = await self._drawn_ahead(message)
        self._live_turn = self._ending = None
        # One step, no await in it: the live rows go and the reply takes their place in the
        # history, so no frame shows the pane without the reply.
        if shown is not None and turn.tools_open:  # read now: Ctrl+O may have come meanwhile
            self.history.open_tools(shown.id)
        self.history.end_live(shown)
        nxt = next((t for t in self.turns.values() if t.state in ("running", "streaming")), None)
        if nxt is not None:
            self._begin_live(nxt)

    async def _renewed(self, message: StoredMessage | None) -> None:
        """A message that begins a new session id after the shown one (the shown one expired
        under ``session.reset``) starts the view afresh, as ``/new`` does."""
        if message is None or message.seq != 1 or not self._shows(message):
            return
        if self.history.message_count and \
                self.history.messages[-1].session_id != message.session_id:
            self.history.set_messages([], has_older=False)
            self._renewal = f"new session {message.session_id[:8]} (the last one expired)"
            self._set_notice(self._renewal)

    async def _add_to_history(self, message: StoredMessage | None) -> None:
        shown = await self._drawn_ahead(message)
        if shown is not None:
            self.history.append(shown)

    async def _drawn_ahead(self, message: StoredMessage | None) -> StoredMessage | None:
        """``message`` drawn ahead (``_draw_ahead``) if this pane shows it, else None."""
        if message is None or not self._shows(message):
            return None
        await self._draw_ahead(message)
        return message

    def _begin_live(self, turn: PaneTurn, after: StoredMessage | None = None) -> None:
        """Show ``turn``'s reply live, with what it has streamed so far (``after``: its
        question, appended in the same step)."""
        self._live_turn = turn.turn_id
        self._live_label = f"{turn.agent_id} is replying…"
        self.history.start_live(self._live_label, self.live_text, self._live_tools(),
                                markdown=self._markdown_live, after=after)

    def set_markdown_live(self, markdown: bool) -> None:
        """The focused pane draws its live reply as Markdown; the others show it plain."""
        if markdown != self._markdown_live:
            self._markdown_live = markdown
            self.history.set_live_markdown(markdown, self.live_text)

    async def _draw_ahead(self, message: Any) -> None:
        """Draw a message into the history before it is shown: a short one at once, a long
        one on a worker thread, taking turns with the other panes (see ``DrawSlot``)."""
        if draws_on_thread(message):
            await self._draw_slot.run(lambda: self.history.prepare(message))
        else:
            await self.history.prepare(message)

    def _set_live_label(self, label: str) -> None:
        self._live_label = label
        self.history.set_live_label(label)

    def _live_tools(self) -> str | None:
        """The live reply's tool calls so far as their collapsed line (None: it made none)."""
        turn = self.turns.get(self._live_turn or "") or self._ending
        if turn is None or not turn.tools:
            return None
        from tui.widgets.tool_calls import summary_line  # loads with the first tool call

        return summary_line(turn.tools, turn.tools_open)

    def toggle_tools(self) -> bool:
        """Ctrl+O: expand or collapse the tool calls of the selected reply; with none selected,
        those of the reply streaming now (it lands in the history so), else of the latest
        reply that made any. False when no reply here made any."""
        turn = self.turns.get(self._live_turn or "") or self._ending
        if self.history.selected is None and turn is not None and turn.tools:
            turn.tools_open = not turn.tools_open
            self._show_live_tools(turn)
            return True
        return self.history.toggle_tools()

    def _show_live_tools(self, turn: PaneTurn) -> None:
        """A tool call of ``turn`` started or ended: its line in the live reply follows."""
        if turn.turn_id == self._live_turn:
            self.history.set_live_tools(self._live_tools())

    def _shows(self, message: Any) -> bool:
        return self.route is not None and message.session_key == self.route.session_key

    @property
    def live_text(self) -> str:
        """The reply streaming right now, as received (the turn keeps it; views show it)."""
        turn = self.turns.get(self._live_turn or "")
        return "".join(turn.parts) if turn else ""

    # ------------------------------------------------------------- activity

    def _mention_names(self) -> list[str]:
        from tui import hotlist

        return hotlist.mention_names(self.peer, self.gateway.config.tui.notify.words)

    def _new_activity(self, *, mention: bool = False) -> None:
        if not self.has_focus_within:
            self.unseen += 1
            self.mentions += mention
            self._tell_screen(self.ActivityChanged(self))

    def _alert(self) -> None:
        if not self.has_focus_within:
            self.alerts += 1
            self._tell_screen(self.ActivityChanged(self))

    def mark_seen(self) -> None:
        if self.unseen or self.alerts or self.mentions:
            self.unseen = self.alerts = self.mentions = 0
            self._tell_screen(self.ActivityChanged(self))

    def on_descendant_focus(self) -> None:
        self.mark_seen()

    @property
    def composer(self) -> Composer:
        """The pane's text box, made on first use (mounted by ``ensure_composer``); once made
        it keeps its text and input history for the pane's life."""
        if self._composer is None:
            from tui.widgets.composer import Composer  # Textual's text area: after the first frame

            self._composer = Composer(id="composer", check=command_error,
                                      placeholder=placeholder(getattr(self.app, "user_keymap", {})))
        return self._composer

    def ensure_composer(self) -> None:
        """Put the real text box in place of the stub (once; it stays)."""
        if not self._composer_mounted:
            self._composer_mounted = True
            self.mount(self.composer, after=self.composer_stub)
            self.composer_stub.remove()

    def focus_composer(self) -> None:
        self.ensure_composer()
        self.composer.focus()

    @on(ComposerStub.Wanted)
    def _stub_clicked(self) -> None:
        self.focus_composer()
