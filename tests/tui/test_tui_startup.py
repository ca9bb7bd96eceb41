"""Start-up order: the window's first frame comes before the gateway opens and before the
store and model modules load; what the user does meanwhile waits for the gateway."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from engine.config.loader import load_config
from engine.gateway.gateway import Gateway
from tests.support.tui_app import CONFIG_TEXT, fixed_time, prefill, type_text, wait_for
import tui.app
from tui.app import WIDGET_CSS, ClawApp, run_over_gateway

ROOT = Path(__file__).resolve().parents[2]


class RecordingGateway(Gateway):
    """A real gateway that notes whether the app had drawn its first frame when it opened,
    and opens only once the test lets it (``may_open``)."""

    app: ClawApp | None = None
    opened_after_first_frame: bool | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.may_open = asyncio.Event()

    async def __aenter__(self) -> "RecordingGateway":
        assert self.app is not None
        self.opened_after_first_frame = self.app.first_frame.is_set()
        await self.may_open.wait()
        return await super().__aenter__()


async def test_gateway_opens_after_the_first_frame_and_a_message_typed_before_is_sent(tmp_path):
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG_TEXT, encoding="utf-8")
    state = tmp_path / "state"
    await prefill(state, "home", ["an old question", "an old answer"],
                  session_key="agent:home:main")
    gateway = RecordingGateway(load_config(path), state, env={"CLAW_OFFLINE_DELAY_MS": "1"},
                               watch_config=False)
    app = ClawApp(gateway, state_dir=state, format_time=fixed_time, clone_refresh=0)
    gateway.app = app
    seen: dict[str, object] = {}

    async def auto_pilot(pilot) -> None:
        try:
            await drive(pilot)
        finally:
            gateway.may_open.set()  # a failed check must not leave the gateway waiting

    async def drive(pilot) -> None:
        # Typed at once, as the app comes up: before the composer has focus (type-ahead)
        # and before the gateway runs.
        await type_text(pilot, "hello")
        await pilot.press("enter")
        pane = app.main.pane_for("whatsapp:personal")
        await wait_for(pilot, lambda: app.first_frame.is_set(), what="the first frame")
        await pilot.pause(0.1)
        assert not gateway.running and not pane.history.messages  # nothing stored or sent yet
        assert pane.composer.text == ""  # the line was taken: it waits to be sent
        gateway.may_open.set()
        await wait_for(pilot, lambda: any(m.role == "assistant" and "hello" in m.content
                                          for m in pane.history.messages), what="the reply")
        seen["history"] = [m.content for m in pane.history.messages]
        seen["running"] = gateway.running
        app.exit(0)

    code = await run_over_gateway(app, gateway, headless=True, size=(160, 48),
                                  auto_pilot=auto_pilot)
    assert code == 0
    assert gateway.opened_after_first_frame is True
    assert seen["running"] is True and not gateway.running  # closed when the app exited
    history = seen["history"]
    assert history[:2] == ["an old question", "an old answer"]  # loaded once it opened
    assert history[2] == "hello"  # typed as the app came up, whole, sent once the gateway ran


async def test_an_app_that_fails_before_its_first_frame_never_opens_the_gateway(tmp_path):
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG_TEXT, encoding="utf-8")
    gateway = RecordingGateway(load_config(path), tmp_path / "state", watch_config=False)
    gateway.may_open.set()

    class Broken(ClawApp):
        CSS_PATH = [Path(tui.app.__file__).parent / css for css in WIDGET_CSS]

        def get_default_screen(self):
            raise RuntimeError("cannot draw")

    app = Broken(gateway, state_dir=tmp_path / "state", clone_refresh=0)
    gateway.app = app
    await run_over_gateway(app, gateway, headless=True, size=(80, 24))
    assert gateway.opened_after_first_frame is None and not gateway.running
    assert isinstance(app._exception, RuntimeError)


FIRST_FRAME_MODULES = """
import asyncio, json, sys, types
from engine.config.loader import load_config_text
from engine.gateway.gateway import Gateway
from tests.support.tui_app import CONFIG_TEXT
from tui.app import ClawApp

