"""``claw-tui route --batch`` on odd input through the real process: a batch file that is a FIFO,
a device or a folder is refused naming it (never waited on); a line nested 200,000 deep and a line
past the cap are errors for those lines alone, the others are routed."""

from __future__ import annotations

import json

import pytest

from engine.inputs import MiB
from tests.support.binary import claw_tui
from tests.support.odd_files import ODD_KINDS, odd_path

WORK = b'{"channel": "whatsapp", "accountId": "biz", "peer": {"kind": "direct", "id": "+1"}}'
HOME = b'{"channel": "slack"}'


@pytest.mark.parametrize("kind", ODD_KINDS)
def test_a_batch_file_that_is_not_a_regular_file_is_refused(tmp_path, env, config, kind) -> None:
    path, words = odd_path(tmp_path, kind)
    proc = claw_tui("route", "--config", str(config), "--batch", str(path), env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{path}: {words}" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_deep_and_overlong_lines_are_errors_for_those_lines_only(tmp_path, env, config, source) -> None:
    overlong = b'{"channel": "slack", "pad": "' + b"x" * (2 * MiB) + b'"}'
    data = b"\n".join([WORK, b"[" * 200_000, HOME, overlong, b'{"a": ' * 100_000, WORK]) + b"\n"
    if source == "file":
        batch = tmp_path / "in.jsonl"
        batch.write_bytes(data)
        proc = claw_tui("route", "--config", str(config), "--batch", str(batch), env=env)
    else:
        proc = claw_tui("route", "--config", str(config), "--batch", "-", env=env, input=data)
    assert proc.returncode == 1, proc.stderr
    assert "RecursionError" not in proc.stderr and "internal error" not in proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r.get("agentId") for r in rows] == ["work", None, "home", None, None, "work"]
    assert rows[1]["error"].startswith("line 2: invalid JSON: nested")
    assert rows[3]["error"] == f"line 4: line too long ({len(overlong):,} bytes; the limit is 1 MiB)"
    assert rows[4]["error"].startswith("line 5: invalid JSON: nested")
