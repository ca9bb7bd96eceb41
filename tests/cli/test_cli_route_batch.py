"""``claw-tui route --batch`` fast path: every line routes exactly as ``Inbound.from_json`` of the
parsed line would, what it prints is terminal-safe JSON, and odd input stays one error line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.route import batch_lines
from engine.config.loader import load_config_data, load_config_text
from engine.errors import RouteError
from engine.inputs import MiB
from engine.routing import Inbound, InboundError, Router
from engine.text import clean
from tests.support.binary import claw_tui
from tests.support.cli import run
from tests.support.vectors import load_vectors

CONFIG = """\
{
  agents: { list: [ { id: "home", default: true }, { id: "work" }, { id: "ops" } ] },
  bindings: [
    { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } },
    { agentId: "work", match: { channel: "whatsapp", peer: { kind: "group", id: "G 1" } } },
    { agentId: "ops", match: { channel: "discord", guildId: "g1", roles: ["admin"] } },
    { agentId: "ops", match: { channel: "slack", teamId: "T1" } },
    { agentId: "work", match: { channel: "telegram", accountId: "*", peer: { kind: "dm", id: "*" } } },
  ],
  session: { dmScope: "per-account-channel-peer" },
}
"""


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read the developer's real ~/.clawdbot or ~/.openclaw."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_config_text(CONFIG, file="clawdbot.json"))


def reference(router: Router, line: bytes) -> dict[str, Any] | None:
    """What one line means, the slow and obvious way: stdlib JSON of the trimmed text,
    ``Inbound.from_json``, ``resolve``; None when the line is an error."""
    try:
        obj = json.loads(line.decode("utf-8").strip())
        return router.resolve(Inbound.from_json(obj)).to_json()
    except (ValueError, RecursionError, InboundError, RouteError):
        return None


def batch(router: Router, lines: Iterable[bytes]) -> list[tuple[bool, bytes]]:
    return list(batch_lines(router, lines))


UNSAFE = ["\x1b", "\x07", "\x7f", "\x9b", "\u202e", "\u2066", "\u200f", "\u061c"]


def assert_terminal_safe(out: bytes) -> None:
    text = out.decode("utf-8")
    assert clean(text) == text, f"raw control or bidi character in {out!r}"


# ------------------------------------------------------------------------- terminal safety
def test_controls_and_bidi_in_a_peer_id_are_escaped_and_decode_back(config: Path, tmp_path: Path,
                                                                   capsys) -> None:
    peer_id = "x\x1b[31m\u009b2J\u202eevil"
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"channel": "slack", "peer": {"kind": "direct", "id": peer_id}},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    assert "\u202e" in source.read_text(encoding="utf-8")  # raw in the input (ESC is escaped)
    code, out, _ = run(capsys, "route", "--config", str(config), "--batch", str(source))
    assert code == 0
    for raw in ("\x1b", "\u009b", "\u202e"):
        assert raw not in out
    row = json.loads(out)
    assert row["sessionKey"] == f"agent:home:slack:default:direct:{peer_id.lower()}"
    assert row["sessionKey"].endswith("x\x1b[31m\u009b2j\u202eevil")


def test_every_unsafe_character_is_escaped_in_routes_and_errors(router: Router) -> None:
    lines = [json.dumps({"channel": "slack", "peer": {"kind": "direct", "id": f"a{c}b"}},
                        ensure_ascii=False).encode() for c in UNSAFE]
    lines += [json.dumps({"channel": f"{c} ", "peer": {"kind": " ", "id": 1}},
                         ensure_ascii=False).encode() for c in UNSAFE]
    results = batch(router, lines)
    for line, (ok, out) in zip(lines, results):
        assert_terminal_safe(out)
        got = json.loads(out)
        if ok:
            assert got == reference(router, line)
        else:
            assert got == {"error": 'line %d: "peer.kind" must be a non-empty string, got ""'
                           % (lines.index(line) + 1)}
    assert [ok for ok, _ in results] == [True] * len(UNSAFE) + [False] * len(UNSAFE)


def test_all_of_unicode_in_ids_comes_out_terminal_safe_and_exact(router: Router) -> None:
    """Each code point (surrogates aside) inside a peer id and an account id: the output line
    passes ``clean`` unchanged and decodes to the slow path's route."""
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    step = 512
    lines = []
    for start in range(0, len(points), step):
        chunk = "".join(chr(c) for c in points[start:start + step])
        lines.append(json.dumps({"channel": "telegram", "accountId": chunk,
                                 "peer": {"kind": "dm", "id": "p" + chunk}},
                                ensure_ascii=False).encode())
    for line, (ok, out) in zip(lines, batch(router, lines), strict=True):
        assert ok
        assert_terminal_safe(out)
        assert json.loads(out) == reference(router, line)


