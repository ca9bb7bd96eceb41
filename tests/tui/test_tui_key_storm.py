"""No sequence of keys ends the app: a seeded storm of the app's keys (and keys its screens,
dialogs and text boxes take) opens and closes every screen in every order. It found the
palette opened twice (a screen over it) and a second routing editor over one of its dialogs,
both ending the app on a duplicate widget id."""

from __future__ import annotations

import random

from tests.support.tui_app import running_app

KEYS = ("f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 escape enter tab shift+tab ctrl+r ctrl+f ctrl+p ctrl+b "
        "ctrl+o ctrl+x ctrl+s ctrl+l ctrl+t alt+a alt+1 alt+2 alt+3 alt+up alt+down alt+home "
        "alt+end up down pageup pagedown home end a e x c m t l slash delete shift+up shift+down "
        "1 2 3 h i space backspace q ctrl+j ctrl+c ctrl+a").split()


async def test_a_storm_of_keys_leaves_the_app_running(tmp_path):
    rnd = random.Random(0)
    pressed: list[str] = []
    async with running_app(tmp_path, size=(100, 30)) as (app, pilot):
        for _ in range(300):
            pressed.append(rnd.choice(KEYS))
            await pilot.press(pressed[-1])
            if rnd.random() < 0.1:
                await pilot.pause(0.05)  # let replies, dialogs and notices catch up
            assert app.is_running and app._exception is None, (
                f"ended after {pressed[-12:]} with {[type(s).__name__ for s in app.screen_stack]}")
