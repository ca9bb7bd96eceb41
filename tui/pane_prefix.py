"""The pane keys that work in every terminal: a prefix (Ctrl+X), then a digit.

Alt+digit reaches the app as a key only where the terminal sends it as one: as Esc then the
digit (tmux, screen, xterm, VS Code's terminal, SSH; see ``textual_compat.esc_digits``) or in
the kitty keyboard protocol (kitty, WezTerm, foot). macOS Option+digit types a character
(``£``, ``¢``) unless the terminal is told to send Option as Meta/Esc, and a character must
stay a character: the text box cannot tell it from one typed on purpose. So, as in WeeChat
and screen, a prefix key followed by a digit always works; F1 says which of the two this
terminal gets (``terminal_note``).
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

from tui import keymap

PREFIX_ID = "main.pane_prefix"
MACOS = sys.platform == "darwin"
PROMPT = "Pane: 1-9 (0 = 10) · a next with activity · Tab next · any other key cancels"


def is_alt_digit(key: str) -> bool:
    return key.startswith("alt+") and key[4:].isdigit() and len(key) == 5


def action_after_prefix(key: str) -> str | None:
    """The main screen's action for the key pressed after the prefix; None cancels."""
    digit = key[4:] if is_alt_digit(key) else key
    if len(digit) == 1 and digit.isdigit():
        return f"goto_pane({int(digit) or 10})"
    return {"a": "next_activity", "alt+a": "next_activity", "tab": "next_pane",
            "n": "next_pane", "shift+tab": "prev_pane", "p": "prev_pane"}.get(key)


def pane_keys(overrides: Mapping[str, str], number: int) -> str:
    """How to reach pane ``number`` with the keys in force ("Alt+2 or Ctrl+X 2")."""
    keys = keymap.in_force(overrides)
    ways = list(keys.get(f"main.pane_{number}", ()))
    digit = str(number % 10) if number <= 10 else ""
    ways += [f"{prefix} {digit}" for prefix in keys[PREFIX_ID] if digit]
    return keymap.shown_keys(tuple(ways)) if ways else ""


def terminal_note(overrides: Mapping[str, str], *, alt_digit_seen: bool, esc_digits_read: bool,
                  environ: Mapping[str, str] | None = None) -> str:
    """One paragraph for F1: the pane keys in force, and which of them this terminal gets."""
    env = os.environ if environ is None else environ
    keys = keymap.in_force(overrides)
    prefix = keymap.shown_keys(keys[PREFIX_ID])
    pane_2 = keymap.shown_keys(keys["main.pane_2"])
    always = f"{prefix} then 2 always works"
    if not keys[PREFIX_ID]:
        always = "the prefix has no key (tui.keymap)"
    head = f"Pane 2: {pane_2}, or {prefix} then 2. "
    if alt_digit_seen:
        return head + f"This terminal sends Alt+digit as a key (one arrived); {always}."
    in_multiplexer = bool(env.get("TMUX") or env.get("STY")) or env.get("TERM", "").startswith(
        ("screen", "tmux"))
    if not esc_digits_read:
        return head + ("Esc then a digit reads as a character with this Textual version, so "
                       f"Alt+digit may type one (£, ¢…); {always}.")
    if in_multiplexer:
        return head + ("Inside tmux/screen Alt+digit arrives as Esc then the digit, read as "
                       f"Alt+digit; {always}.")
    if MACOS or env.get("TERM_PROGRAM") in ("Apple_Terminal", "iTerm.app"):
        return head + ("macOS Option+digit types a character (£, ¢…) unless the terminal sends "
                       f"Option as Meta/Esc; {always}.")
    return head + ("No Alt+digit has arrived as a key yet; if it types a character here, use "
                   f"the prefix: {always}.")
