"""The Textual app over an engine (``engine.api.EngineAPI``; the embedded gateway here).

``run_app(args)`` resolves the state dir and config and runs the app; the gateway opens once
the app's first frame is out and closes after the app exits (``run_over_gateway``). The app
owns the one event pump: it reads the engine's event stream and posts each event as a message
(``tui/engine_messages.py``) to the pane of its inbox, the main screen or the app; widgets
never subscribe themselves, so a slow pane cannot make another one miss events. Reply text is
taken as it comes; while the user types, it merges in the engine's stream and is taken for one
group of panes at a time (``tui/live_pace.py``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.css.query import NoMatches
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from engine.api import StreamLagged
from engine.config.discovery import default_config_path, example_notice
from engine.errors import ClawError, ConfigError
from tui import engine_messages, keymap, textual_compat
from tui.engine_messages import EngineReady, message_for
from tui.heap import FullCollections, resume_collections, settle_heap
from tui.live_pace import ALL, TYPING_GRACE, LivePace, groups_of
from tui.pane_prefix import is_alt_digit, pane_keys
from tui.prefs import Prefs
from tui.recent_peers import RecentPeers
from tui.safe_text import clean, one_line
from tui.screen_text import screen_text
from tui.screens.main import AttachedMainScreen, MainScreen

if TYPE_CHECKING:
    from engine.api import EngineAPI, EventStream
    from engine.gateway.events import Event
    from engine.gateway.inbox import Inbox
    from tui.terminal_alert import Alerter
    from tui.widgets.pane import ChannelPane

WIDGET_CSS = [
    "app.tcss",
    "screens/main.tcss",  # the default screen: Textual loads CSS_PATH only for pushed screens
    "widgets/pane.tcss",
    "widgets/history_view.tcss",
    "widgets/clone_panel.tcss",
    "widgets/sidebar.tcss",
    "widgets/pane_tabs.tcss",
]


SWITCH_INTERVAL = 0.0005
"""Seconds the event loop may hold the interpreter while another thread waits for it.
Textual writes each frame to the terminal from a thread of its own, which needs the
interpreter three times per frame (to take it from its queue, to write it, after the flush);
at Python's 5 ms, a busy loop held each frame back up to 15 ms (with 8 panes streaming, 7 ms
on average in the slowest hundredth, against 1 ms at 0.5 ms: ``bench/attach.py``)."""

HOLD_KEYS_AT_MOST = 1.0  # seconds keys wait for focus to land before they go on regardless


def default_time_format(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


class ClawApp(App[int]):
    """claw-tui: one pane per channel account over a gateway."""

    TITLE = "claw-tui"
    CSS_PATH = WIDGET_CSS
    BINDINGS = keymap.bindings("app")
    ESCAPE_TO_MINIMIZE = False  # Esc interrupts; F2 un-zooms

    def __init__(self, gateway: EngineAPI, *, state_dir: Path, theme: str | None = None,
                 format_time: Callable[[float], str] | None = default_time_format,
                 clone_refresh: float = 1.0, save_as_path: Path | None = None,
                 own_gateway: bool = False) -> None:
        super().__init__()
        self.own_gateway = own_gateway
        self._gateway_worker: Worker[None] | None = None  # own_gateway: waited for at exit
        self.first_frame = asyncio.Event()  # set once the first frame is on the screen
        # Set once the gateway runs: the event pump then tells the panes (``EngineReady``).
        self.gateway_ready = asyncio.Event()
        self.gateway = gateway
        self.state_dir = Path(state_dir)
        self.recent_peers = RecentPeers.for_state_dir(self.state_dir)
        self.prefs = Prefs.for_state_dir(self.state_dir)
        self._saving_theme = False  # set once the start-up theme is in: later changes are picks
        self._alerter: Alerter | None = None  # made with the first alert (``alerter``)
        self.format_time = format_time
        self.clone_refresh = clone_refresh
        self._requested_theme = theme
        self.user_keymap: dict[str, str] = {}  # tui.keymap overrides, applied in on_mount
        self.alt_digit_seen = False  # an Alt+digit arrived as a key (F1 says what works here)
        self.last_key_at = float("-inf")  # monotonic time of the last key, from any screen
        # Keys that wait for focus to land (``hold_keys``); held from the start until the
        # first text box has focus, so type-ahead reaches it.
        self._held_keys: list[events.Key] | None = []
        self._holds = 0  # counts holds, so a stale fallback timer releases nothing
        self._collections = FullCollections()
        # Where "save as" writes when the built-in example is edited.
        self.save_as_path = save_as_path or default_config_path(self.state_dir)

    # ------------------------------------------------------------------ start

    def on_mount(self) -> None:
        config = self.gateway.config
        if self.own_gateway:
            self._gateway_worker = self.run_worker(self._run_gateway(), name="gateway",
                                                   group="gateway")
        elif self.gateway.running:
            self.gateway_ready.set()
        # else the caller opens it and sets ``gateway_ready`` (``run_app``: after the first frame)
        textual_compat.log_fallbacks(self)
        self._apply_keymap()
        self._apply_theme(self._requested_theme or self.prefs.theme_for(config.tui.theme))
        self._saving_theme = True
        self._update_header()
        self.run_worker(self._pump(), name="gateway-events", group="events")
        self.set_interval(2.0, lambda: self._collections.tick(self.last_key_at), name="gc")
        if self.clone_refresh > 0:
            self.set_interval(self.clone_refresh, self._refresh_clones, name="clone-refresh")
        if config.is_example:
            notice = example_notice(self.state_dir)
            editor = keymap.keys_text(self, "app.routing_editor",
                                      none="the palette's Routing editor")
            self.notify(notice[:1].upper() + notice[1:]
                        + f"; {editor} edits the routing and can save it there.",
                        markup=False, timeout=8)
        if self.recent_peers.load_error:
            self.notify(self.recent_peers.load_error, severity="warning", markup=False)
        for problem in self.prefs.problems:
            self.notify(problem, severity="warning", markup=False)

    def on_ready(self) -> None:
        """The first frame is out: the collector may run again (paused by the entry point),
        the gateway may open (``run_over_gateway`` and ``_run_gateway`` wait for this) and the
        first pane's text box is made and focused."""
        resume_collections()
        # Textual sends Ready once the first layout is done, which can be just before that
        # frame is written; what comes after it must not delay it.
        self.call_after_refresh(self._first_frame_shown)

    def _first_frame_shown(self) -> None:
        self.first_frame.set()
        from tui.warm_up import warm_up

        self.run_worker(warm_up, thread=True, name="warm-up", group="warm-up",
                        exit_on_error=False)
        self._release_keys_later(self._holds)  # should the first focus never come
        try:
            self.main.first_frame_shown()
        except LookupError:
            pass

    def _apply_keymap(self) -> None:
        config = self.gateway.config
        usable, problems = keymap.validate_keymap(config.tui.keymap,
                                                  file=Path(config.path).name if config.path else "")
        self.user_keymap = usable  # widgets that act on keys in order read it (the composer)
        self.set_keymap(usable)
        for problem in problems:
            self.notify(problem.format(), severity="warning", markup=False)

    def _apply_theme(self, name: str | None) -> None:
        if not name:
            return
        if name in self.available_themes:
            self.theme = name
        else:
            known = ", ".join(sorted(self.available_themes))
            self.notify(f'Unknown theme "{one_line(name, 40)}" (known: {known}).',
                        severity="warning", markup=False)

    @property
    def alerter(self) -> Alerter:
        """The bell and desktop notifications as ``tui.notify`` has them, made on first use
        (not on the way to the first frame) and again after a config reload."""
        if self._alerter is None:
            from tui.terminal_alert import Alerter

            self._alerter = Alerter(self.gateway.config.tui.notify, os.environ,
                                    bell=lambda: self.bell(),
                                    write=lambda text: self.write_terminal(text))
        return self._alerter

    def write_terminal(self, text: str) -> bool:
        return textual_compat.write_to_terminal(self, text)

    def alert(self, inbox: Inbox, kinds: frozenset[str], who: str, text: str, *,
              looking: bool, peer: str | None = None) -> bool:
        """Ring and/or notify for activity of ``kinds`` in ``inbox``'s pane (speaking as
        ``peer``) if ``tui.notify`` wants it; True when it did."""
        from tui import hotlist  # loads with the first activity, not before the first frame

        if not hotlist.wanted(self.alerter.rules, inbox.key, kinds, looking=looking, peer=peer):
            return False
        notice = hotlist.Notice.of(hotlist.top(kinds), inbox.label, who, text)
        return self.alerter.alert(inbox.key, notice)

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the palette (or set by the app after start-up) is saved."""
        if self._saving_theme:
            self.report_pref_error(self.prefs.pick_theme(theme, self.gateway.config.tui.theme))

    def report_pref_error(self, error: str | None) -> None:
        if error:
            self.notify(error, severity="warning", markup=False)

    def _update_header(self) -> None:
        config = self.gateway.config
        if self.gateway.remote_url is not None:
            self.sub_title = clean(f"gateway {self.gateway.remote_url}")
            return
        self.sub_title = "built-in example" if config.is_example or not config.path else clean(config.path)

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        """Every notice is cleaned: many quote a path, an id or an error from a config file, and
        a toast draws its text as it is."""
        super().notify(clean(message), title=clean(title), **kwargs)

    def screen_text(self) -> str:
        """The current screen as plain text (tests and the tmux-free smoke checks read it)."""
        return screen_text(self)

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    def get_default_screen(self) -> Screen:
        """The main screen is the app's first screen (no blank default screen first)."""
        return AttachedMainScreen() if self.gateway.remote_url is not None else MainScreen()

    async def on_unmount(self) -> None:
        """``own_gateway=True``: Textual cancels workers at exit without waiting for them, and
        the caller's event loop may end (or close) as soon as the app returns. Wait here for
        the gateway's close, so its stores finish the queries and writes in flight: a SQLite
        thread finishing one later hands its result to a closed loop."""
        worker = self._gateway_worker
        if worker is not None:
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass  # cancelled at exit is the usual way; a failure was reported when it failed

    async def _run_gateway(self) -> None:
        """``own_gateway=True``: the app opens the gateway itself and closes it when it exits
        (for callers that run the app in its own event loop, like ``App.run`` in snapshot
        tests). ``run_app`` opens the gateway around the app instead, so shutdown waits for
        running turns to store their partial replies. Either way it opens after the first
        frame."""
        await self.first_frame.wait()
        async with self.gateway:
            self.gateway_ready.set()
            await asyncio.Event().wait()

    # ------------------------------------------------------------------ events

    async def _pump(self) -> None:
        """Post the engine's events as messages until the app stops; resync after the stream
        lagged. Subscribed at once, read once the engine runs: nothing it emits is missed,
        and waiting on its stream starts no work before the first frame."""
        stream = self.gateway.subscribe()
        try:
            await self.gateway_ready.wait()
            self._post_ready()
            while True:
                try:
                    await self._post_events(stream)
                    return
                except StreamLagged:
                    stream.close()
                    stream = self.gateway.subscribe()  # before the resync: miss nothing
                    self.notify("The display fell behind the gateway; resynchronised.",
                                severity="warning")
                    self._resync()
        finally:
            stream.close()

    async def _post_events(self, stream: EventStream) -> None:
        """Every event as it comes, except reply text while the user types, which stays in
        the stream (merging) until its pane's group is due (``LivePace``)."""
        pace = LivePace()
        loop = asyncio.get_running_loop()
        while True:
            due = pace.due(loop.time(), self._typing())
            hold: Callable[[Any], bool] | None = None
            if due != ALL:  # the user types: only the due group's text goes now
                groups = groups_of([pane.inbox.key for pane in self._panes()])
                hold = lambda delta: groups.get(delta.inbox_key, due) != due  # noqa: E731
            for event in stream.drain(hold=hold):
                self._post_event(event)
            if not await stream.wait(pace.wait(loop.time()) if stream.pending else None):
                return

    def _panes(self) -> list[ChannelPane]:
        try:
            return self.main.panes
        except LookupError:
            return []

    def _post_ready(self) -> None:
        for pane in self._panes():
            pane.post_message(EngineReady())

    def _post_event(self, event: Event) -> None:
        """Post ``event`` as its message to the widget it concerns."""
        message = message_for(event)
        if message is None:
            return
        try:
            main = self.main
        except LookupError:
            return  # no main screen yet, or it is being torn down at exit
        target: MessagePump | None
        if message.FOR == "pane":
            target = main.pane_for(event.inbox_key)  # type: ignore[attr-defined]
        else:
            target = main if message.FOR == "screen" else self
        if target is not None:
            target.post_message(message)

    def on_config_reloaded(self, _message: engine_messages.ConfigReloaded) -> None:
        self._update_header()
        self._alerter = None  # made again from the reloaded config
        try:
            self.main.reroute_all()
        except LookupError:
            return
        self.notify("Config reloaded; panes route with it from the next message.")

    def on_engine_connection(self, message: engine_messages.EngineConnection) -> None:
        """The remote gateway's link went down or came back: the main screen's banner."""
        try:
            self.main.post_message(engine_messages.EngineConnection(message.event))
        except LookupError:
            pass

    def on_config_rejected(self, message: engine_messages.ConfigRejected) -> None:
        lines = "\n".join(p.format() for p in message.event.errors[:6])
        self.notify(f"Config change rejected; still using the previous config:\n{lines}",
                    severity="error", markup=False, timeout=10)

    def on_agent_message(self, message: engine_messages.AgentMessage) -> None:
        event = message.event
        if event.allowed:
            self.notify(f"{event.from_agent} → {event.to_agent}: {one_line(event.text, 80)}",
                        title="agent-to-agent", markup=False)
        else:
            self.notify(f"{event.from_agent} → {event.to_agent} denied: "
                        f"{one_line(event.reason or '', 80)}",
                        title="agent-to-agent", severity="warning", markup=False)

    def _typing(self) -> bool:
        return time.monotonic() - self.last_key_at < TYPING_GRACE

    async def on_event(self, event: events.Event) -> None:
        # Every key from the terminal comes here first, whatever has focus (a key a widget
        # did not handle comes back later, forwarded).
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.last_key_at = time.monotonic()
            self.alt_digit_seen = self.alt_digit_seen or is_alt_digit(event.key)
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            if await self._after_prefix(event):
                return
        await super().on_event(event)

    async def _after_prefix(self, key: events.Key) -> bool:
        """The key after the pane prefix (Ctrl+X) is the prefix's, whatever has focus."""
        screen = self.screen
        if isinstance(screen, MainScreen) and screen.prefix_pending:
            await screen.take_prefixed(key.key)
            return True
        return False

    def hold_keys(self) -> None:
        """Focus is about to move to another pane (``MainScreen.focus_pane``): the keys after
        the one that moved it wait until it lands (``focus_landed``), so each reaches the
        widget that had focus where it was typed. Tab runs as the app takes it from its queue
        (a priority binding), but Textual moves focus on a later turn of that queue, so keys
        typed right after Tab would reach the old text box; at start, before the first text
        box exists, keys would reach none and be lost."""
        if self._held_keys is None:
            self._held_keys = []
            self._holds += 1
            self._release_keys_later(self._holds)

    def focus_landed(self) -> None:
        """The main screen calls this on every focus change: held keys go on, in order."""
        if self._held_keys is not None:
            # behind the keys queued so far (they are held) and the focus move itself
            self.call_later(self._release_keys, self._holds)

    def _release_keys_later(self, hold: int) -> None:
        """Should focus never land, held keys go on after ``HOLD_KEYS_AT_MOST`` seconds."""
        self.set_timer(HOLD_KEYS_AT_MOST, lambda: self.call_later(self._release_keys, hold),
                       name="held-keys")

    async def _release_keys(self, hold: int) -> None:
        """Handle the held keys in order, in the app's own queue, as if they came now; a key
        among them that moves focus again holds the rest behind it. Only for the hold that
        asked (a later one waits for its own focus)."""
        if hold != self._holds:
            return
        held, self._held_keys = self._held_keys, None
        for index, key in enumerate(held or ()):
            if not await self._after_prefix(key):
                await super().on_event(key)  # the priority bindings, then the focused widget
            if self._held_keys is not None:
                self._held_keys[:0] = held[index + 1:]  # type: ignore[index]
                return

    def _refresh_clones(self) -> None:
        try:
            self.main.clone_panel().sync(self.gateway.clone_snapshots())
        except (LookupError, NoMatches):
            pass

    def _resync(self) -> None:
        """After lost events: the clone panel, and each pane's turns and history, as the
        engine has them now (read right after the new subscription: no await between)."""
        self._refresh_clones()
        live = self.gateway.live_turns()
        for pane in self._panes():
            pane.post_message(engine_messages.EngineResynced(
                [turn for turn in live if turn.inbox_key == pane.inbox.key]))

    # ------------------------------------------------------------------ actions

    def _showing(self, kind: type[Screen]) -> bool:
        """Whether a screen of this kind is open, on top or under a dialog."""
        return any(isinstance(screen, kind) for screen in self.screen_stack)

    def action_command_palette(self) -> None:
        """Textual opens its palette unless it is on top; one under another screen (help
        opened from it) would be opened twice, and the app end on its duplicate id."""
        from textual.command import CommandPalette

        if not self._showing(CommandPalette):
            super().action_command_palette()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)  # the help key closes it, as it opened it
        else:
            self.push_screen(HelpScreen())

    async def action_routing_editor(self) -> None:
        from tui.screens.routing_editor import RoutingEditor

        if not self._showing(RoutingEditor):  # (a dialog of its own may be over it)
            try:
                editor = await RoutingEditor.open_for(self)
            except ClawError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            if not self._showing(RoutingEditor):
                self.push_screen(editor)

    def action_search(self) -> None:
        from tui.screens.search import SearchScreen

        if self._showing(SearchScreen):
            return
        pane = self._focused_pane()
        agent = pane.route.agent_id if pane is not None and pane.route is not None else None
        self.push_screen(SearchScreen(agent), self._search_result)

    def _search_result(self, hit: Any) -> None:
        if hit is None:
            return
        self.jump_to_hit(hit)

    @work(group="jump", exclusive=True)
    async def jump_to_hit(self, hit: Any) -> None:
        """Enter on a search result: focus the pane showing that session — or the pane of its
        channel account, switched to its peer — and select the message there, once the pages
        up to it are loaded. A hit in a retired session opens the pane's session list on it."""
        main = self.main
        message = hit.message
        try:
            rows = await self.gateway.sessions(agent_id=hit.agent_id, include_reset=True)
        except ClawError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        row = next((r for r in rows if r.session_id == message.session_id), None)
        pane = next((p for p in main.panes if p.route is not None
                     and (p.route.agent_id, p.route.session_key) == (hit.agent_id,
                                                                     message.session_key)), None)
        if pane is None and row is not None:
            pane = main.pane_for(f"{row.channel}:{row.account_id}")
        if pane is None:
            self.notify(f"{hit.agent_id}: {one_line(message.session_key, 60)} belongs to no "
                        "pane (its channel account is not in the config).", markup=False)
            return
        main.focus_pane(pane)
        if row is not None and not row.active:
            self.notify("That message is in an earlier session: Enter reopens it.", markup=False)
            pane.show_sessions(select=row.session_id)
            return
        if pane.route is None or pane.route.session_key != message.session_key:
            if row is None or not await pane.open_session(row):
                return
        try:  # done when the hit is selected (or another jump or a session switch took over)
            await pane.select_message(message).wait()
        except (WorkerCancelled, WorkerFailed):
            pass

    def _focused_pane(self) -> "ChannelPane | None":
        try:
            return self.main.focused_pane
        except LookupError:
            return None

    def show_explanation(self, pane: "ChannelPane", message: Any) -> None:
        from tui.screens.explain import ExplainScreen

        self.push_screen(ExplainScreen(pane, message))

    # ------------------------------------------------------------------ palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        in_force = keymap.in_force(self.user_keymap)

        def keys(help: str, binding_id: str, *also: str) -> str:
            """``help`` and how else to do it: the binding's keys as remapped, if it has any."""
            ways = [keymap.shown_keys(in_force[binding_id], none=""), *also]
            ways = [way for way in ways if way]
            return f"{help} ({', '.join(ways)})" if ways else help

        # What acts on "the focused pane" only from the main screen: from the routing editor
        # or a dialog it would act on a pane out of sight.
        main = screen if isinstance(screen, MainScreen) else None
        yield SystemCommand("Routing editor", keys("Edit bindings, default agent, agent-to-agent",
                                                   "app.routing_editor"),
                            self.action_routing_editor)
        yield SystemCommand("Search messages", keys("Full-text search in one agent or all",
                                                    "app.search"), self.action_search)
        yield SystemCommand("Help: keys", keys("Every key and its binding id", "app.help"),
                            self.action_help)
        if main is None:
            return
        yield SystemCommand("Interrupt", keys("Interrupt the focused pane's reply",
                                              "main.interrupt"), main.action_interrupt)
        yield SystemCommand("Next pane with activity", keys("Errors and interrupts first",
                                                            "main.next_activity"),
                            main.action_next_activity)
        yield SystemCommand("Zoom pane", keys("Focused pane full-screen, and back", "main.zoom"),
                            main.action_zoom)
        yield SystemCommand("Explain route", keys("Route explanation for the selected message",
                                                  "main.explain"), main.action_explain)
        yield SystemCommand("Change peer", keys("Who you speak as in the focused pane",
                                                "main.peer"), main.action_edit_peer)
        yield SystemCommand("Queue mode", keys("Focused pane: a message sent during a reply "
                                               "waits or interrupts it", "main.queue_mode"),
                            main.action_toggle_queue_mode)
        yield SystemCommand("Toggle clone panel", keys("Show or hide the clone table",
                                                       "main.toggle_clones"),
                            main.action_toggle_clones)
        yield SystemCommand("Toggle sidebar", keys("Show or hide the pane list",
                                                   "main.toggle_sidebar"),
                            main.action_toggle_sidebar)
        yield SystemCommand("Next pane", keys("Focus the next pane", "main.next_pane"),
                            main.action_next_pane)
        yield SystemCommand("Previous pane", keys("Focus the previous pane", "main.prev_pane"),
                            main.action_prev_pane)
        yield SystemCommand("Sessions", keys("Sessions of the focused pane, earlier ones too: "
                                             "open or reopen one", "main.sessions", "/sessions"),
                            main.action_sessions)
        yield SystemCommand("New session", "Start a new session in the focused pane (/new)",
                            lambda: self._composer_command("/new"))
        yield SystemCommand("Export session (Markdown)", "Write the focused pane's session to a file",
                            lambda: self._composer_command("/export markdown"))
        yield SystemCommand("Export session (JSONL)", "Write the focused pane's session as JSONL",
                            lambda: self._composer_command("/export jsonl"))
        yield SystemCommand("Reload config", "Re-read the config file now",
                            self._reload_config)
        for pane in main.panes:
            yield SystemCommand(f"Go to pane {pane.number}: {one_line(pane.inbox.label, 40)}",
                                pane_keys(self.user_keymap, pane.number),
                                lambda p=pane: main.focus_pane(p))

    def _composer_command(self, line: str) -> None:
        pane = self._focused_pane()
        if pane is not None:
            self.run_worker(pane.submit(line), group="palette")

    def _reload_config(self) -> None:
        async def reload() -> None:
            try:
                ok = await self.gateway.reload()
            except ClawError as exc:  # e.g. the built-in example has no file to re-read
                self.notify(str(exc), severity="error", markup=False)
                return
            if not ok:
                self.notify("The config was not reloaded (see the error above).", severity="warning")

        self.run_worker(reload(), group="palette")


