"""The main screen: the sidebar, one pane per inbox in a grid, and the clone panel.

The grid picks 1–4 columns from its width (and never more columns than panes); F2 zooms the
focused pane to the whole screen and back. Keys that act on "the focused pane" resolve it
from the focus chain, so they work from the composer, the history or the peer bar alike.
"""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING, Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from tui import engine_messages, keymap
from tui.frame_timer import OnTimeFrames
from tui.pane_prefix import PROMPT, action_after_prefix
from tui.safe_text import content
from tui.widgets.clone_panel import ClonePanel
from tui.widgets.key_bar import KeyBar
from tui.widgets.pane import ChannelPane
from tui.widgets.draw_slot import DrawSlot
from tui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from engine.gateway.inbox import Inbox
    from tui.app import ClawApp
    from tui.widgets.pane_tabs import PaneTabs

MIN_PANE_WIDTH = 44
MIN_PANE_HEIGHT = 10
NARROW_BELOW = 100
"""Columns below which the layout collapses: the sidebar's 26 columns would leave a pane
under 74 (under 70 for the text of a message) and take a third of the screen."""
SHORT_BELOW = 30
"""Rows below which the layout collapses: the header and the clone panel's 8 rows would
leave a pane under 20 rows (under 15 of history), and two stacked panes 5 each."""


