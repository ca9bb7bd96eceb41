"""Section 3: persona workspaces — load order, headings, skipped files, the size cap, default
paths — and the starter files of ``agents init``."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.agent import Agent
from engine.agent.starter import WorkspaceInitError, init_workspace, starter_files
from engine.agent.workspace import (
    FILE_CHAR_LIMIT,
    PERSONA_FILES,
    default_workspace,
    expand_user,
    load_persona,
    resolve_workspace,
    truncate_middle,
)
from engine.config.loader import load_config_text


def write(ws: Path, name: str, text: str) -> None:
    ws.mkdir(parents=True, exist_ok=True)
    (ws / name).write_text(text, encoding="utf-8")


def test_files_load_in_order_under_headings(tmp_path: Path) -> None:
    for name in reversed(PERSONA_FILES):  # creation order must not matter
        write(tmp_path, name, f"content of {name}\n")
    persona = load_persona(tmp_path)
    assert [f.name for f in persona.files] == list(PERSONA_FILES)
    assert persona.skipped == ()
    rendered = persona.render()
    positions = [rendered.index(f"## {name}\n\ncontent of {name}") for name in PERSONA_FILES]
    assert positions == sorted(positions)


def test_missing_and_empty_files_are_skipped_and_reported(tmp_path: Path) -> None:
    write(tmp_path, "SOUL.md", "Warm and direct.\n")
    write(tmp_path, "USER.md", "  \n\n")
    (tmp_path / "TOOLS.md").mkdir()  # unreadable as a file
    persona = load_persona(tmp_path)
    assert [f.name for f in persona.files] == ["SOUL.md"]
    reasons = {s.name: s.reason for s in persona.skipped}
    assert reasons["AGENTS.md"] == "missing" and reasons["IDENTITY.md"] == "missing"
    assert reasons["USER.md"] == "empty"
    assert reasons["TOOLS.md"].startswith("unreadable")
    assert "MEMORY.md" not in reasons  # optional: only reported when present
    assert any("USER.md: empty, skipped" in line for line in persona.report())
    assert "## USER.md" not in persona.render() and "## AGENTS.md" not in persona.render()
    write(tmp_path, "MEMORY.md", "")
    assert any(s.name == "MEMORY.md" and s.reason == "empty" for s in load_persona(tmp_path).skipped)


def test_each_file_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    body = "HEAD-START " + "".join(f"line {i}\n" for i in range(10_000)) + " TAIL-END"
    assert len(body) > FILE_CHAR_LIMIT
    write(tmp_path, "MEMORY.md", body)
    write(tmp_path, "SOUL.md", "x" * FILE_CHAR_LIMIT)  # exactly at the cap: untouched
    persona = load_persona(tmp_path)
    memory = persona.file("MEMORY.md")
    assert memory is not None and memory.truncated and memory.original_chars == len(body)
    assert len(memory.text) <= FILE_CHAR_LIMIT
    assert memory.text.startswith("HEAD-START") and memory.text.endswith("TAIL-END")
    assert "characters of MEMORY.md omitted" in memory.text
    soul = persona.file("SOUL.md")
    assert soul is not None and not soul.truncated and len(soul.text) == FILE_CHAR_LIMIT


@pytest.mark.parametrize("size", [FILE_CHAR_LIMIT + 1, 25_000, 1_000_000])
def test_truncate_middle_never_exceeds_the_cap(size: int) -> None:
    text = "a" * (size // 2) + "b" * (size - size // 2)
    out, cut = truncate_middle(text, "X.md")
    assert cut and len(out) <= FILE_CHAR_LIMIT and len(out) > FILE_CHAR_LIMIT - 100
    assert out.startswith("a") and out.endswith("b")
    omitted = size - (len(out) - len(out[out.index("\n\n[…"):out.index("…]\n\n") + 4]))
    assert f"[… {omitted} of {size} characters" in out


def test_soul_line_and_identity_name(tmp_path: Path) -> None:
    write(tmp_path, "SOUL.md", "\n# Sunny, patient and precise.\nmore\n")
    write(tmp_path, "IDENTITY.md", "# IDENTITY\n\n- **Name:** Molty 🦞\n- **Emoji:** 🦞\n")
    persona = load_persona(tmp_path)
    assert persona.soul_line == "Sunny, patient and precise."
    assert persona.identity_name == "Molty"
    write(tmp_path, "IDENTITY.md", "- **Name:**\n")
    assert load_persona(tmp_path).identity_name is None


def test_default_workspace_paths() -> None:
    env = {"HOME": "/home/ada"}
    assert default_workspace("main", is_default=True, env=env) == Path("/home/ada/clawd")
    assert default_workspace("Work", is_default=False, env=env) == Path("/home/ada/clawd-work")
    assert default_workspace("../../etc", is_default=False, env=env) == Path("/home/ada/clawd-etc")
    prof = {**env, "CLAWDBOT_PROFILE": "Dev"}
    assert default_workspace("main", is_default=True, env=prof) == Path("/home/ada/clawd-dev")
    assert default_workspace("work", is_default=False, env=prof) == Path("/home/ada/clawd-dev-work")
    assert default_workspace("main", is_default=True, env={**env, "CLAWDBOT_PROFILE": "default"}) == \
        Path("/home/ada/clawd")
    assert default_workspace("main", is_default=True, env={**env, "CLAWDBOT_PROFILE": "../x"}) == \
        Path("/home/ada/clawd-x")


def test_configured_workspace_expands_tilde_and_resolves_relative_paths(tmp_path: Path) -> None:
    env = {"HOME": "/home/ada"}
    assert expand_user("~", env) == Path("/home/ada")
    assert resolve_workspace("~/bots/home", "home", is_default=False, env=env) == Path("/home/ada/bots/home")
    assert resolve_workspace("ws", "home", is_default=False, env=env, base_dir=tmp_path) == tmp_path / "ws"
    assert resolve_workspace("  ", "home", is_default=True, env=env) == Path("/home/ada/clawd")


def test_agents_get_their_workspaces_from_config(tmp_path: Path) -> None:
    config = load_config_text("""{
      agents: { defaults: { workspace: "~/shared-default" },
        list: [ { id: "home", default: true }, { id: "work" }, { id: "lab", workspace: "lab-ws" } ] } }""",
        path=str(tmp_path / "clawdbot.json"))
    env = {"HOME": str(tmp_path / "home")}
    ws = {a.id: Agent.from_config(a, config, env=env).workspace for a in config.agents}
    assert ws == {"home": tmp_path / "home" / "shared-default", "work": tmp_path / "home" / "clawd-work",
                  "lab": tmp_path / "lab-ws"}


def test_system_prompt_has_identity_and_persona_and_is_cached(tmp_path: Path) -> None:
    write(tmp_path, "SOUL.md", "Dry humour, kind heart.\n")
    write(tmp_path, "AGENTS.md", "Always answer in English.\n")
    agent = Agent("home", identity={"name": "Clawd"}, role="butler", goal="keep order",
                  backstory="an old lobster", instructions="Be brief.", workspace=tmp_path)
    prompt = agent.system_prompt()
    assert prompt.startswith("You are Clawd (agent id: home), butler.")
    for part in ("Goal: keep order", "Backstory: an old lobster", "Be brief.", "## AGENTS.md",
                 "## SOUL.md", "Dry humour, kind heart."):
        assert part in prompt
    assert prompt.index("## AGENTS.md") < prompt.index("## SOUL.md")
    write(tmp_path, "SOUL.md", "Changed.\n")
    assert agent.system_prompt() is prompt  # cached
    clone = agent.clone_for_channel("x", "y")
    assert clone.system_prompt() == prompt  # forwarded, no re-read
    agent.reload_persona()
    assert "Changed." in agent.system_prompt()


def test_init_workspace_writes_starters_and_never_overwrites(tmp_path: Path) -> None:
    ws = tmp_path / "deep" / "clawd-home"
    first = init_workspace(ws, "home", "Clawd")
    assert first.written == ["AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md"] and not first.kept
    persona = load_persona(ws)
    assert persona.identity_name == "Clawd" and persona.soul_line and "Clawd" in persona.soul_line
    (ws / "SOUL.md").write_text("My own soul.\n", encoding="utf-8")
    (ws / "USER.md").unlink()
    second = init_workspace(ws, "home", "Clawd")
    assert second.written == ["USER.md"] and "SOUL.md" in second.kept
    assert (ws / "SOUL.md").read_text(encoding="utf-8") == "My own soul.\n"
    assert set(starter_files("home", "Clawd")) == set(PERSONA_FILES) - {"MEMORY.md"}


def test_init_workspace_reports_an_unusable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WorkspaceInitError, match="cannot create workspace"):
        init_workspace(blocker / "ws", "home", "Clawd")