# ---------------------------------------------------------------------- entry point


def _resolve(args: Any) -> tuple[Path, Any]:
    from engine.config.discovery import load_effective_config, resolve_state_dir

    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    config = load_effective_config(getattr(args, "config", None), state_dir)
    return state_dir, config


def _save_as_path(args: Any, state_dir: Path) -> Path:
    """Where "save as" puts an edited built-in example: --config if it was given (and is
    missing), else the first place discovery looks: ``<state>/clawdbot.json``."""
    arg = getattr(args, "config", None)
    return Path(arg).expanduser() if arg else default_config_path(state_dir)


async def run_over_gateway(app: ClawApp, gateway: EngineAPI, **run_options: Any) -> int:
    """Run ``app`` over a gateway that is not open yet. The window comes first: the gateway
    opens (its task group and config watcher; stores and model clients load on first use)
    once the app's first frame is out, and closes after the app exits, so running turns can
    store their partial replies. Until then panes hold their history and what is sent, until
    ``EngineReady`` reaches them. Opening it first cost about 50 ms of CPU before the first
    frame (``bench/README.md``). ``run_options`` go to ``App.run_async``."""
    app_run = asyncio.ensure_future(app.run_async(**run_options))
    shown = asyncio.ensure_future(app.first_frame.wait())
    await asyncio.wait((app_run, shown), return_when=asyncio.FIRST_COMPLETED)
    shown.cancel()
    if not app_run.done():
        try:
            async with gateway:
                app.gateway_ready.set()
                await app_run
        finally:
            if not app_run.done():  # the gateway failed: the app cannot go on without it
                app.exit(1)
                await app_run
    await app_run  # the app's own error, if it ended with one
    return int(app.return_code or 0)


