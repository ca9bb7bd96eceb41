"""The config loader reads only regular files, through a size cap: a FIFO, a device, a symlink to
one or a directory is refused (never opened for a read that would block or never end), and a file
whose size the OS does not tell is still cut at the cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import loader
from engine.config.discovery import load_effective_config
from engine.config.edit import ConfigDocument
from engine.config.loader import load_config
from engine.errors import ConfigError
from engine.inputs import CONFIG_MAX_BYTES, MiB
from tests.support.odd_files import ODD_KINDS, odd_path


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
    assert str(info.value) == f"{path}: the config file is too large (16.0 MiB; the limit is 16 MiB)"
