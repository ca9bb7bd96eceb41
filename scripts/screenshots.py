"""Render the README screenshots (SVG) into ``screenshots/`` with the real app.

Each shot runs the real ``ClawApp`` over a real ``Gateway`` on the built-in example (offline
model, temp state dir) with ``App.run_test()`` and saves it with ``save_screenshot()``:

- ``main-view.svg``       several panes mid-conversation, the clone panel busy
- ``interrupted.svg``     a reply interrupted with Esc: partial text kept, marked interrupted
- ``routing-editor.svg``  the routing editor with a lint finding and the "try it" line
- ``search.svg``          search results across agents
- ``small-80x24.svg``, ``medium-120x40.svg``, ``wide-200x60.svg``: the main view at those
  terminal sizes (80×24 is the collapsed layout: one pane and the pane switcher line)
- ``attached.svg``        the app attached to a real OpenClaw gateway (``--gateway``): a reply
  streaming in the operator's pane, an a2a message answered in its account's pane, the runs
  panel listing the gateway's runs

The first four and ``attached`` are 160×48. ``attached`` starts the gateway of
``tests/support/openclaw_gateway.py`` (a fake model on loopback) and stops it after, whatever
happens; without OpenClaw installed it says how to install it and renders the others.

Usage: ``python scripts/screenshots.py [OUTPUT_DIR] [--only NAME ...]`` (default: every shot
into ``screenshots/``; ``--only attached main-view`` renders those).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import socket
import sys
import tempfile
from pathlib import Path
from typing import Awaitable, Callable

from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from engine.remote.connection import Auth
from engine.remote.engine import RemoteEngine
from tui.app import ClawApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the real gateway's harness lives in tests/support

from tests.support.openai_server import Reply  # noqa: E402
from tests.support.openclaw_gateway import INSTALL_SCRIPT, OpenClawGateway, installed  # noqa: E402
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


ATTACHED = "attached"
GATEWAY_PORT = 18789  # OpenClaw's usual port, when free: the title shows it
GATEWAY_WAIT = 300.0  # a real agent run on a busy machine
A2A_TEXT = "Which seeds did the garden plan say to order before the weekend?"
A2A_REPLY = ("From the garden plan: tomato (San Marzano), dwarf French beans and two packets of "
             "rocket. The squash seeds are already in the shed.")
OPERATOR_FIRST = "morning! anything new from the research agent?"
OPERATOR_REPLY = "Morning. Research answered a seed question from the garden group over a2a."
STREAMED = ("Here is this week in short. Monday: the raised beds were finished and the soil "
            "delivered. Wednesday: we agreed to keep the north corner for herbs and to move the "
            "compost bin behind the shed. Friday: the seed list was checked against the plan, "
            "and three packets are still missing, so research will order them tomorrow morning "
            "before the weekend rush, and I will remind you when they ship.")


async def attached(app: ClawApp, pilot, gateway: OpenClawGateway) -> None:
    main = app.main
    operator, a2a = main.pane_for("local:default"), main.pane_for("a2a:default")
    await operator.submit(OPERATOR_FIRST)
    await until(pilot, lambda: answered(operator), GATEWAY_WAIT)
    await asyncio.to_thread(gateway.a2a_send, A2A_TEXT, context_id="garden")
    await until(pilot, lambda: answered(a2a), GATEWAY_WAIT)
    main.focus_pane(operator)
    await operator.submit(QUESTION)
    await until(pilot, lambda: len(operator.live_text) > 200, GATEWAY_WAIT / 2)
    await pilot.pause(0.3)


def gateway_port() -> int | None:
    """``GATEWAY_PORT`` if nothing listens there, else None (the harness picks a free one)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", GATEWAY_PORT))
        except OSError:
            return None
    return GATEWAY_PORT


async def shoot_attached(out: Path) -> Path | None:
    """The attached shot over a real gateway started here and stopped after, or None (with
    how to install OpenClaw) when it is not installed."""
    found = await asyncio.to_thread(installed)
    if found is None:
        print(f"skipped {ATTACHED}.svg: OpenClaw is not installed; install it with "
              f"`bash {INSTALL_SCRIPT.relative_to(ROOT)}` (npm, about a minute) and run "
              f"`python scripts/screenshots.py --only {ATTACHED}`")
        return None
    with tempfile.TemporaryDirectory(prefix="claw-shot-") as tmp:
        home, state = Path(tmp) / "home", Path(tmp) / "state"
        home.mkdir(mode=0o700)
        gateway = OpenClawGateway(home, installed=found)
        gateway.port = gateway_port() or gateway.port
        # The model is asked with the session's every user message and the first phrase
        # found answers: the last question of a session comes first.
        gateway.reply_to("summarise what we decided", Reply(text=STREAMED, chunk_delay=0.12))
        gateway.reply_to(OPERATOR_FIRST, Reply(text=OPERATOR_REPLY, chunk_delay=0.02))
        gateway.reply_to(A2A_TEXT, Reply(text=A2A_REPLY, chunk_delay=0.02))
        try:
            print(f"starting an OpenClaw gateway on {gateway.url} (about 30 s) ...")
            await asyncio.to_thread(gateway.start)
            await asyncio.to_thread(gateway.warm_up, Path(tmp) / "warm-up")
            async with RemoteEngine(gateway.url, auth=Auth(token=gateway.token),
                                    state_dir=state, connect_budget=120) as engine:
                app = ClawApp(engine, state_dir=state, format_time=lambda _t: "09:41",
                              clone_refresh=0.5)
                async with app.run_test(size=SIZE) as pilot:
                    await pilot.pause()
                    app.clear_notifications()
                    await attached(app, pilot, gateway)
                    path = app.save_screenshot(f"{ATTACHED}.svg", path=str(out))
        finally:
            await asyncio.to_thread(gateway.close)
    return Path(path)


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


async def run(out: Path, names: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name == ATTACHED:
            path = await shoot_attached(out)
        else:
            scenario, size = SHOTS[name]
            path = await shoot(name, scenario, out, size)
        if path is not None:
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv: list[str] | None = None) -> int:
    every = [*SHOTS, ATTACHED]
    parser = argparse.ArgumentParser(description="Render the README screenshots (SVG).")
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "screenshots",
                        help="output folder (default: screenshots/)")
    parser.add_argument("--only", nargs="+", choices=every, metavar="NAME",
                        help=f"render only these shots: {', '.join(every)}")
    args = parser.parse_args(argv)

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so a kill still stops the gateway (the ``finally``)

    signal.signal(signal.SIGTERM, terminated)
    asyncio.run(run(args.out, [n for n in every if n in (args.only or every)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