class PaneGrid(Container):
    """The pane grid; re-picks its column count whenever its own size changes."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen._layout_grid()


def columns_for(width: int, panes: int) -> int:
    """1–4 columns: as many as fit at MIN_PANE_WIDTH, never more than there are panes."""
    return max(1, min(4, panes, width // MIN_PANE_WIDTH))


class MainScreen(OnTimeFrames, Screen):
    """Styles: ``main.tcss`` beside this file, loaded by the app (this is its default screen).

    Below ``NARROW_BELOW`` columns or ``SHORT_BELOW`` rows the screen has the class
    ``-narrow`` or ``-short`` (Textual's breakpoints, re-applied on every resize) and the
    layout collapses (``collapsed``): one pane at a time under a pane switcher line, the
    sidebar and the clone panel overlays on their keys (Ctrl+B, F5)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT_BELOW, "-tall")]

    BINDINGS = keymap.bindings("main")
    AUTO_FOCUS = "ChannelPane Composer"  # on a resume with nothing focused; at start: first_frame_shown

    def __init__(self) -> None:
        super().__init__(id="main")
        self._focused_pane: ChannelPane | None = None
        self._zoomed: ChannelPane | None = None
        self._prefix_pending = False
        self._panes: list[ChannelPane] = []
        self._by_inbox: dict[str, ChannelPane] = {}
        self._sidebar = Sidebar(id="sidebar")
        self._clones = ClonePanel(id="clones", runs=self.claw.gateway.remote_url is not None)
        self._banner: Static | None = None  # a remote gateway's link is down
        self._tabs: PaneTabs | None = None  # made when the layout first collapses (_show_tabs)
        self._resumed_once = False
        self._draw_slot = DrawSlot()

    @property
    def claw(self) -> "ClawApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.claw
        self._set_breakpoint_classes(app.size.width, app.size.height)
        yield Header(show_clock=False, icon="≡")
        if self.collapsed:
            yield self._make_tabs()
        with Horizontal(id="body"):
            yield self._sidebar
            with Vertical(id="main-col"):
                with PaneGrid(id="grid"):
                    for inbox in self._in_saved_order(app.gateway.inboxes):
                        yield self._new_pane(inbox)
                yield self._clones
        yield KeyBar()

    def _set_breakpoint_classes(self, width: int, height: int) -> None:
        """The classes Textual's breakpoints give this size, set before anything is styled:
        set by the first Resize instead, they restyled the whole screen before the first
        frame (as the restyle ``on_screen_resume`` skips; about 8 ms of CPU here)."""
        for size, breakpoints in ((width, self.HORIZONTAL_BREAKPOINTS),
                                  (height, self.VERTICAL_BREAKPOINTS)):
            current = [name for at, name in breakpoints if size >= at][-1]
            for _, name in breakpoints:
                self.set_class(name == current, name, update=False)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Runs before ``Screen``'s own handler (a subclass's handlers come first). On a
        resume Textual restyles the whole screen in case the CSS changed while it was covered;
        on the first one nothing was covered and every widget was styled as it mounted —
        restyling them all again cost 15-35 ms of CPU before the first frame
        (``bench/README.md``). Later resumes (after a dialog or the editor) restyle as usual."""
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        prefs = self.claw.prefs
        self._sidebar.set_class(prefs.sidebar is False, "-hidden")
        self._clones.set_class(prefs.clones is False, "-hidden")
        if prefs.pane_order:  # accounts new since then keep the numbers they got now
            self.claw.report_pref_error(prefs.set_pane_order([p.inbox.key for p in self._panes]))
        panes = self.panes
        if panes:  # its text box is made and focused after the first frame
            self._set_focused(panes[0])
        self._layout_grid()
        self.refresh_sidebar()
        self._clones.sync(self.claw.gateway.clone_snapshots())

    # ------------------------------------------------------------------ panes

    @property
    def panes(self) -> list[ChannelPane]:
        """Panes in order (kept in a list: a DOM query per event would cost more than the
        event itself once Markdown blocks are in the tree)."""
        return list(self._panes)

    def _new_pane(self, inbox: "Inbox") -> ChannelPane:
        """The pane for ``inbox``, numbered after the existing ones and registered."""
        app = self.claw
        pane = ChannelPane(app.gateway, inbox, len(self._panes) + 1, recent=app.recent_peers,
                           format_time=app.format_time, draw_slot=self._draw_slot)
        if not self._panes:  # shown first (``on_mount``): classed before it is styled
            pane.add_class("-current", update=False)
        self._panes.append(pane)
        self._by_inbox[inbox.key] = pane
        return pane

    def _in_saved_order(self, inboxes: Sequence["Inbox"]) -> list["Inbox"]:
        """The inboxes with the saved pane order first: panes added while the app ran keep
        their numbers after a restart, though the config lists their accounts earlier."""
        by_key = {inbox.key: inbox for inbox in inboxes}
        return [by_key[key] for key in self.claw.prefs.ordered(list(by_key))]

    def pane_for(self, inbox_key: str) -> ChannelPane | None:
        return self._by_inbox.get(inbox_key)

    async def add_panes(self) -> None:
        """Mount panes for inboxes a reloaded config added (existing panes stay); the engine
        runs (it reloaded the config), so they may load their history at once."""
        app = self.claw
        grid = self.query_one("#grid")
        for inbox in app.gateway.inboxes:
            if inbox.key not in self._by_inbox:
                pane = self._new_pane(inbox)
                await grid.mount(pane)
                pane.post_message(engine_messages.EngineReady())
        app.report_pref_error(app.prefs.set_pane_order([pane.inbox.key for pane in self._panes]))
        self._layout_grid()
        self.refresh_sidebar()

    @property
    def focused_pane(self) -> ChannelPane | None:
        node = self.focused
        while node is not None:
            if isinstance(node, ChannelPane):
                return node
            node = node.parent  # type: ignore[assignment]
        return self._focused_pane

    def focus_pane(self, pane: ChannelPane) -> None:
        if self._zoomed is not None and self._zoomed is not pane:
            self.minimize()
            self._zoomed = None
        if self.focused is not pane.composer:  # keys typed after this wait for the new focus
            self.claw.hold_keys()
        self._set_focused(pane)  # first: in the collapsed layout this shows the pane
        pane.focus_composer()
        pane.mark_seen()

    def first_frame_shown(self) -> None:
        """The app's first frame is out: now the focused pane gets its text box, and focus."""
        if self.focused is None and self._focused_pane is not None:
            self.focus_pane(self._focused_pane)

    def on_descendant_focus(self) -> None:
        self.claw.focus_landed()
        pane = self.focused_pane
        if pane is not None and pane is not self._focused_pane:
            pane.ensure_composer()  # focus came by Tab or a click: the pane gets its text box
            self._set_focused(pane)

    def _set_focused(self, pane: ChannelPane) -> None:
        """The focused pane streams its reply through Markdown, the others into the last rows
        of their history (``HistoryView.start_live``)."""
        old, self._focused_pane = self._focused_pane, pane
        if old is not None and old is not pane:
            old.set_markdown_live(False)
            old.remove_class("-current")
        pane.add_class("-current")  # the pane the collapsed layout shows
        pane.set_markdown_live(True)
        self.refresh_sidebar()

    def refresh_sidebar(self) -> None:
        if self._sidebar.is_attached:  # not before compose or during teardown
            self._sidebar.show(self._panes, self._focused_pane)
            if self._tabs is not None:
                self._tabs.show(self._panes, self._focused_pane)

    @on(ChannelPane.ActivityChanged)
    def _activity(self) -> None:
        self.refresh_sidebar()

    @on(ChannelPane.Notable)
    def _notable(self, event: ChannelPane.Notable) -> None:
        """Activity in a pane: an alert when it is not the one you are looking at (another
        pane has the focus, or the terminal does not)."""
        from tui import hotlist  # loads with the first activity, not before the first frame

        looking = event.pane is self.focused_pane and self.app.app_focus
        self.claw.alert(event.pane.inbox, event.kinds, event.who, event.text, looking=looking,
                        peer=hotlist.peer_key(event.pane.peer))

    @on(Sidebar.PaneClicked)
    def _sidebar_click(self, event: Sidebar.PaneClicked) -> None:
        self._sidebar.remove_class("-open")  # the overlay has done its job
        self.action_goto_pane(event.number)

    # ------------------------------------------------------------------ layout

    @property
    def collapsed(self) -> bool:
        """Whether the terminal is too narrow or too short for the full layout."""
        return self.has_class("-narrow") or self.has_class("-short")

    def on_resize(self) -> None:
        # After this handler, ``Screen``'s own sets the breakpoint classes for the new size.
        self.call_after_refresh(self._layout_grid)

    def _make_tabs(self) -> PaneTabs:
        """The pane switcher line, made only once the layout is collapsed: a terminal wide
        and tall enough never shows it, so it is not built, styled or imported on the way to
        the first frame there. Once made it stays (hidden by the stylesheet when wide)."""
        from tui.widgets.pane_tabs import PaneTabs

        self._tabs = PaneTabs(id="pane-tabs")
        return self._tabs

    def _layout_grid(self) -> None:
        if self.collapsed and self._tabs is None:
            self.mount(self._make_tabs(), before="#body")
            self.refresh_sidebar()
        grid = self.query_one("#grid")
        count = 1 if self.collapsed else len(self.panes)
        width = grid.outer_size.width or self.app.size.width
        cols = columns_for(width, count)
        rows = max(1, ceil(count / cols))
        grid.styles.grid_size_columns = cols
        height = grid.outer_size.height or self.app.size.height
        if rows * MIN_PANE_HEIGHT > height:
            grid.styles.grid_rows = str(MIN_PANE_HEIGHT)
        else:
            grid.styles.grid_rows = "1fr"

    # ------------------------------------------------------------------ actions

    def _cycle(self, delta: int) -> None:
        panes = self.panes
        if not panes:
            return
        current = self.focused_pane
        index = panes.index(current) if current in panes else -1
        self.focus_pane(panes[(index + delta) % len(panes)])

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_prev_pane(self) -> None:
        self._cycle(-1)

    def action_goto_pane(self, number: int) -> None:
        panes = self.panes
        if 1 <= number <= len(panes):
            self.focus_pane(panes[number - 1])
        else:
            self.notify(f"There is no pane {number} ({len(panes)} panes).", severity="warning")

    def action_next_activity(self) -> None:
        """Visit panes by hotlist priority — errors and interrupts, then mentions, then new
        messages — starting after the focused pane."""
        panes = self.panes
        current = self.focused_pane
        start = panes.index(current) + 1 if current in panes else 0
        ordered = panes[start:] + panes[:start]
        for count in (lambda p: p.alerts, lambda p: p.mentions, lambda p: p.unseen):
            pane = next((p for p in ordered if count(p)), None)
            if pane is not None:
                self.focus_pane(pane)
                return
        self.notify("No pane has new activity.")

    def action_zoom(self) -> None:
        pane = self.focused_pane
        if pane is None:
            return
        if self._zoomed is not None:
            self.minimize()
            self._zoomed = None
        elif self.maximize(pane, container=False):
            self._zoomed = pane
        pane.focus_composer()

    @property
    def zoomed(self) -> ChannelPane | None:
        """The pane shown full-screen (the screen's maximized widget), if any."""
        return self._zoomed if self.maximized is self._zoomed else None

    # ------------------------------------------------------------------ pane prefix

    @property
    def prefix_pending(self) -> bool:
        return self._prefix_pending

    def action_pane_prefix(self) -> None:
        """The prefix key: the next key picks a pane (``tui/pane_prefix.py``). With text
        selected in the focused text box it cuts that text instead, as it would there."""
        from tui.widgets.composer import Composer  # (loaded with the first text box anyway)

        focused = self.focused
        if isinstance(focused, Composer) and focused.selected_text:
            focused.action_cut()
            return
        self._prefix_pending = True
        self.query_one(KeyBar).prompt(PROMPT)

    async def take_prefixed(self, key: str) -> None:
        """The key after the prefix: run what it stands for, or cancel (any other key)."""
        self._prefix_pending = False
        self.query_one(KeyBar).prompt(None)
        action = action_after_prefix(key)
        if action is not None:
            await self.run_action(action)

    def action_interrupt(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            pane.interrupt()

    def action_edit_peer(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            pane.open_peer_dialog()

    def action_explain(self) -> None:
        pane = self.focused_pane
        if pane is None:
            return
        message = pane.history.selected_message()
        self.claw.show_explanation(pane, message)

    def action_toggle_tools(self) -> None:
        pane = self.focused_pane
        if pane is not None and not pane.toggle_tools():
            self.notify("No reply in this pane made tool calls.")

    def action_history_edge(self, direction: int) -> None:
        pane = self.focused_pane
        if pane is not None:
            if direction < 0:
                pane.history.action_jump_top()
            else:
                pane.history.action_jump_bottom()

    def action_select_message(self, delta: int) -> None:
        pane = self.focused_pane
        if pane is not None:
            pane.history.move_selection(delta)

    def action_toggle_queue_mode(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            mode = pane.toggle_queue_mode()
            what = ("interrupts the reply running in this pane" if mode == "interrupt"
                    else "waits until the running reply is done")
            switch = keymap.keys_text(self.app, "main.queue_mode", none="the palette")
            self.notify(f"Pane {pane.number}: a message sent during a reply now {what} "
                        f"(queue mode {mode}; {switch} switches).", markup=False)

    def action_sessions(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            pane.show_sessions()

    def action_toggle_clones(self) -> None:
        self._toggle(self._clones, "clones")

    def action_toggle_sidebar(self) -> None:
        self._toggle(self._sidebar, "sidebar")

    def _toggle(self, widget: Widget, name: str) -> None:
        """Show or hide a panel of the full layout (kept in the preferences), or open or
        close its overlay in the collapsed layout (not kept: it is a look, not a setting)."""
        if self.collapsed:
            widget.toggle_class("-open")
            return
        shown = widget.has_class("-hidden")
        widget.set_class(not shown, "-hidden")
        self.claw.report_pref_error(self.claw.prefs.set_layout(**{name: shown}))

    @on(ChannelPane.ExplainRequested)
    def _explain_requested(self, event: ChannelPane.ExplainRequested) -> None:
        self.claw.show_explanation(event.pane, event.message)

    # ------------------------------------------------------------------ gateway

    def reroute_all(self) -> None:
        for pane in self.panes:
            pane.refresh_route()
        if any(inbox.key not in self._by_inbox for inbox in self.claw.gateway.inboxes):
            self.run_worker(self.add_panes(), group="panes")

    def clone_panel(self) -> ClonePanel:
        return self._clones

    def on_engine_connection(self, message: engine_messages.EngineConnection) -> None:
        """A remote gateway's link: a banner while it is down (with why, and whether it
        retries); gone once it is back."""
        event = message.event
        banner = self._banner
        if banner is None:
            if event.connected:
                return
            banner = self._banner = Static(id="gateway-banner")
            self.query_one("#main-col").mount(banner, before=0)
        banner.update(content(event.text))
        banner.display = not event.connected

    def on_inbox_changed(self, message: engine_messages.InboxChanged) -> None:
        """A channel account's state changed (its pane's title and the pane list say so), or
        a new one appeared (it gets a pane)."""
        inbox = message.event.inbox
        pane = self.pane_for(inbox.key)
        if pane is None:
            self.run_worker(self.add_panes(), group="panes")
            return
        pane.inbox = inbox
        pane.border_title = content(f"{pane.number} {inbox.label}")  # as the pane titles itself
        self.refresh_sidebar()

    def banner_text(self) -> str | None:
        """The banner's text while it shows (tests read it), else None."""
        if self._banner is None or not self._banner.display:
            return None
        return str(self._banner.content)

    def on_clone_created(self, message: engine_messages.CloneCreated) -> None:
        self._clones.update_snapshot(message.event.snapshot)

    def on_clone_state_changed(self, message: engine_messages.CloneStateChanged) -> None:
        self._clones.update_snapshot(message.event.snapshot)


class AttachedMainScreen(MainScreen):
    """The main screen over a gateway (``EngineAPI.remote_url``): the same keys and ids, in
    the words of what they do there (F4 picks a gateway session, F5 shows the runs panel).
    A subclass because Textual reads a screen's bindings from its class."""

    BINDINGS = keymap.bindings("main", remote=True)
