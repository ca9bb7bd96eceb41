"""Render the README screenshots (SVG) into ``screenshots/`` with the real app.

Each shot runs the real ``ClawApp`` over a real ``Gateway`` on the built-in example (offline
model, temp state dir) with ``App.run_test()`` and saves it with ``save_screenshot()``:

- ``main-view.svg``       several panes mid-conversation, the clone panel busy
- ``interrupted.svg``     a reply interrupted with Esc: partial text kept, marked interrupted
- ``routing-editor.svg``  the routing editor with a lint finding and the "try it" line
- ``search.svg``          search results across agents
- ``small-80x24.svg``, ``medium-120x40.svg``, ``wide-200x60.svg``: the main view at those
  terminal sizes (80×24 is the collapsed layout: one pane and the pane switcher line)

The first four are 160×48.

Usage: ``python scripts/screenshots.py [OUTPUT_DIR]`` (default: ``screenshots/``).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Awaitable, Callable

from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from tui.app import ClawApp

ROOT = Path(__file__).resolve().parents[1]
SIZE = (160, 48)
QUESTION = ("Can you summarise what we decided about the garden this week, and remind me "
            "which seeds still need to be ordered before the weekend?")

Scenario = Callable[[ClawApp, object], Awaitable[None]]


async def until(pilot, predicate, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the app did not reach the state to screenshot")
        await pilot.pause(0.05)


def answered(pane, n: int = 1) -> bool:
    return sum(m.role != "user" for m in pane.history.messages) >= n and not pane.turns


async def main_view(app: ClawApp, pilot) -> None:
    main = app.main
    personal, biz = main.pane_for("whatsapp:personal"), main.pane_for("whatsapp:biz")
    discord, slack = main.pane_for("discord:default"), main.pane_for("slack:default")
    await personal.submit("what's for dinner tonight?")
    await biz.submit("send the March invoice to ACME")
    await until(pilot, lambda: answered(personal) and answered(biz))
    await personal.submit(QUESTION)
    await biz.submit("Draft a short status update for the ACME account: shipped items, open "
                     "issues, and what we need from them this week.")
    await slack.submit("status of the release?")
    await discord.submit("anyone around for a game tonight?")
    await until(pilot, lambda: len(personal.live_text) > 120 and len(biz.live_text) > 120)
    await pilot.pause(0.3)


async def interrupted(app: ClawApp, pilot) -> None:
    main = app.main
    pane = main.pane_for("whatsapp:personal")
    await pane.submit("hello!")
    await until(pilot, lambda: answered(pane))
    await pane.submit(QUESTION)
    await until(pilot, lambda: len(pane.live_text) > 90)
    await pilot.press("escape")
    await until(pilot, lambda: answered(pane, 2))
    app._refresh_clones()
    await pilot.pause(0.3)


async def routing_editor(app: ClawApp, pilot) -> None:
    await pilot.press("ctrl+r")
    await pilot.pause(0.3)
    await pilot.press("c")  # duplicate binding #0: lint flags the copy as shadowed
    editor = app.screen
    editor.query_one("#try-input").value = "discord guild=111111111111111111 roles=ops peer=channel:42"
    await pilot.pause(0.3)


async def search(app: ClawApp, pilot) -> None:
    main = app.main
    personal, biz = main.pane_for("whatsapp:personal"), main.pane_for("whatsapp:biz")
    await personal.submit("where did I put the invoice for the plumber?")
    await biz.submit("send the March invoice to ACME")
    await until(pilot, lambda: answered(personal) and answered(biz))
    await pilot.press("ctrl+f", "ctrl+t")
    app.screen.query_one("#search-input").value = "invoice"
    await until(pilot, lambda: len(app.screen.hits) >= 4)
    await pilot.pause(0.3)


SHOTS: dict[str, tuple[Scenario, tuple[int, int]]] = {
    "main-view": (main_view, SIZE),
    "interrupted": (interrupted, SIZE),
    "routing-editor": (routing_editor, SIZE),
    "search": (search, SIZE),
    "small-80x24": (main_view, (80, 24)),
    "medium-120x40": (main_view, (120, 40)),
    "wide-200x60": (main_view, (200, 60)),
}


async def shoot(name: str, scenario: Scenario, out: Path, size: tuple[int, int] = SIZE) -> Path:
    import engine.agent.agent as agent_module

    # Clone ids carry a process-wide number; restart it so every shot shows #1, #2, ...
    agent_module._CLONE_SEQ = itertools.count(1)
    with tempfile.TemporaryDirectory(prefix="claw-shot-") as tmp:
        state = Path(tmp) / "state"
        async with Gateway(load_example(), state, env={"CLAW_OFFLINE_DELAY_MS": "60"},
                           watch_config=False) as gateway:
            app = ClawApp(gateway, state_dir=state, format_time=lambda _t: "09:41",
                          clone_refresh=0.5)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                app.clear_notifications()
                await scenario(app, pilot)
                path = app.save_screenshot(f"{name}.svg", path=str(out))
    return Path(path)


async def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (scenario, size) in SHOTS.items():
        path = await shoot(name, scenario, out, size)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
    asyncio.run(run(target))
