"""The config loader reads only regular files, through a size cap: a FIFO, a device, a symlink to
one or a directory is refused (never opened for a read that would block or never end), and a file
whose size the OS does not tell is still cut at the cap. The routing editor never blocks on one
either: a config swapped for a FIFO counts as changed on disk, and saving over one is refused."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from engine.config import loader
from engine.config.discovery import load_effective_config
from engine.config.edit import ConfigChangedOnDisk, ConfigDocument, ConfigSaveError
from engine.config.loader import load_config
from engine.errors import ConfigError
from engine.inputs import CONFIG_MAX_BYTES, MiB
from tests.support.odd_files import ODD_KINDS, odd_path

EDITABLE = '{ agents: { list: [ { id: "home", default: true }, { id: "work" } ] } }\n'


@pytest.mark.parametrize("kind", ODD_KINDS)
def test_a_config_that_is_not_a_regular_file_is_one_problem_naming_it(tmp_path, kind) -> None:
    path, words = odd_path(tmp_path, kind)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert problem.format() == f"{path}: {words}" and problem.code == "unreadable"


@pytest.mark.parametrize("kind", ODD_KINDS)
def test_the_routing_editor_refuses_to_open_it_too(tmp_path, kind) -> None:
    path, words = odd_path(tmp_path, kind)
    with pytest.raises(ConfigError) as info:
        ConfigDocument.open(path)
    assert str(info.value) == f"{path}: {words}"


def test_a_fifo_in_the_state_dir_is_reported_not_replaced_by_the_example(tmp_path) -> None:
    path, words = odd_path(tmp_path, "fifo", "clawdbot.json")
    with pytest.raises(ConfigError) as info:
        load_effective_config(None, tmp_path, env={})
    assert str(info.value) == f"{path}: {words}"


def test_a_file_whose_size_is_not_told_is_still_capped(monkeypatch) -> None:
    # procfs files say st_size 0 and still hold text: the cap applies to what is read.
    monkeypatch.setattr(loader, "MAX_BYTES", 64)
    path = Path("/proc/self/status")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: the config file is too large (the limit is 64 bytes)"


def test_the_cap_is_16_mib_and_says_so(tmp_path) -> None:
    assert loader.MAX_BYTES == CONFIG_MAX_BYTES == 16 * MiB
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(CONFIG_MAX_BYTES + 1)  # sparse: no 16 MiB written
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: the config file is too large (16,777,217 bytes; the limit is 16 MiB)"


def in_thread(fn):
    """``fn()`` on a thread: its result or exception, or a failure if it blocks."""
    out: list = []

    def run() -> None:
        try:
            out.append(("ok", fn()))
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out.append(("error", exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "blocked"
    return out[0]


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_the_editor_sees_a_file_swapped_for_a_fifo_or_device_as_changed(tmp_path, kind) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(EDITABLE)
    doc = ConfigDocument.open(path)
    doc.set_default_agent("work")
    path.unlink()
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/dev/zero")
    assert in_thread(doc.changed_on_disk) == ("ok", True)
    status, error = in_thread(doc.save)
    assert status == "error" and isinstance(error, ConfigChangedOnDisk)
    assert not path.is_file() and not (tmp_path / "clawdbot.json.bak").exists()


def test_save_as_over_a_fifo_is_refused_and_leaves_it(tmp_path) -> None:
    doc = ConfigDocument.from_text(EDITABLE)
    target, words = odd_path(tmp_path, "fifo", "clawdbot.json")
    status, error = in_thread(lambda: doc.save_as(target, overwrite=True))
    assert status == "error" and isinstance(error, ConfigSaveError)
    assert str(error) == f"cannot write {target}: {words}; the file on disk is unchanged"
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and doc.path is None
