"""Choices made in the app that outlive it: the theme and layout picked from the palette, and
the order of the panes, in ``<state>/tui/prefs.json``.

A preference file, not conversation data: plain JSON, written atomically, 0600 in a 0700
folder. A damaged or oversized file is set aside as ``.bad`` and the app starts on defaults
with a warning; a value of the wrong type is reported with its key and left at its default.
Nothing in it can stop the app.

The theme: ``--theme`` wins for the run it is given to (it is not saved). A theme picked in
the palette is saved with the config's ``tui.theme`` as it was then, and wins over
``tui.theme`` until that setting is changed: the newer choice wins, whichever place it was
made in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.state_json import load_state_json, save_state_json

PREFS_FILE = "prefs.json"
MAX_PANES = 1000
"""Inbox keys kept for the pane order (more are dropped: no config has that many accounts)."""


@dataclass
class Prefs:
    """The saved choices; ``None`` means "not chosen" (the config or the default decides)."""

    path: Path | None = None
    theme: str | None = None
    theme_over: str | None = None  # the config's tui.theme when the theme was picked
    sidebar: bool | None = None
    clones: bool | None = None
    pane_order: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what loading found, one line each

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> Prefs:
        return cls.load(Path(state_dir) / "tui" / PREFS_FILE)

    @classmethod
    def load(cls, path: Path) -> Prefs:
        """The file's choices, or defaults with a problem line when it cannot be used."""
        prefs = cls(path)
        raw, problem = load_state_json(path, "prefs file", "using default preferences")
        if problem is not None:
            prefs.problems.append(problem)
        if raw is None:
            return prefs
        prefs.theme = prefs._value(raw, "theme", str)
        prefs.theme_over = prefs._value(raw, "themeOver", str)
        prefs.sidebar = prefs._value(raw, "sidebar", bool)
        prefs.clones = prefs._value(raw, "clones", bool)
        order = prefs._value(raw, "paneOrder", list)
        if order is not None:
            if all(isinstance(key, str) for key in order):
                prefs.pane_order = list(dict.fromkeys(order))[:MAX_PANES]
            else:
                prefs.problems.append(f"{path}: paneOrder: expected a list of strings; ignored")
        return prefs

    def _value(self, raw: dict[str, Any], key: str, kind: type) -> Any:
        value = raw.get(key)
        if value is None or isinstance(value, kind):
            return value
        self.problems.append(f"{self.path}: {key}: expected {_KIND_NAMES[kind]}, got "
                             f"{type(value).__name__}; ignored")
        return None

    # -- the theme ---------------------------------------------------------------------------
    def theme_for(self, config_theme: str | None) -> str | None:
        """The theme to start with: the palette's pick unless ``tui.theme`` changed since."""
        if self.theme is not None and self.theme_over == config_theme:
            return self.theme
        return config_theme

    def pick_theme(self, theme: str, config_theme: str | None) -> str | None:
        """Remember a theme picked in the app; returns an error line or None."""
        if (self.theme, self.theme_over) == (theme, config_theme):
            return None
        self.theme, self.theme_over = theme, config_theme
        return self.save()

    # -- layout ------------------------------------------------------------------------------
    def set_layout(self, *, sidebar: bool | None = None, clones: bool | None = None) -> str | None:
        if sidebar is not None:
            self.sidebar = sidebar
        if clones is not None:
            self.clones = clones
        return self.save()

    def ordered(self, keys: list[str]) -> list[str]:
        """``keys`` (inbox keys in config order) with the ones saved first, in their saved
        order, then the others as given: a pane keeps its number across restarts."""
        known = set(keys)
        saved = [key for key in self.pane_order if key in known]
        placed = set(saved)
        return saved + [key for key in keys if key not in placed]

    def set_pane_order(self, keys: list[str]) -> str | None:
        keys = list(dict.fromkeys(keys))[:MAX_PANES]
        if keys == self.pane_order:
            return None
        self.pane_order = keys
        return self.save()

    # -- the file ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.theme is not None:
            out["theme"] = self.theme
            out["themeOver"] = self.theme_over
        if self.sidebar is not None:
            out["sidebar"] = self.sidebar
        if self.clones is not None:
            out["clones"] = self.clones
        if self.pane_order:
            out["paneOrder"] = self.pane_order
        return out

    def save(self) -> str | None:
        """Write atomically (temp file + rename), 0600 in a 0700 folder; a failure is an
        error line for the caller to show, never an exception."""
        if self.path is None:
            return None
        return save_state_json(self.path, self.to_json(), "preferences")


_KIND_NAMES = {str: "a string", bool: "true or false", list: "a list"}

