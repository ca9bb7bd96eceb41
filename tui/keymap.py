"""Every key binding of the app, each with a stable id the user can remap.

Screens and widgets take their ``BINDINGS`` from here (``bindings("main")``) so there is one
table to read, one place the help screen lists, and one set of ids that ``tui.keymap`` in the
config may remap (``{"main.zoom": "f11", "app.search": "ctrl+f,ctrl+s"}``). Remapping is
Textual's own mechanism: ``App.set_keymap`` substitutes the key of the binding with that id.

The app's and the main screen's keys are priority bindings: they must work while a text box
has focus, whatever key they are remapped to, and a text box takes many keys for itself (F6
selects a line, Ctrl+K deletes to its end; a printable Alt+A would be typed as "a"). Only Esc
is not: it also clears a mouse selection, which a priority binding would pre-empt. A remapped
key that another binding also has goes to one of them (``in_force`` says which; F1 shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from textual.binding import Binding

from engine.errors import Problem
from tui.composer_commands import command_list


@dataclass(frozen=True, slots=True)
class Key:
    """One binding as declared: where it lives (scope), what it does, and its default keys."""

    id: str
    keys: str
    action: str
    description: str
    scope: str  # app | main | composer | history | editor | form | search
    show: bool = True
    priority: bool | None = None  # None: the app's and the main screen's keys are, others not
    help: str = ""
    # Attached to a gateway (``EngineAPI.remote_url``) some keys do another thing: their words.
    remote_description: str = ""
    remote_help: str = ""

    @property
    def is_priority(self) -> bool:
        return self.scope in ("app", "main") if self.priority is None else self.priority

    def words(self, remote: bool = False) -> tuple[str, str]:
        """``(description, help)`` for the embedded engine, or for an attached gateway."""
        if remote:
            return (self.remote_description or self.description, self.remote_help or self.help)
        return self.description, self.help

    def binding(self, remote: bool = False) -> Binding:
        description, help = self.words(remote)
        return Binding(self.keys, self.action, description, show=self.show,
                       priority=self.is_priority, id=self.id, tooltip=help)


KEYS: tuple[Key, ...] = (
    # Anywhere.
    Key("app.quit", "ctrl+q", "quit", "Quit", "app", show=False,
        help="Quit the app"),
    Key("app.command_palette", "ctrl+p", "command_palette", "Palette", "app",
        help="Open the command palette: every action, themes"),
    Key("app.help", "f1", "help", "Help", "app", help="Show the keys and what they do"),
    Key("app.routing_editor", "ctrl+r", "routing_editor", "Routing", "app",
        help="Open the routing editor (bindings, default agent, agent-to-agent)"),
    Key("app.search", "ctrl+f", "search", "Search", "app",
        help="Full-text search in the focused agent's store or in all agents"),
    # Main screen.
    Key("main.interrupt", "escape", "interrupt", "Interrupt", "main", priority=False,
        help="Interrupt the focused pane's reply (also before the first token)"),
    Key("main.next_pane", "tab", "next_pane", "Next pane", "main", show=False, priority=True,
        help="Focus the next pane"),
    Key("main.prev_pane", "shift+tab", "prev_pane", "Previous pane", "main", show=False,
        priority=True, help="Focus the previous pane"),
    Key("main.next_activity", "alt+a", "next_activity", "Activity", "main",
        help="Jump to the next pane with unseen activity (errors and interrupts first)"),
    Key("main.zoom", "f2", "zoom", "Zoom", "main", help="Show the focused pane full-screen, and back"),
    Key("main.explain", "f3", "explain", "Explain route", "main",
        help="Explain the route of the selected message"),
    Key("main.peer", "f4", "edit_peer", "Peer", "main",
        help="Choose who you speak as in the focused pane", remote_description="Session",
        remote_help="Choose one of the focused account's sessions on the gateway"),
    Key("main.sessions", "f9", "sessions", "Sessions", "main", show=False,
        help="Sessions of the focused pane (earlier ones too): open or reopen one"),
    Key("main.tools", "ctrl+o", "toggle_tools", "Tool calls", "main", show=False,
        help="Show or hide the tool calls of the selected reply (or the latest with any)"),
    Key("main.queue_mode", "f8", "toggle_queue_mode", "Queue mode", "main", show=False,
        help="Focused pane: a message sent during a reply waits for it, or interrupts it"),
    Key("main.toggle_clones", "f5", "toggle_clones", "Clones", "main", show=False,
        help="Show or hide the clone panel", remote_description="Runs",
        remote_help="Show or hide the runs panel (the gateway's agent runs)"),
    Key("main.toggle_sidebar", "ctrl+b", "toggle_sidebar", "Sidebar", "main", show=False,
        help="Show or hide the pane list"),
    Key("main.history_top", "alt+home", "history_edge(-1)", "History top", "main", show=False,
        help="Focused pane: go to the oldest loaded message of the history"),
    Key("main.history_bottom", "alt+end", "history_edge(1)", "History bottom", "main",
        show=False, help="Focused pane: go to the newest message of the history and follow it"),
    Key("main.select_prev", "alt+up", "select_message(-1)", "Older message", "main", show=False,
        help="Select the previous message in the focused pane"),
    Key("main.select_next", "alt+down", "select_message(1)", "Newer message", "main", show=False,
        help="Select the next message in the focused pane"),
    *(Key(f"main.pane_{n}", f"alt+{n}", f"goto_pane({n})", f"Pane {n}", "main", show=False,
          help=f"Focus pane {n}") for n in range(1, 10)),
    Key("main.pane_prefix", "ctrl+x", "pane_prefix", "Pane prefix", "main", show=False,
        help="Then 1-9 (0 = 10): focus that pane; a: next with activity; Tab: next pane. Works "
             "in every terminal. With text selected in the text box it cuts instead"),
    # Composer (the focused pane's text box).
    # Not a priority binding: a priority binding runs before the keys typed ahead of it reach
    # the text box, so a fast "text⏎" (a script, a paste without brackets) sent half a message.
    Key("composer.send", "enter", "send", "Send", "composer",
        help=f"Send the message (or run {command_list()})"),
    Key("composer.newline", "shift+enter,ctrl+j", "newline", "Newline", "composer", show=False,
        help="Insert a newline"),
    Key("composer.editor", "ctrl+g", "external_editor", "Editor", "composer",
        help="Edit the message in $VISUAL or $EDITOR (the text comes back when it exits)"),
    Key("composer.prev_input", "up", "input_history(-1)", "Previous input", "composer", show=False,
        help="Recall the previous input (on the first line)"),
    Key("composer.next_input", "down", "input_history(1)", "Next input", "composer", show=False,
        help="Recall the next input (on the last line)"),
    Key("composer.page_up", "pageup", "scroll_history(-1)", "Scroll up", "composer", show=False,
        help="Scroll the pane's history up a page"),
    Key("composer.page_down", "pagedown", "scroll_history(1)", "Scroll down", "composer", show=False,
        help="Scroll the pane's history down a page"),
    # History view (when focused).
    Key("history.up", "up", "move(-1)", "Older", "history", show=False, help="Select the older message"),
    Key("history.down", "down", "move(1)", "Newer", "history", show=False, help="Select the newer message"),
    Key("history.top", "home", "jump_top", "Top", "history", show=False, help="Go to the oldest loaded message"),
    Key("history.bottom", "end", "jump_bottom", "Bottom", "history", show=False,
        help="Go to the newest message and follow"),
    Key("history.page_up", "pageup", "page(-1)", "Page up", "history", show=False,
        help="Scroll the history up a page"),
    Key("history.page_down", "pagedown", "page(1)", "Page down", "history", show=False,
        help="Scroll the history down a page"),
    Key("history.explain", "enter", "explain_selected", "Explain", "history", show=False,
        help="Explain the route of the selected message"),
    # Routing editor.
    Key("editor.add", "a", "add", "Add", "editor", help="Add a binding after the selected one"),
    Key("editor.edit", "e", "edit", "Edit", "editor", help="Edit the selected binding"),
    Key("editor.delete", "x,delete", "delete", "Delete", "editor", help="Delete the selected binding"),
    Key("editor.duplicate", "c", "duplicate", "Duplicate", "editor", help="Duplicate the selected binding"),
    Key("editor.move_up", "shift+up", "move(-1)", "Move up", "editor", help="Move the binding up"),
    Key("editor.move_down", "shift+down", "move(1)", "Move down", "editor", help="Move the binding down"),
    Key("editor.default_agent", "m", "default_agent", "Default agent", "editor",
        help="Choose the default agent"),
    Key("editor.a2a_toggle", "t", "toggle_a2a", "Agent-to-agent", "editor",
        help="Turn agent-to-agent messaging on or off"),
    Key("editor.a2a_allow", "l", "edit_allow", "Allow list", "editor",
        help="Edit the agent-to-agent allow list"),
    Key("editor.try", "slash", "focus_try", "Try it", "editor",
        help="Type an inbound message and see its route live"),
    Key("editor.save", "ctrl+s", "save", "Save", "editor", priority=True, help="Save the config"),
    Key("editor.reload", "ctrl+l", "reload", "Reload", "editor", show=False,
        help="Reload the config from disk (discarding unsaved edits)"),
    Key("editor.close", "escape", "close", "Close", "editor", help="Close the routing editor"),
    # Modal forms and search.
    Key("form.submit", "ctrl+s", "submit", "OK", "form", priority=True, help="Accept the form"),
    Key("form.cancel", "escape", "cancel", "Cancel", "form", help="Close without changes"),
    Key("search.scope", "ctrl+t", "toggle_scope", "Scope", "search",
        help="Search the focused agent or all agents"),
    Key("search.close", "escape", "close", "Close", "search", help="Close the search"),
    Key("sessions.close", "escape", "close", "Close", "sessions", help="Close the session list"),
)

KEYS_BY_ID: Mapping[str, Key] = {k.id: k for k in KEYS}

FOOTER_PRIORITY: tuple[str, ...] = (
    "app.help", "main.interrupt", "main.peer", "editor.save", "editor.close", "editor.add",
    "editor.edit", "editor.delete", "form.submit", "form.cancel", "app.routing_editor",
    "main.toggle_sidebar", "main.toggle_clones", "app.command_palette", "editor.try",
    "editor.default_agent", "editor.a2a_toggle", "editor.a2a_allow", "editor.duplicate",
    "editor.move_up", "editor.move_down", "app.search", "composer.send",
)
"""The footer keys that stay when the line is too short for all: help first (it lists every
key), then what a small terminal cannot do without. Keys not listed come after, in order."""

COLLAPSED_FOOTER: frozenset[str] = frozenset({"main.toggle_sidebar", "main.toggle_clones"})
"""Keys the footer shows in the collapsed layout only: there the sidebar and the clone panel
are overlays these keys open."""


def footer_rank(hint: object) -> int:
    """Where a footer key (anything with a binding ``id``) ranks in ``FOOTER_PRIORITY``."""
    binding_id = getattr(hint, "id", None)
    return FOOTER_PRIORITY.index(binding_id) if binding_id in FOOTER_PRIORITY \
        else len(FOOTER_PRIORITY)


def bindings(scope: str, *, remote: bool = False) -> list[Binding]:
    """The Textual bindings of one scope, ready for a ``BINDINGS`` class attribute (with the
    words of an attached gateway when ``remote``)."""
    return [k.binding(remote) for k in KEYS if k.scope == scope]


def effective_keys(binding_id: str, overrides: Mapping[str, str]) -> tuple[str, ...]:
    """The keys that trigger a binding once the user's ``tui.keymap`` is applied."""
    keys = overrides.get(binding_id) or KEYS_BY_ID[binding_id].keys
    return tuple(part.strip() for part in keys.split(",") if part.strip())


