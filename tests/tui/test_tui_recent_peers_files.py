"""``<state>/tui/recent-peers.json`` is read at start: a FIFO, a link to /dev/zero, a folder, a
huge file or absurd nesting there never blocks or ends the app — the list starts empty with a
message naming the file; a damaged regular file is set aside as ``.bad``, anything else is
left where it is."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from engine.gateway.inbox import PeerSpec
from engine.inputs import STATE_JSON_MAX_BYTES
from tests.support.odd_files import ODD_KINDS, odd_path
from tui.recent_peers import RecentPeers


def load(path: Path) -> RecentPeers:
    got: list[RecentPeers] = []
    worker = threading.Thread(target=lambda: got.append(RecentPeers(path)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "reading the recent peers is blocked"
    return got[0]


@pytest.mark.parametrize("kind", [k for k in ODD_KINDS if k != "device"])
def test_a_file_that_is_not_regular_is_reported_and_left_alone(tmp_path, kind) -> None:
    path, words = odd_path(tmp_path, kind, "recent-peers.json")
    recent = load(path)
    assert recent.load_error == f"{path}: {words}; starting with no recent peers"
    assert recent.get("whatsapp:personal") == []
    assert os.path.lexists(path) and not (tmp_path / "recent-peers.json.bad").exists()


@pytest.mark.parametrize("content, reason", [
    (b"[" * 100_000, "nested deeper than 64 levels: line 1 column 65 (char 64)"),
    (b'{"a": "\xff"}', "the recent-peers file is not UTF-8 text (byte 0xff at offset 7)"),
    (b" " * (STATE_JSON_MAX_BYTES + 1),
     "the recent-peers file is too large (1,048,577 bytes; the limit is 1 MiB)"),
])
def test_a_damaged_file_is_set_aside_and_the_list_starts_empty(tmp_path, content, reason) -> None:
    path = tmp_path / "recent-peers.json"
    path.write_bytes(content)
    recent = load(path)
    assert recent.load_error == f"{path}: {reason}; starting with no recent peers"
    assert not path.exists() and (tmp_path / "recent-peers.json.bad").read_bytes() == content
    assert recent.remember("whatsapp:personal", PeerSpec(id="+1")) is None
    assert [p.id for p in RecentPeers(path).get("whatsapp:personal")] == ["+1"]
