"""``claw-tui`` with no subcommand: config problems are printed as located lines, exit 2."""

from __future__ import annotations

from tui.cli import main


def test_bad_config_prints_problems_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "clawdbot.json"
    bad.write_text('{\n  agents: { list: [ { id: "home" } ] },\n'
                   '  bindings: [ { agentId: "wrok", match: { channel: "slack" } } ],\n}\n')
    code = main(["--config", str(bad), "--state-dir", str(tmp_path / "state")])
    err = capsys.readouterr().err
    assert code == 2
    assert "clawdbot.json:3:" in err and "wrok" in err
    assert "Traceback" not in err


def test_missing_config_named_by_flag_is_an_error(tmp_path, capsys):
    code = main(["--config", str(tmp_path / "nope.json"), "--state-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "nope.json" in err and "not found" in err


def test_the_app_lets_the_terminal_writer_thread_in_often(tmp_path, capsys):
    """Textual writes frames from a thread of its own; the app shortens the time the busy
    event loop may keep that thread waiting for the interpreter (``SWITCH_INTERVAL``)."""
    import sys

    from tui.app import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    try:
        main(["--config", str(tmp_path / "nope.json"), "--state-dir", str(tmp_path)])
        assert SWITCH_INTERVAL < 0.005 and sys.getswitchinterval() == SWITCH_INTERVAL
    finally:
        sys.setswitchinterval(before)
