"""What may be found in an agent's folder in place of ``auth-profiles.json`` or ``models.json``
— a FIFO, a link to a device, a folder, a huge file, absurd nesting, a link to a file other
users can read — never blocks, never crashes, and is refused with
an error naming the file, never quoting a key; ``agents auth set`` then writes nothing."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Callable

import pytest

from engine.agent.agent_models import check_agent_models, load_agent_models
from engine.agent.auth_profiles import check_auth_profiles, load_auth_profiles, set_api_key
from engine.errors import ConfigError
from engine.inputs import STATE_JSON_MAX_BYTES
from engine.private_files import replace_file
from tests.support.odd_files import ODD_KINDS, odd_path

SECRET = "sk-live-SECRET-9876543210"
LOADERS: list[tuple[str, Callable[[Path], object]]] = [
    ("auth-profiles.json", load_auth_profiles), ("models.json", load_agent_models)]


def refused(load: Callable[[Path], object], folder: Path) -> ConfigError:
    got: list[BaseException] = []

    def run() -> None:
        try:
            load(folder)
        except BaseException as exc:  # the assertion below says what was raised
            got.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "reading the agent folder is blocked"
    assert len(got) == 1 and isinstance(got[0], ConfigError), got
    return got[0]


def agent_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "agent"
    folder.mkdir(mode=0o700)
    return folder


@pytest.mark.parametrize("name, load", LOADERS)
@pytest.mark.parametrize("kind", [k for k in ODD_KINDS if k != "device"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_blocking(
        tmp_path, name, load, kind) -> None:
    folder = agent_folder(tmp_path)
    path, words = odd_path(folder, kind, name)
    (problem,) = refused(load, folder).problems
    assert (problem.file, problem.message) == (str(path), words)
    assert os.path.lexists(path)


@pytest.mark.parametrize("name, load", LOADERS)
def test_a_huge_file_is_refused_before_it_is_read(tmp_path, name, load) -> None:
    folder = agent_folder(tmp_path)
    path = folder / name
    with open(path, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.truncate(STATE_JSON_MAX_BYTES * 64)  # sparse: 64 MiB on paper, nothing on disk
    (problem,) = refused(load, folder).problems
    assert problem.file == str(path) and "too large" in problem.message


@pytest.mark.parametrize("name, load", LOADERS)
def test_absurd_nesting_is_a_located_error(tmp_path, name, load) -> None:
    folder = agent_folder(tmp_path)
    path = folder / name
    replace_file(path, ('{"profiles": ' + "[" * 100_000 + f'"{SECRET}"').encode())
    error = refused(load, folder)
    assert error.problems and all(p.file == str(path) and p.line == 1 for p in error.problems)
    assert SECRET not in str(error) and SECRET not in repr(error.problems)


@pytest.mark.parametrize("name, load", LOADERS)
def test_a_link_to_a_file_other_users_can_read_is_refused(tmp_path, name, load) -> None:
    folder = agent_folder(tmp_path)
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps({"providers": {}}))
    shared.chmod(0o644)
    (folder / name).symlink_to(shared)
    (problem,) = refused(load, folder).problems
    assert problem.code == "permissions" and "chmod 600" in problem.message


def test_auth_set_writes_nothing_over_a_file_it_cannot_read(tmp_path) -> None:
    folder = agent_folder(tmp_path)
    path, _ = odd_path(folder, "fifo", "auth-profiles.json")
    with pytest.raises(ConfigError):
        set_api_key(folder, "openai", SECRET)
    assert os.path.lexists(path) and not path.is_file()
    assert sorted(p.name for p in folder.iterdir()) == ["auth-profiles.json"]

