"""Every ``claw-tui`` output of untrusted text is terminal-safe, in text and JSON mode.

Names, ids and messages from a config or a script may hold terminal controls (ESC, BEL, DEL,
the C1 CSI/OSC/ST) or bidi overrides. Text output shows them as visible stand-ins (``␛``,
``<U+202E>``); JSON output escapes them as ``\\uXXXX`` so it still decodes to the original
strings. Everything runs through the installed console script and reads raw bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.text import clean, json_safe, json_safe_dumps
from tests.support.cli import console_script

# What must never reach a terminal raw: ESC, BEL, DEL, C1 CSI/OSC/ST, bidi override/isolate.
RAW = ("\x1b", "\x07", "\x7f", "\x9b", "\x9d", "\x9c", "\u202e", "\u2066")
NAME = "Home\x1b]2;pwned\x07 \x9b31m \x9d0;x\x9c \u202eevil \u2066iso\x7f"
PEER = "\x1b]2;pwned\x07\u202e\x9b\x9d\x9c\u2066\x7f"  # lower case: session keys fold case


def q(text: str) -> str:
    """A JSON5 string literal written with escapes only (the config file itself is ASCII)."""
    return json.dumps(text)


CONFIG = f"""{{
  agents: {{ list: [
    {{ id: "home", default: true, name: {q(NAME)} }},
    {{ id: "work" }},
  ] }},
  bindings: [
    {{ agentId: "work", match: {{ channel: "slack", peer: {{ kind: "direct", id: {q(PEER)} }} }} }},
  ],
  session: {{ dmScope: "per-channel-peer" }},
}}
"""

# Two peer ids that differ only by case (a lint warning quoting both) and a shadowed binding.
LINT_CONFIG = f"""{{
  agents: {{ list: [ {{ id: "home", default: true }}, {{ id: "work" }} ] }},
  bindings: [
    {{ agentId: "work", match: {{ channel: "slack", peer: {{ kind: "direct", id: {q(PEER)} }} }} }},
    {{ agentId: "home", match: {{ channel: "slack",
                                 peer: {{ kind: "direct", id: {q(PEER.upper())} }} }} }},
  ],
}}
"""


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    """No run may read the developer's real ~/.clawdbot or ~/.openclaw."""
    out = {k: v for k, v in os.environ.items()
           if k not in ("CLAWDBOT_CONFIG_PATH", "CLAWDBOT_PROFILE")}
    out.update(HOME=str(tmp_path / "home"), CLAWDBOT_STATE_DIR=str(tmp_path / "state"))
    return out


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG, encoding="ascii")
    return path


def safe(data: bytes) -> str:
    """*data* as text, after checking a terminal would get no control or bidi character."""
    text = data.decode("utf-8")
    assert [c for c in RAW if c in text] == []
    assert clean(text) == text  # nothing the sanitiser would replace is left
    return text


def test_route_text_and_json(config: Path, env: dict[str, str]) -> None:
    argv = ("route", "--config", str(config), "--channel", "slack", "--peer", f"direct:{PEER}")
    text = console_script(*argv, env=env)
    assert text.returncode == 0, text.stderr
    out = safe(text.stdout)
    safe(text.stderr)
    assert 'agent "work"' in out and "␛]2;pwned␇<U+202E><U+009B>" in out
    js = console_script(*argv, "--json", env=env)
    assert js.returncode == 0, js.stderr
    data = json.loads(safe(js.stdout))
    assert data["agentId"] == "work" and data["sessionKey"].endswith(f":direct:{PEER}")


def test_route_batch(config: Path, env: dict[str, str]) -> None:
    """The batch guards its own writer: each line decodes back to the original strings."""
    lines = [json.dumps({"channel": "slack", "peer": {"kind": "direct", "id": PEER}}),
             json.dumps({"channel": f"slack{PEER}"}), "{broken"]
    proc = console_script("route", "--config", str(config), "--batch", "-", env=env,
                          stdin=("\n".join(lines) + "\n").encode())
    rows = [json.loads(line) for line in safe(proc.stdout).splitlines()]
    assert rows[0]["agentId"] == "work" and rows[0]["sessionKey"].endswith(PEER)
    assert rows[1]["channel"] == f"slack{PEER}" and "error" in rows[2]


