"""The private-files helpers on real folders: 0700/0600 whatever the umask, nothing replaced
that must not be, and a write that fails half-way leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.private_files import make_private_dir, replace_file, write_new_file
from tests.support.perms import loose_umask, mode  # noqa: F401 (loose_umask is a fixture)

ROOT = Path(__file__).resolve().parents[2]


def test_make_private_dir_creates_every_missing_folder_0700(tmp_path: Path, loose_umask) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    leaf = shared / "a" / "b" / "c"
    make_private_dir(leaf)
    assert [mode(p) for p in (shared / "a", shared / "a" / "b", leaf)] == [0o700] * 3
    assert mode(shared) == 0o755  # not ours to change
    make_private_dir(shared)
    assert mode(shared) == 0o755
    make_private_dir(shared, tighten=True)
    assert mode(shared) == 0o700


def test_a_linked_folder_is_used_but_never_tightened(tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    os.chmod(documents, 0o755)
    link = tmp_path / "state" / "exports"
    link.parent.mkdir()
    link.symlink_to(documents)
    make_private_dir(link, tighten=True)
    assert mode(documents) == 0o755


def test_make_private_dir_refuses_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "exports"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError):
        make_private_dir(blocker)
    with pytest.raises(NotADirectoryError):
        make_private_dir(blocker / "below")
    assert blocker.read_text() == "x"


def test_write_new_file_is_private_and_never_replaces(tmp_path: Path, loose_umask) -> None:
    path = tmp_path / "export.md"
    write_new_file(path, b"first")
    assert path.read_bytes() == b"first" and mode(path) == 0o600
    with pytest.raises(FileExistsError):
        write_new_file(path, b"second")
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.md"]  # no temp file left


def test_replace_file_sets_the_mode_and_leaves_no_temp(tmp_path: Path, loose_umask) -> None:
    path = tmp_path / "recent.json"
    replace_file(path, b"one")
    assert path.read_bytes() == b"one" and mode(path) == 0o600
    replace_file(path, b"two", 0o640)
    assert path.read_bytes() == b"two" and mode(path) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recent.json"]


def test_a_write_that_fails_half_way_leaves_nothing(tmp_path: Path) -> None:
    """A real write error (EFBIG from a file-size limit, like a full disk) in a child process:
    the new file is not created, the replaced file keeps its old bytes, no temp files remain."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from engine.private_files import replace_file, write_new_file
        folder = Path({str(tmp_path)!r})
        (folder / "kept.json").write_bytes(b"old")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        for call in (lambda: write_new_file(folder / "new.md", b"x" * 100_000),
                     lambda: replace_file(folder / "kept.json", b"y" * 100_000)):
            try:
                call()
            except OSError as exc:
                print(exc.errno)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["27", "27"]  # EFBIG, twice
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.json"]
    assert (tmp_path / "kept.json").read_bytes() == b"old"


def test_make_private_dir_leaves_no_folders_when_one_cannot_be_made(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        make_private_dir(tmp_path / "a" / "b" / ("x" * 300) / "c")  # a name too long
    assert list(tmp_path.iterdir()) == []
