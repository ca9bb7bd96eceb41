"""What saving a config leaves on disk: new folders 0700 and new files 0600 (the backup too),
the user's own file keeps the mode they gave it, and a path that cannot be written is a
ConfigSaveError naming it, never a raw OS error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.config.edit import ConfigDocument, ConfigEditError, ConfigSaveError
from engine.config.example import EXAMPLE_TEXT
from tests.support.perms import loose_umask, mode  # noqa: F401 (loose_umask is a fixture)

pytestmark = pytest.mark.usefixtures("loose_umask")


def edited_example() -> ConfigDocument:
    doc = ConfigDocument.example()
    doc.set_agent_to_agent(False)
    return doc


def test_save_as_makes_private_folders_and_a_private_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    target = home / ".config" / "claw" / "nested" / "clawdbot.json"
    assert edited_example().save_as(target) == target
    for folder in (home / ".config", home / ".config" / "claw", target.parent):
        assert mode(folder) == 0o700, folder
    assert mode(target) == 0o600
    assert mode(home) == 0o755  # an existing folder is the user's: left alone
    assert sorted(p.name for p in target.parent.iterdir()) == ["clawdbot.json"]


def test_saving_in_place_keeps_the_users_mode_and_the_backup_is_private(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(EXAMPLE_TEXT, encoding="utf-8")
    os.chmod(path, 0o644)
    doc = ConfigDocument.open(path)
    doc.set_agent_to_agent(False)
    doc.save()
    backup = tmp_path / "clawdbot.json.bak"
    assert mode(path) == 0o644 and path.read_text() == doc.render()
    assert mode(backup) == 0o600 and backup.read_text() == EXAMPLE_TEXT
    os.chmod(backup, 0o644)  # a backup an earlier version left readable
    doc.set_agent_to_agent(True)
    doc.save()
    assert mode(backup) == 0o600 and mode(path) == 0o644


def test_overwriting_with_save_as_keeps_that_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "clawdbot.json"
    target.write_text("{}", encoding="utf-8")
    os.chmod(target, 0o640)
    edited_example().save_as(target, overwrite=True)
    assert mode(target) == 0o640
    assert mode(tmp_path / "clawdbot.json.bak") == 0o600


def test_save_as_onto_a_folder_is_a_save_error(tmp_path: Path) -> None:
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(ConfigEditError, match="already exists"):
        edited_example().save_as(folder)
    with pytest.raises(ConfigSaveError) as info:
        edited_example().save_as(folder, overwrite=True)
    assert str(folder) in str(info.value) and "directory" in str(info.value).lower()
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs"]


@pytest.mark.parametrize("name", ["x" * 300, "a\x00b", "sub" + "/" + "y" * 300 + "/c.json"])
def test_unwritable_names_are_save_errors(tmp_path: Path, name: str) -> None:
    doc = edited_example()
    with pytest.raises(ConfigSaveError) as info:
        doc.save_as(tmp_path / name)
    assert str(tmp_path) in str(info.value)
    assert doc.is_example and doc.dirty  # nothing changed: the user can pick another path
    assert list(tmp_path.iterdir()) == []


def test_a_parent_that_is_a_file_is_a_save_error(tmp_path: Path) -> None:
    blocker = tmp_path / "claw"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ConfigSaveError, match="Not a directory"):
        edited_example().save_as(blocker / "clawdbot.json")
    assert blocker.read_text() == "a file, not a folder"


def test_a_home_folder_that_does_not_exist_is_a_save_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = edited_example()
    with pytest.raises(ConfigSaveError, match="there is no home folder for ~no-such-user-here"):
        doc.save_as("~no-such-user-here/clawdbot.json")
    assert list(tmp_path.iterdir()) == []  # no folder literally called "~no-such-user-here"
    assert doc.is_example