_PANE_SCOPES = frozenset({"main", "composer", "history"})


def _together(a: str, b: str) -> bool:
    """Whether bindings of scopes ``a`` and ``b`` can hear the same key press (the app's hear
    every key; the main screen's with the focused composer or history, never both of those)."""
    if a == b or "app" in (a, b):
        return True
    return a in _PANE_SCOPES and b in _PANE_SCOPES and {a, b} != {"composer", "history"}


def _rank(key: Key) -> tuple[int, int]:
    """The order Textual asks bindings in (lower first): priority ones from the app down,
    then the others from the focused widget up."""
    depth = {"app": 0, "composer": 2, "history": 2}.get(key.scope, 1)
    return (0, depth) if key.is_priority else (1, -depth)


def contests(overrides: Mapping[str, str]) -> list[tuple[str, Key, Key]]:
    """``(key, winner, loser)`` for each key a remapped binding shares with another binding
    that hears it at the same time. In one scope the remap takes the key (Textual's keymap
    removes the other binding from it); across scopes the one Textual asks first has it."""
    order = {k.id: i for i, k in enumerate(KEYS)}
    holders: dict[str, list[Key]] = {}
    for k in KEYS:
        for key in effective_keys(k.id, overrides):
            holders.setdefault(key, []).append(k)
    found = []
    for key, keys in holders.items():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if not (a.id in overrides or b.id in overrides) or not _together(a.scope, b.scope):
                    continue
                if a.scope == b.scope and (a.id in overrides) != (b.id in overrides):
                    first = a if a.id in overrides else b
                else:
                    first = min(a, b, key=lambda k: (_rank(k), order[k.id]))
                found.append((key, first, b if first is a else a))
    return found


