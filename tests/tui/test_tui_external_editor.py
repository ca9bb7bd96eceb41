"""Composing in the user's editor: which editor, the private temporary file, and a failing or
missing editor leaving the text as it was."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.support.tui_app import running_app, type_text, wait_for
from tui.external_editor import EditorError, edit_text, editor_command

EDITOR_SCRIPT = """\
import os, stat, sys
path = sys.argv[-1]
with open(os.environ["REPORT"], "w") as report:
    report.write(" ".join(sys.argv[1:-1]) + "\\n")
    report.write(path + "\\n")
    report.write(oct(stat.S_IMODE(os.stat(path).st_mode)) + " "
                 + oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)) + "\\n")
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text + " and more\\n\\n")
sys.exit(int(os.environ.get("EXIT", "0")))
"""


def script(tmp_path: Path) -> list[str]:
    path = tmp_path / "editor.py"
    path.write_text(EDITOR_SCRIPT, encoding="utf-8")
    return [sys.executable, str(path)]


def test_visual_first_then_editor_split_like_a_shell():
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == (["code", "--wait"],
                                                                         "VISUAL")
    assert editor_command({"VISUAL": " ", "EDITOR": "emacsclient -t 'a b'"}) == (
        ["emacsclient", "-t", "a b"], "EDITOR")
    with pytest.raises(EditorError, match=r"set \$VISUAL or \$EDITOR"):
        editor_command({})
    with pytest.raises(EditorError, match=r"\$EDITOR is not a command line"):
        editor_command({"EDITOR": "vi 'unclosed"})


def test_the_edited_text_comes_back_from_a_private_file_removed_after(tmp_path, monkeypatch):
    report = tmp_path / "report"
    monkeypatch.setenv("REPORT", str(report))
    edited = edit_text("draft", [*script(tmp_path), "--wait"])
    assert edited == "draft and more"  # the newlines an editor leaves at the end are dropped
    flags, path, modes = report.read_text().splitlines()
    assert flags == "--wait" and Path(path).name == "message.md"
    assert modes == "0o600 0o700"
    assert not Path(path).parent.exists()


def test_a_failing_or_missing_editor_is_an_error_and_leaves_nothing(tmp_path, monkeypatch):
    report = tmp_path / "report"
    monkeypatch.setenv("REPORT", str(report))
    monkeypatch.setenv("EXIT", "3")
    with pytest.raises(EditorError, match="exited with status 3; the message is unchanged"):
        edit_text("draft", script(tmp_path))
    assert not Path(report.read_text().splitlines()[1]).parent.exists()
    with pytest.raises(EditorError, match=r"editor not found: no-such-editor-x \(from \$VISUAL\)"):
        edit_text("draft", ["no-such-editor-x"], source="VISUAL")


async def test_without_an_editor_the_composer_keeps_its_text_and_says_why(tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        await wait_for(pilot, lambda: pane._composer_mounted, what="the composer")
        await type_text(pilot, "keep me")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: any("set $VISUAL or $EDITOR" in n.message
                                          for n in app._notifications), what="the error")
        assert pane.composer.text == "keep me"
        monkeypatch.setenv("EDITOR", "vi")  # the test app cannot suspend: said, text kept
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: any("suspend is not supported" in n.message
                                          for n in app._notifications), what="the error")
        assert pane.composer.text == "keep me"


def test_a_lone_surrogate_in_the_draft_reaches_the_editor_as_an_escape():
    """Undecodable pasted input leaves lone surrogates in a draft; the file written for the
    editor is still UTF-8 and the draft is not lost."""
    def unchanged(argv):
        return 0

    assert edit_text("draft \udcff end", ["true"], run=unchanged) == "draft \\udcff end"
