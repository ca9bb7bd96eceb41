"""engine.inputs, the bounded reader behind every user-supplied file and stream: lines are cut at
a cap without being kept (the item count stays the line number), a total cap ends an endless
stream, a line from a live pipe arrives before the pipe closes, and JSON nesting is refused
with a column before json.loads could recurse."""

from __future__ import annotations

import io
import json
import os
import threading

import pytest

from engine.inputs import (
    MAX_NESTING,
    InputError,
    LineTooLong,
    iter_lines,
    parse_json,
    read_text_file,
)


def lines(data: bytes, max_line: int = 8, **kw) -> list[bytes | LineTooLong]:
    return list(iter_lines(io.BufferedReader(io.BytesIO(data)), max_line, **kw))


def test_lines_without_their_endings() -> None:
    assert lines(b"a\r\nbb\n\nlast") == [b"a", b"bb", b"", b"last"]
    assert lines(b"a\n") == [b"a"] and lines(b"") == []


def test_a_line_at_the_cap_is_kept_and_one_past_it_stands_as_too_long() -> None:
    assert lines(b"12345678\n123456789\r\nok\n") == [b"12345678", LineTooLong(9, 8), b"ok"]
    assert lines(b"x" * 5000 + b"\nok") == [LineTooLong(5000, 8), b"ok"]
    assert lines(b"x" * 5000) == [LineTooLong(5000, 8)]
    assert str(LineTooLong(2_000_000, 1024 * 1024)) == \
        "line too long (2,000,000 bytes; the limit is 1 MiB)"


def test_the_total_cap_names_the_line_it_was_reached_on() -> None:
    with pytest.raises(InputError) as info:
        lines(b"one\ntwo\nthree\n", max_total=9, name="s.jsonl", what="replay script")
    assert str(info.value) == "s.jsonl:3: the replay script is too large (more than 9 bytes)"
    with open("/dev/zero", "rb") as zeros:  # one endless line: memory stays at the line cap
        with pytest.raises(InputError) as info:
            list(iter_lines(zeros, 1024, max_total=8 * 1024 * 1024))
    assert str(info.value) == "<stdin>:1: the input is too large (more than 8 MiB)"


def test_a_line_from_a_pipe_arrives_while_the_pipe_is_still_open() -> None:
    read_fd, write_fd = os.pipe()
    got: list[bytes | LineTooLong] = []
    with os.fdopen(read_fd, "rb") as reader:
        it = iter_lines(reader, 1024)
        os.write(write_fd, b'{"first": 1}\n')
        worker = threading.Thread(target=lambda: got.append(next(it)), daemon=True)
        worker.start()
        worker.join(30)
        waited = worker.is_alive()
        os.close(write_fd)
        worker.join(30)
    assert not waited and got == [b'{"first": 1}']


def test_json_nested_to_the_limit_parses_and_one_more_is_a_located_error() -> None:
    ok = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert json.dumps(parse_json(ok)) == ok.replace("][", "], [")
    with pytest.raises(json.JSONDecodeError) as info:
        parse_json('{"a": ' + "[" * MAX_NESTING + "]" * MAX_NESTING + "}")
    assert (info.value.msg, info.value.colno) == ("nested deeper than 64 levels", 6 + MAX_NESTING)
    with pytest.raises(json.JSONDecodeError) as info:
        parse_json("\n" + '{"a":' * 200_000)
    assert (info.value.lineno, info.value.colno) == (2, 5 * 64 + 1)


def test_brackets_inside_strings_do_not_nest() -> None:
    text = json.dumps({"text": "[" * 1000 + '\\" {{{', "k": ["\\\\", "[[["]})
    assert parse_json(text)["text"].startswith("[[[")


def test_read_text_file_names_the_file_and_the_bad_byte(tmp_path) -> None:
    path = tmp_path / "SOUL.md"
    path.write_bytes(b"ok\n\xff")
    with pytest.raises(InputError) as info:
        read_text_file(path, limit=100, what="persona file")
    assert str(info.value) == f"{path}: the persona file is not UTF-8 text (byte 0xff at offset 3)"
    assert info.value.code == "encoding"