async def _run_attached(args: Any) -> int:
    """``--gateway URL``: the app over a running OpenClaw gateway. It connects before the
    window opens (the panes are the gateway's channel accounts), so a gateway that cannot be
    reached, refuses the token, speaks another protocol or lacks a scope is one line and exit
    2; once running, a lost link is a banner while the client reconnects."""
    from engine.config.discovery import resolve_state_dir

    try:
        from engine.remote.connection import Auth
        from engine.remote.credentials import resolve_target
        from engine.remote.engine import RemoteEngine
    except ImportError as exc:  # websockets / cryptography: the gateway extra
        raise ClawError(f"attaching to a gateway needs the gateway extra ({exc.name} is "
                        "missing): pip install 'claw-tui[gateway]'") from None

    target = resolve_target(gateway=args.gateway, token_file=getattr(args, "token_file", None),
                            password_file=getattr(args, "password_file", None),
                            tls_fingerprint=getattr(args, "tls_fingerprint", None))
    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    engine = RemoteEngine(target.url, auth=Auth(token=target.token, password=target.password),
                          state_dir=state_dir, tls_pin=target.tls_pin)
    await engine.connect()
    app = ClawApp(engine, state_dir=state_dir, theme=getattr(args, "theme", None))
    return await run_over_gateway(app, engine)