def test_a_lone_surrogate_escape_routes_and_prints_as_an_escape(router: Router) -> None:
    line = b'{"channel": "slack", "peer": {"kind": "direct", "id": "a\\ud800b"}}'
    [(ok, out)] = batch(router, [line])
    assert ok and out.isascii()
    assert json.loads(out) == reference(router, line)


# --------------------------------------------------------------------------- same meaning
VARIANTS = [
    b'{"channel":"whatsapp","accountId":"biz"}',
    b'  {"channel": " WhatsApp ", "accountId": " BIZ "}  ',
    b'{"channel":"whatsapp","peer":{"kind":"Channel","id":"  G 1 "}}',
    b'{"channel":"whatsapp","peer":{"kind":"dm","id":"x"},"parentPeer":{"kind":"group","id":"G 1"}}',
    b'{"channel":"whatsapp","peer":{"kind":"direct","id":"x"},"parentPeer":{"kind":"group","id":" "}}',
    b'{"channel":"discord","guildId":" g1 ","memberRoleIds":[" admin "]}',
    b'{"channel":"discord","guildId":"g1","memberRoleIds":["member"]}',
    b'{"channel":"discord","guildId":"g1","memberRoleIds":null,"teamId":null}',
    b'{"channel":"slack","teamId":"T1","peer":{"kind":" DM ","id":"U1"}}',
    b'{"channel":"telegram","accountId":"any","peer":{"kind":"direct","id":"42"}}',
    b'{"channel":"telegram","peer":{"kind":"direct","id":42}}',
    b'{"channel":"telegram","peer":{"kind":"direct","id":4.0},"accountId":7}',
    b'{"channel":"discord","guildId":12,"memberRoleIds":["admin",3]}',
    b'{"channel":"slack","peer":{"kind":"robot","id":"r2"}}',
    b'{"channel":"slack","channel":"whatsapp","accountId":"biz"}',
    b'{"channel":"slack","extra":{"deep":[1,2,{"x":null}]},"peer":null}',
    b'{"channel":"slack","x":NaN}',
    b'{"channel":"slack","x":1e999,"y":123456789012345678901234567890}',
    b'\xef\xbb\xbf{"channel":"slack"}',
    b'{"channel":"slack"}\xc2\x85',
    b'{"channel":"slack"} trailing',
    b'{"channel":""}',
    b'{"channel":"  "}',
    b'{"channel":5}',
    b'{"accountId":"biz"}',
    b'{"channel":"slack","peer":"direct:U1"}',
    b'{"channel":"slack","peer":{"kind":"","id":"U1"}}',
    b'{"channel":"slack","peer":{"id":"U1"}}',
    b'{"channel":"slack","peer":{"kind":"direct","id":null}}',
    b'{"channel":"slack","peer":{"kind":"direct","id":true}}',
    b'{"channel":"slack","parentPeer":{"kind":" ","id":"C1"}}',
    b'{"channel":"slack","memberRoleIds":"admin"}',
    b'{"channel":"slack","memberRoleIds":[null]}',
    b'{"channel":"slack","accountId":false}',
    b'[]',
    b'"slack"',
    b'null',
    b'',
    b'   ',
    b'\xff\xfe',
    b'{"channel":"sl\\u0061ck","peer":{"kind":"direct","id":"\\u00e9"}}',
    b'{"channel":"slack","x":' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"channel":"slack","x":' + b"[" * 5000 + b"]" * 5000 + b"}",
]


def test_each_kind_of_line_means_what_the_slow_path_says(router: Router) -> None:
    results = batch(router, VARIANTS)
    assert len(results) == len(VARIANTS)
    for number, (line, (ok, out)) in enumerate(zip(VARIANTS, results), 1):
        want = reference(router, line)
        got = json.loads(out)
        assert_terminal_safe(out)
        if want is None:
            assert not ok and got["error"].startswith(f"line {number}: "), (line, got)
        else:
            assert ok and got == want, (line, got, want)


def test_errors_name_the_line_and_the_field(router: Router) -> None:
    rows = {n: json.loads(out)["error"] for n, (ok, out) in enumerate(batch(router, VARIANTS), 1)
            if not ok}
    by_line = {VARIANTS[n - 1]: message for n, message in rows.items()}
    assert by_line[b'{"channel":""}'].endswith('"channel" must be a non-empty string, got ""')
    assert by_line[b'{"accountId":"biz"}'].endswith('missing "channel"')
    assert by_line[b'{"channel":"slack","peer":{"kind":"direct","id":null}}'].endswith(
        'missing "peer.id"')
    assert by_line[b'{"channel":"slack","memberRoleIds":[null]}'].endswith(
        '"memberRoleIds[0]" must be a string or number, got null')
    assert by_line[b"[]"].endswith("expected a JSON object, got an array")
    assert by_line[b""].endswith("empty line")
    assert by_line[b"\xff\xfe"].endswith("not UTF-8 (byte 1)")
    assert "invalid JSON" in by_line[b'{"channel":"slack"} trailing']


