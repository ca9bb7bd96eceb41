"""Keys typed in one burst apply in the order typed, also when one of them moves focus.

The keys are posted to the app all at once, as the terminal driver does with what one read
brings (a fast typist, a script, a paste without brackets): Tab among them moves to the next
pane, and the keys after it must reach that pane's text box, not the one Tab left. (The same
under a real terminal: ``test_tui_e2e_tmux_key_order.py``.)
"""

from __future__ import annotations

from textual import events

from tests.support.tui_app import running_app, wait_for


def burst(app, keys: list[tuple[str, str | None]]) -> None:
    for key, character in keys:
        app.post_message(events.Key(key, character))


def typed(text: str) -> list[tuple[str, str | None]]:
    return [("space" if c == " " else c, c) for c in text]


async def test_keys_after_tab_in_one_burst_reach_the_next_pane(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        first, second, third = app.main.panes  # Tab goes round: 1, 2, 3, 1
        await wait_for(pilot, lambda: app.focused is first.composer, what="the first text box")
        burst(app, [*typed("hello world"), ("tab", "\t"), *typed("second"), ("tab", "\t"),
                    *typed("third"), ("tab", "\t"), *typed(" again"), ("shift+tab", None),
                    *typed("!")])
        await wait_for(pilot, lambda: third.composer.text.endswith("!"), what="the last key")
        assert first.composer.text == "hello world again"
        assert second.composer.text == "second"
        assert third.composer.text == "third!"
        assert app.focused is third.composer
