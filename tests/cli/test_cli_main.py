"""The console script's top level: help lists subcommands, --version, no traceback on bad use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine import __version__
from engine.cli import SUBCOMMANDS, build_parser, main


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"claw-tui {__version__}"


def test_help_lists_every_subcommand() -> None:
    assert set(SUBCOMMANDS) == {"route", "lint", "replay", "agents", "gateway"}
    text = build_parser().format_help()
    for name in SUBCOMMANDS:
        assert f"    {name} " in text


def test_replay_help_names_the_offline_model_once(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "offline persona model (offline/persona)" in text and "offline offline" not in text


def test_unknown_subcommand_is_a_usage_error_not_a_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "no-such-command"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "invalid choice" in proc.stderr


def test_engine_never_imports_textual() -> None:
    """Import every engine module in a fresh interpreter: Textual must stay unloaded."""
    code = (
        "import sys, pkgutil, importlib, engine, engine.cli as c\n"
        "for m in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "c.build_parser()\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
