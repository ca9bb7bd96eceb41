"""Replay scripts that are FIFOs, devices or directories, lines of 200,000 brackets, lines past
the line cap and endless streams on stdin, given to the real ``claw-tui replay``: it ends (the
subprocess timeout proves no hang) with exit 2 and ``file:line`` for every bad line, before
anything runs; a script piped on stdin still runs."""

from __future__ import annotations

import json

import pytest

from engine.inputs import MiB
from tests.support.binary import claw_tui
from tests.support.odd_files import ODD_KINDS, odd_path

SCRIPT_LINE = json.dumps({"channel": "whatsapp", "accountId": "biz", "peer": "direct:+1",
                          "text": "hi", "expect": {"agentId": "work"}})


@pytest.mark.parametrize("kind", ODD_KINDS)
def test_a_replay_script_that_is_not_a_regular_file_is_refused(tmp_path, env, config, kind) -> None:
    path, words = odd_path(tmp_path, kind)
    proc = claw_tui("replay", "--config", str(config), str(path), env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{path}: {words}" in proc.stderr and proc.stdout == ""


def test_a_replay_line_of_200000_brackets_is_a_bad_line(tmp_path, env, config) -> None:
    script = tmp_path / "script.jsonl"
    script.write_text(SCRIPT_LINE + "\n" + "[" * 200_000 + "\n")
    proc = claw_tui("replay", "--config", str(config), str(script), env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{script}:2: not valid JSON: nested deeper than 64 levels at column 65" in proc.stderr
    assert "RecursionError" not in proc.stderr and proc.stdout == ""


def test_an_overlong_replay_line_is_a_bad_line_and_the_others_are_checked(tmp_path, env, config) -> None:
    script = tmp_path / "script.jsonl"
    long_line = json.dumps({"channel": "whatsapp", "text": "x" * (2 * MiB)})
    script.write_text(long_line + "\n" + SCRIPT_LINE + "\n" + "{oops\n")
    proc = claw_tui("replay", "--config", str(config), str(script), env=env)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0] == (f"claw-tui: {script}:1: line too long ({len(long_line):,} bytes; the limit "
                        "is 1 MiB)")
    assert lines[1].startswith(f"{script}:3: not valid JSON")


def test_a_replay_script_from_a_pipe_runs(tmp_path, env, config) -> None:
    proc = claw_tui("replay", "--config", str(config), "-", "--json", env=env,
                    input=(SCRIPT_LINE + "\r\n" + SCRIPT_LINE).encode())
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(r)["agentId"] for r in proc.stdout.splitlines()] == ["work", "work"]


def test_an_endless_replay_stream_is_cut_at_the_script_limit(tmp_path, env, config) -> None:
    with open("/dev/zero", "rb") as zeros:
        proc = claw_tui("replay", "--config", str(config), "-", env=env, stdin=zeros)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "claw-tui: <stdin>:1: the replay script is too large (more than 32 MiB)"


def test_a_byte_order_mark_is_accepted_and_a_non_utf8_line_is_a_bad_line(tmp_path, env, config) -> None:
    script = tmp_path / "script.jsonl"
    script.write_bytes(b"\xef\xbb\xbf" + SCRIPT_LINE.encode() + b"\n" + b'{"text": "\xff"}\n')
    proc = claw_tui("replay", "--config", str(config), str(script), env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"claw-tui: {script}:2: not UTF-8 text (byte 11 of the line)"
    script.write_bytes(b"\xef\xbb\xbf" + SCRIPT_LINE.encode() + b"\n")
    proc = claw_tui("replay", "--config", str(config), str(script), env=env)
    assert proc.returncode == 0, proc.stderr


def test_replay_output_cut_short_by_its_reader_ends_quietly(tmp_path, env, config) -> None:
    """``claw-tui replay --json … | head -1``: the rows after the reader left are not an
    internal error (the write fails inside replay's task group)."""
    import subprocess

    from tests.support.binary import executable

    script = tmp_path / "many.jsonl"
    line = json.dumps({"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1",
                       "text": "x" * 2000})
    script.write_text("\n".join([line] * 200), encoding="utf-8")
    proc = subprocess.Popen([executable(), "replay", "--config", str(config), str(script),
                             "--json", "--delay-ms", "0"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b'{"line": 1')
    proc.stdout.close()  # as head does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "internal error" not in err and "Traceback" not in err
