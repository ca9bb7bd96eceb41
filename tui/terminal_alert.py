"""The terminal side of ``tui.notify``: the bell, and desktop notifications as OSC escape
sequences (OSC 9: iTerm2, WezTerm, Windows Terminal, Ghostty, kitty; OSC 777: foot, VTE
terminals such as GNOME Terminal, urxvt, Ghostty).

Inside tmux an OSC sequence reaches the outer terminal only wrapped for passthrough
(``ESC P tmux; … ESC \\``, every ESC inside doubled) and with ``set -g allow-passthrough on``
(tmux 3.3+); the bell needs no wrapping (tmux passes it on after its ``bell-action``).

The bell goes through Textual's ``App.bell``. Textual has no public call to write other
bytes to the terminal: those go through ``textual_compat.write_to_terminal``.
"""

from __future__ import annotations

import re
import time
from typing import Callable, Mapping

from engine.config.model import NotifyConfig
from tui.hotlist import Notice

_NOT_IN_OSC = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Control characters (C0, DEL, C1): any of them would end or break an OSC string. Notice
text is cleaned already (they are shown as stand-ins); this is the last guard."""

MIN_INTERVAL = 2.0
"""Seconds between two alerts of one pane: a burst of replies rings once."""


def osc_text(text: str, *, field: bool = False) -> str:
    """``text`` safe inside an OSC string; ``field``: also no ``;`` (OSC 777 separates its
    title with it)."""
    text = _NOT_IN_OSC.sub(" ", text)
    return text.replace(";", ",") if field else text


def protocol(mode: str, env: Mapping[str, str]) -> str | None:
    """``osc9`` or ``osc777`` for a ``tui.notify.desktop`` mode (``auto``: OSC 777 where the
    terminal is known to take it — foot, urxvt, VTE — else OSC 9); None when off."""
    if mode in ("osc9", "osc777"):
        return mode
    if mode != "auto":
        return None
    term = env.get("TERM", "")
    if env.get("VTE_VERSION") or term.startswith(("foot", "rxvt")):
        return "osc777"
    return "osc9"


def desktop_sequence(notice: Notice, proto: str, *, tmux: bool) -> str:
    """The escape sequence that shows ``notice`` as a desktop notification."""
    if proto == "osc777":
        seq = f"\x1b]777;notify;{osc_text(notice.title, field=True)};{osc_text(notice.body)}\x07"
    else:
        seq = f"\x1b]9;{osc_text(notice.title)}: {osc_text(notice.body)}\x07"
    return tmux_passthrough(seq) if tmux else seq


def tmux_passthrough(seq: str) -> str:
    return "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"


class Alerter:
    """Rings the bell and/or writes a desktop notification, at most once per pane every
    ``MIN_INTERVAL`` seconds."""

    def __init__(self, rules: NotifyConfig, env: Mapping[str, str], *, bell: Callable[[], None],
                 write: Callable[[str], bool], clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules
        self.proto = protocol(rules.desktop, env)
        self.tmux = bool(env.get("TMUX"))
        self._bell = bell
        self._write = write
        self._clock = clock
        self._last: dict[str, float] = {}

    def alert(self, pane_key: str, notice: Notice) -> bool:
        """Ring and/or notify for ``notice``; False when held back (too soon after the last)."""
        now = self._clock()
        last = self._last.get(pane_key)
        if last is not None and now - last < MIN_INTERVAL:
            return False
        self._last[pane_key] = now
        if self.rules.bell:
            self._bell()
        if self.proto is not None:
            self._write(desktop_sequence(notice, self.proto, tmux=self.tmux))
        return True