_ids = st.one_of(st.text(alphabet=" aAbB1\t\u00e9\u202e", max_size=4), st.integers(-3, 3),
                 st.floats(allow_nan=False, allow_infinity=False, width=16), st.none(),
                 st.booleans())
_kinds = st.one_of(st.sampled_from(["direct", "dm", " DM", "group", "channel", "Channel ",
                                    "robot", "", " "]), st.integers(0, 2), st.none())
_peers = st.one_of(st.none(), st.fixed_dictionaries({}, optional={"kind": _kinds, "id": _ids}),
                   st.text(max_size=3))
_messages = st.fixed_dictionaries({}, optional={
    "channel": st.one_of(st.sampled_from(["whatsapp", "WhatsApp ", "discord", "slack",
                                          "telegram", "", " "]), st.integers(0, 1), st.none()),
    "accountId": _ids,
    "peer": _peers,
    "parentPeer": _peers,
    "guildId": st.one_of(st.sampled_from(["g1", " g1", "g2"]), _ids),
    "teamId": st.one_of(st.sampled_from(["T1", "T1 ", "t1"]), _ids),
    "memberRoleIds": st.one_of(st.none(), st.lists(st.one_of(
        st.sampled_from(["admin", " admin", "member"]), _ids), max_size=3), st.text(max_size=2)),
    "other": st.one_of(st.none(), st.lists(st.integers(), max_size=2)),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_messages, min_size=1, max_size=8))
def test_generated_messages_route_as_the_slow_path_does(router: Router,
                                                        messages: list[dict]) -> None:
    lines = [json.dumps(m, ensure_ascii=False).encode() for m in messages]
    for line, (ok, out) in zip(lines, batch(router, lines), strict=True):
        want = reference(router, line)
        assert_terminal_safe(out)
        assert ok == (want is not None), (line, out)
        if ok:
            assert json.loads(out) == want, line


def test_every_openclaw_vector_routes_as_openclaw_did() -> None:
    total = 0
    for case in load_vectors():
        router = Router(load_config_data(case["config"]))
        lines = [json.dumps(raw).encode() for raw in case["inputs"]]
        for line, expected, (ok, out) in zip(lines, case["expect"], batch(router, lines),
                                             strict=True):
            got = json.loads(out)
            assert ok and {k: got[k] for k in expected} == expected, (line, got, expected)
            total += 1
    assert total == 1200


# ---------------------------------------------------------------------------- long input
def test_an_overlong_line_is_an_error_for_that_line_only(config: Path, tmp_path: Path,
                                                         capsys) -> None:
    source = tmp_path / "long.jsonl"
    long_line = json.dumps({"channel": "slack", "pad": "x" * (2 * MiB)})
    source.write_text('{"channel": "slack"}\n' + long_line + '\n{"channel": "whatsapp", '
                      '"accountId": "biz"}\r\n{"channel": "slack"}', encoding="utf-8")
    code, out, _ = run(capsys, "route", "--config", str(config), "--batch", str(source))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(rows) == 4
    assert rows[1] == {"error": f"line 2: line too long ({len(long_line):,} bytes; the limit is "
                                "1 MiB)"}
    assert [r.get("agentId") for r in rows] == ["home", None, "work", "home"]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_an_endless_line_on_stdin_does_not_grow_memory(config: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "CLAWDBOT_STATE_DIR": str(tmp_path / "s")}
    with open("/dev/zero", "rb") as zeros:
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "route", "--config",
                                 str(config), "--batch", "-"], stdin=zeros,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        peak = 0
        deadline = time.monotonic() + 4.0  # long enough to read far more than the line cap
        while time.monotonic() < deadline and proc.poll() is None:
            peak = max(peak, _rss_kib(proc.pid))
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert peak < 150 * 1024, f"memory grew to {peak} KiB"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_a_real_process_streams_and_exits_1_when_a_line_failed(config: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "CLAWDBOT_STATE_DIR": str(tmp_path / "s")}
    lines = [b'{"channel":"slack","peer":{"kind":"direct","id":"\xe2\x80\xaeU1"}}',
             b"{oops", b'{"channel":"discord","guildId":"g1","memberRoleIds":["admin"]}']
    proc = claw_tui("route", "--config", str(config), "--batch", "-", env=env,
                    input=b"\n".join(lines) + b"\n")
    assert proc.returncode == 1, proc.stderr
    rows = proc.stdout.splitlines()
    assert len(rows) == 3 and "\u202e" not in proc.stdout
    assert json.loads(rows[0])["sessionKey"] == "agent:home:slack:default:direct:\u202eu1"
    assert json.loads(rows[1])["error"].startswith("line 2: invalid JSON")
    assert json.loads(rows[2])["agentId"] == "ops"