heavy = ["sqlite3", "aiosqlite", "engine.store.store", "engine.providers.base",
         "engine.providers.registry", "engine.agent.agent", "openai", "httpx",
         "textual.widgets._markdown",
         # what only attaching to a remote gateway (--gateway) needs
         "websockets", "cryptography", "engine.remote.engine", "engine.remote.client",
         # what only a running gateway needs: its event types, turns, stored-message types
         "engine.gateway.events", "engine.gateway.turns", "engine.gateway.history",
         "engine.gateway.a2a", "engine.store.models", "hashlib",
         # anyio's event-loop backend (loaded by the first anyio primitive made on the loop)
         "anyio._backends._asyncio",
         # what only a collapsed layout, a reply (its tool calls, mentions) or an alert needs
         "tui.widgets.pane_tabs", "tui.widgets.tool_calls", "tui.terminal_alert",
         "tui.hotlist"]


def first_frame(app):
    # a module ``engine.lazy.lazy_module`` registered but nothing has used is not loaded
    app.loaded = [m for m in heavy if type(sys.modules.get(m)) is types.ModuleType]
    app.panes = [(pane.inbox.key, pane.route is not None) for pane in app.main.panes]
    app.exit()


ClawApp.on_ready = first_frame  # Ready: the first frame is out


async def main():
    gateway = Gateway(load_config_text(CONFIG_TEXT), sys.argv[1], watch_config=False)
    app = ClawApp(gateway, state_dir=sys.argv[1], clone_refresh=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
    assert len(app.panes) > 1 and all(routed for _, routed in app.panes)  # drawn, routed
    print(json.dumps(app.loaded))

asyncio.run(main())
"""


def test_the_first_frame_path_loads_no_sqlite_model_client_or_markdown_module(tmp_path):
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME_MODULES, str(tmp_path)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == []


APP_COMMAND_LINE = """
import json, sys
from engine.cli import build_parser
from tui.cli import names_a_command

argv = ["--config", "c.json", "--state-dir", "s", "--debug"]
parsed = vars(build_parser(commands=names_a_command(argv)).parse_args(argv))
print(json.dumps([parsed, sorted(m for m in sys.modules if m.startswith("engine.cli."))]))
"""


def test_the_app_command_line_builds_no_subcommand_parser():
    out = subprocess.run([sys.executable, "-c", APP_COMMAND_LINE], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    parsed, loaded = json.loads(out.stdout)
    assert parsed == {"config": "c.json", "state_dir": "s", "debug": True, "command": None}
    assert loaded == []  # no subcommand's module imported, none of their options built


def test_a_command_line_naming_a_subcommand_or_help_builds_them():
    from tui.cli import names_a_command

    for argv in (["route", "--channel", "whatsapp"], ["--config", "c.json", "lint"], ["-h"],
                 ["--help"], ["--he"], ["--config", "route"]):  # (the last: a file named so)
        assert names_a_command(argv), argv
    for argv in ([], ["--theme", "nord"], ["--config", "c.json", "--debug"], ["--gateway", "ws://h"]):
        assert not names_a_command(argv), argv


WARM_UP = """
import asyncio, json, sys, types
from engine.config.loader import load_config_text
from engine.gateway.gateway import Gateway
from tests.support.tui_app import CONFIG_TEXT
from tui.app import ClawApp

wanted = ["markdown_it", "rich.markdown", "tui.hotlist", "tui.widgets.tool_calls"]


async def main():
    gateway = Gateway(load_config_text(CONFIG_TEXT), sys.argv[1], watch_config=False)
    app = ClawApp(gateway, state_dir=sys.argv[1], clone_refresh=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.first_frame.wait()
        for _ in range(500):
            warm = [w for w in app.workers if w.name == "warm-up"]
            if warm and all(w.is_finished for w in warm):
                break
            await pilot.pause(0.02)
        loaded = [m for m in wanted if type(sys.modules.get(m)) is types.ModuleType]
    print(json.dumps(loaded))

asyncio.run(main())
"""


def test_what_a_first_reply_needs_loads_after_the_first_frame_without_a_reply(tmp_path):
    """The Markdown parser (50 ms of regular expressions) and the reply's helpers load on a
    worker thread once the first frame is out, not on the event loop with the first reply."""
    out = subprocess.run([sys.executable, "-c", WARM_UP, str(tmp_path)],
                         capture_output=True, text=True, check=True, cwd=ROOT, timeout=120)
    assert json.loads(out.stdout) == ["markdown_it", "rich.markdown", "tui.hotlist",
                                      "tui.widgets.tool_calls"]