# Key names Textual spells otherwise than people do.
_NAMES = {"escape": "Esc", "pageup": "PageUp", "pagedown": "PageDown", "slash": "/",
          "delete": "Del"}


def key_name(key: str) -> str:
    """``ctrl+x`` as people write it: ``Ctrl+X``."""
    return "+".join(_NAMES.get(part) or (part.upper() if len(part) == 1 else part.capitalize())
                    for part in key.split("+"))


def shown_keys(keys: tuple[str, ...], none: str = "no key") -> str:
    """Keys as people read them: ``Ctrl+F or Ctrl+S``."""
    return " or ".join(key_name(k) for k in keys) or none


def keys_text(app: object, binding_id: str, none: str = "no key") -> str:
    """The keys a binding answers to once ``app``'s keymap (``user_keymap``) is applied, as
    hints and notices name them: a remapped key is never shown as its default."""
    return shown_keys(in_force(getattr(app, "user_keymap", {}))[binding_id], none)


def in_force(overrides: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The keys each binding answers to once the user's keymap is applied (what F1 lists)."""
    lost = {(loser.id, key) for key, _winner, loser in contests(overrides)}
    return {k.id: tuple(key for key in effective_keys(k.id, overrides) if (k.id, key) not in lost)
            for k in KEYS}


def validate_keymap(keymap: Mapping[str, str], *, file: str = "") -> tuple[dict[str, str], list[Problem]]:
    """Split a user keymap (``tui.keymap``) into the usable part and problems to report.

    Unknown ids and empty keys are reported (with the JSON path) and skipped, so a typo in the
    config never stops the app from starting.
    """
    ok: dict[str, str] = {}
    problems: list[Problem] = []
    for binding_id, keys in keymap.items():
        path = f"tui.keymap.{binding_id}"
        if binding_id not in KEYS_BY_ID:
            problems.append(Problem(f'unknown key binding id "{binding_id}" (see F1 for the ids)',
                                    path=path, file=file, severity="warning", code="unknown-binding"))
            continue
        if not isinstance(keys, str) or not keys.strip():
            problems.append(Problem("expected keys such as \"ctrl+k\" or \"f6,ctrl+k\"", path=path,
                                    file=file, severity="warning", code="bad-keys"))
            continue
        ok[binding_id] = ",".join(part.strip() for part in keys.split(",") if part.strip())
    for key, winner, loser in contests(ok):
        remapped = winner if winner.id in ok else loser
        problems.append(Problem(f'"{key}" is also the key of {loser.id if remapped is winner else winner.id}; '
                                f"{winner.id} takes it, {loser.id} loses it",
                                path=f"tui.keymap.{remapped.id}", file=file, severity="warning",
                                code="key-clash"))
    return ok, problems
