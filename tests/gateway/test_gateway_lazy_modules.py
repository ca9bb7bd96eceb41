"""``engine.lazy``: a module the gateway only needs once it runs is registered at once and runs
on its first use, and the usual import statements keep working with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, types
from engine.lazy import lazy_module

events = lazy_module("engine.gateway.events")
out = {"registered": sys.modules["engine.gateway.events"] is events,
       "ran_before_use": type(events) is types.ModuleType}
delta = events.ReplyDelta  # first use: the module runs
out["ran_on_use"] = type(events) is types.ModuleType
from engine.gateway.events import ReplyDelta
import engine.gateway
import engine.gateway.events as again
out["same"] = ReplyDelta is delta and again is events and engine.gateway.events is events
out["again_returns_it"] = lazy_module("engine.gateway.events") is events
try:
    lazy_module("engine.no_such_module")
except ModuleNotFoundError as exc:
    out["missing"] = str(exc)
print(json.dumps(out))
"""


def test_lazy_module_runs_on_first_use_and_stays_the_module():
    # in its own process: this one has long imported the gateway's modules
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert json.loads(run.stdout) == {
        "registered": True, "ran_before_use": False, "ran_on_use": True, "same": True,
        "again_returns_it": True, "missing": "no module named 'engine.no_such_module'",
    }
