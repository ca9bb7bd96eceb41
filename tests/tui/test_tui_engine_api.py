"""The TUI's one seam to the engine: the embedded gateway is an ``EngineAPI``, and ``tui/``
imports nothing else of ``engine/`` than the modules ``engine.api`` lists."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from engine.api import TUI_IMPORTS, Accepted, EngineAPI, EventStream
from engine.config.loader import load_config_text
from engine.gateway.gateway import Gateway
from engine.gateway.inbox import PeerSpec
from tests.support.tui_app import CONFIG_TEXT

ROOT = Path(__file__).resolve().parents[2]


async def test_the_embedded_gateway_is_the_engine_interface(tmp_path):
    gateway = Gateway(load_config_text(CONFIG_TEXT), tmp_path, env={"CLAW_OFFLINE_DELAY_MS": "0"},
                      watch_config=False)
    assert isinstance(gateway, EngineAPI)
    stream = gateway.subscribe()
    assert isinstance(stream, EventStream)
    async with gateway:
        accepted = await gateway.send("whatsapp:personal", PeerSpec(), "hello")
        assert isinstance(accepted, Accepted)
        assert accepted.route.agent_id == accepted.agent_id == "home"
        assert await stream.wait(5.0)
        assert "RouteResolved" in [type(event).__name__ for event in stream.drain()]
    stream.close()


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_the_gateway_matches_the_interface_signature_by_signature():
    out = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports",
                          "--follow-imports=silent", "--no-incremental",
                          "tests/tui/engine_api_conformance.py"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def engine_imports(path: Path) -> set[str]:
    """Every ``engine`` module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:  # a submodule, else a name of the module
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _is_module(sub) else node.module)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
    return {name for name in found if name == "engine" or name.startswith("engine.")}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_tui_imports_only_the_interface_plain_data_and_local_helpers():
    wrong = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        allowed = set(TUI_IMPORTS["*"]) | set(TUI_IMPORTS.get(rel, ()))
        wrong += [f"{rel}: {name}" for name in sorted(engine_imports(path) - allowed)]
    assert wrong == []


def test_the_scan_sees_imports_wherever_they_are(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from engine.api import EngineAPI\n"
                      "def f():\n    from engine.store.store import AgentStore\n"
                      "    import engine.gateway.turns\n"
                      "from engine import gateway\n"
                      "x = lazy_module(\"engine.providers.base\")\n")
    assert engine_imports(sample) == {"engine.api", "engine.store.store", "engine.gateway.turns",
                                      "engine.gateway", "engine.providers.base"}
