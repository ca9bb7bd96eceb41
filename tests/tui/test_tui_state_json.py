"""The app's own JSON files under ``<state>/tui/`` (``prefs.json``, ``recent-peers.json``) share
one reader: a FIFO, a link to a device, a folder or a file that is not a JSON object in either
place never blocks or ends the app — it starts on defaults with a line naming the file, and
only a damaged regular file is set aside as ``.bad``."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

import pytest

from tests.support.odd_files import ODD_KINDS, odd_path
from tui.prefs import Prefs
from tui.recent_peers import RecentPeers


def prefs_problem(path: Path) -> str | None:
    prefs = Prefs.load(path)
    assert (prefs.theme, prefs.sidebar, prefs.pane_order) == (None, None, [])
    return "\n".join(prefs.problems) or None


def peers_problem(path: Path) -> str | None:
    recent = RecentPeers(path)
    assert recent.get("whatsapp:personal") == []
    return recent.load_error


FILES: list[tuple[str, Callable[[Path], str | None], str]] = [
    ("prefs.json", prefs_problem, "using default preferences"),
    ("recent-peers.json", peers_problem, "starting with no recent peers"),
]


def in_time(read: Callable[[Path], str | None], path: Path) -> str | None:
    got: list[str | None] = []
    worker = threading.Thread(target=lambda: got.append(read(path)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), f"reading {path} is blocked"
    return got[0]


@pytest.mark.parametrize("name, read, fallback", FILES)
@pytest.mark.parametrize("kind", [k for k in ODD_KINDS if k != "device"])
def test_a_path_that_is_not_a_regular_file_is_reported_and_left_alone(
        tmp_path, name, read, fallback, kind) -> None:
    path, words = odd_path(tmp_path, kind, name)
    assert in_time(read, path) == f"{path}: {words}; {fallback}"
    assert os.path.lexists(path) and not (tmp_path / f"{name}.bad").exists()


@pytest.mark.parametrize("name, read, fallback", FILES)
@pytest.mark.parametrize("content, got", [(b"[1, 2]", "list"), (b"null", "NoneType"),
                                          (b'"\\u001b]52;c;aGk=\\u0007"', "str")])
def test_a_file_that_is_not_an_object_is_reported_and_kept(
        tmp_path, name, read, fallback, content, got) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert in_time(read, path) == f"{path}: expected an object, got {got}; {fallback}"
    assert path.read_bytes() == content


@pytest.mark.parametrize("name, read, fallback", FILES)
def test_an_escape_sequence_in_the_path_is_not_a_reason_to_stop(
        tmp_path, name, read, fallback) -> None:
    folder = tmp_path / "odd\x1b[2Jname"
    folder.mkdir()
    path = folder / name
    path.write_bytes(b"{ not json")
    problem = in_time(read, path)
    assert problem is not None and problem.endswith(fallback)
    assert (folder / f"{name}.bad").read_bytes() == b"{ not json"