def test_lint_text_and_json(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "lint.json5"
    path.write_text(LINT_CONFIG, encoding="ascii")
    text = console_script("lint", "--config", str(path), env=env)
    out = safe(text.stdout)
    assert "differs only by case" in out and "␛]2;PWNED␇<U+202E>" in out
    js = console_script("lint", "--json", "--config", str(path), env=env)
    data = json.loads(safe(js.stdout))
    messages = [f["message"] for f in data["findings"]]
    assert any(PEER in m and PEER.upper() in m for m in messages)


def test_agents_list_text_and_json(config: Path, env: dict[str, str]) -> None:
    text = console_script("agents", "list", "--config", str(config), env=env)
    assert text.returncode == 0, text.stderr
    assert "Home␛]2;pwned␇ <U+009B>31m" in safe(text.stdout)
    js = console_script("agents", "list", "--json", "--config", str(config), env=env)
    rows = json.loads(safe(js.stdout))
    assert rows[0]["name"] == NAME


def test_replay_text_and_json(config: Path, tmp_path: Path, env: dict[str, str]) -> None:
    script = tmp_path / "script.jsonl"
    expect = {"agentId": "work", "replyContains": f"absent {PEER}"}
    line = {"channel": "slack", "peer": f"direct:{PEER}", "text": NAME, "expect": expect}
    script.write_text(json.dumps(line) + "\n", encoding="ascii")
    text = console_script("replay", "--config", str(config), str(script), env=env)
    assert text.returncode == 1  # the reply does not contain "absent"
    out = safe(text.stdout)
    # ESC is shown as ␛ (not a blank) and the bidi override as its code point
    assert "direct:␛]2;pwned␇<U+202E>" in out
    assert "reply does not contain" in out and "<U+2066>" in out
    js = console_script("replay", "--json", "--config", str(config), str(script), env=env)
    safe(js.stderr)
    (row,) = [json.loads(line) for line in safe(js.stdout).splitlines()]
    assert row["peer"] == f"direct:{PEER}" and row["agentId"] == "work"
    assert NAME in row["reply"]  # the offline persona quotes the message


@pytest.mark.parametrize("argv", [
    ("replay", f"missing-{PEER}.jsonl"),
    ("route", "--channel", "slack", "--peer", f"nocolon{PEER}"),
    ("route", "--config", f"/no/such/{PEER}/clawdbot.json", "--channel", "slack"),
    ("lint", "--config", f"/no/such/{PEER}/clawdbot.json"),
    (f"nosuchcommand{PEER}",),
    ("replay", "--concurrency", f"x{PEER}", "s.jsonl"),
    ("route", "--channel", "slack", f"--unknown-{PEER}"),
    ("--config", f"/no/such/{PEER}/clawdbot.json"),  # the interactive app's own errors
])
def test_error_messages(env: dict[str, str], argv: tuple[str, ...]) -> None:
    proc = console_script(*argv, env=env)
    assert proc.returncode == 2 or (argv[0] == "lint" and proc.returncode == 1)
    err = safe(proc.stderr) + safe(proc.stdout)
    assert "pwned" in err and "Traceback" not in err


# Every code point of the BMP, a few astral ones, lone surrogates, and text around them.
CODE_POINTS = [*range(0x3000), *range(0xD7F0, 0xE010), *range(0xFEF0, 0x10000), 0x1F980, 0x10FFFF]


def test_json_writer_escapes_exactly_what_clean_replaces() -> None:
    for code in CODE_POINTS:
        char = chr(code)
        value = {f"k{char}": [f"a{char}b", char]}
        out = json_safe_dumps(value, indent=2)
        assert json.loads(out) == value
        assert clean(out) == out  # nothing left for the sanitiser, newlines of the indent kept
        if char not in '\t\n"\\':  # JSON's own escapes
            assert (char in out) == (clean(char) == char), hex(code)  # raw iff printable
        if 0xD800 <= code <= 0xDFFF:
            continue  # UTF-8 cannot hold a lone surrogate; the bytes form never meets one
        encoded = json.dumps(value, ensure_ascii=False).encode("utf-8")
        assert json_safe(encoded) == json_safe(encoded.decode("utf-8")).encode("utf-8"), hex(code)


def test_json_text_with_nothing_to_escape_is_returned_as_it_is() -> None:
    text = json.dumps({"name": "José 🦀", "ids": [1, 2]}, ensure_ascii=False)
    assert json_safe(text) is text
    assert json_safe(text.encode()) == text.encode()


def test_one_line_fields_show_a_newline() -> None:
    assert clean("a\nb\r\nc\td", newlines=False) == "a␊b␍␊c\td"
    assert clean("a\nb\r\nc") == "a\nb\nc"
    assert clean("lone \udc00 surrogate") == "lone <U+DC00> surrogate"