async def _run(args: Any, state_dir: Path, config: Any) -> int:
    from engine.gateway.gateway import Gateway

    app = ClawApp(Gateway(config, state_dir), state_dir=state_dir,
                  theme=getattr(args, "theme", None), save_as_path=_save_as_path(args, state_dir))
    return await run_over_gateway(app, app.gateway)


def run_app(args: Any) -> int:
    """Open the app. Config problems print every ``file:line:col: path: message`` line and
    exit 2 — no traceback (unless ``--debug`` and the error is not a user error); messages are
    cleaned (they quote paths and config text)."""
    debug = bool(getattr(args, "debug", False))
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        if getattr(args, "gateway", None):
            settle_heap()
            return asyncio.run(_run_attached(args))
        state_dir, config = _resolve(args)
        settle_heap()
        return asyncio.run(_run(args, state_dir, config))
    except ConfigError as exc:
        for problem in exc.problems:
            print(clean(f"claw-tui: {problem.format()}"), file=sys.stderr)
        if not exc.problems:
            print(clean(f"claw-tui: {exc}"), file=sys.stderr)
        return 2
    except ClawError as exc:
        print(clean(f"claw-tui: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a bare traceback
        if debug:
            raise
        print(clean(f"claw-tui: internal error: {type(exc).__name__}: {exc} (run with --debug "
                    "for details)"), file=sys.stderr)
        return 1
