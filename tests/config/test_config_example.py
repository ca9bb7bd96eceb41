"""The built-in example: what the issue asks it to contain, and that it routes as described."""

from __future__ import annotations

from engine.config.example import EXAMPLE_FILE, EXAMPLE_TEXT, load_example
from engine.config.loader import load_config_text


def test_example_is_commented_json5_that_loads_cleanly() -> None:
    assert "//" in EXAMPLE_TEXT
    config = load_example()
    assert config.is_example and config.path is None and config.warnings == ()
    assert load_config_text(EXAMPLE_TEXT, file=EXAMPLE_FILE).agent_ids == config.agent_ids


def test_example_agents_channels_and_model() -> None:
    config = load_example()
    assert config.agent_ids == ("home", "work")
    assert config.default_agent_id == "home"
    assert all(a.identity.get("name") for a in config.agents)
    assert {name: sorted(ch.accounts) for name, ch in config.channels.items()} == {
        "whatsapp": ["biz", "personal"], "discord": ["default"], "slack": ["default"],
        "local": ["default"]}
    assert config.default_model == "offline/persona"
    assert "offline" in config.providers


def test_example_bindings_cover_each_tier_the_issue_names() -> None:
    config = load_example()
    by = {(b.channel, b.account, b.peer is not None, b.guild_id, bool(b.roles), b.team_id): b.agent_id
          for b in config.bindings}
    assert by[("whatsapp", "personal", False, None, False, None)] == "home"
    assert by[("whatsapp", "biz", False, None, False, None)] == "work"
    group = next(b for b in config.bindings if b.peer is not None)
    assert (group.channel, group.account, group.peer.kind, group.agent_id) == \
        ("whatsapp", "personal", "group", "work")
    guild = [b for b in config.bindings if b.channel == "discord"]
    assert {(bool(b.roles), b.agent_id) for b in guild} == {(True, "work"), (False, "home")}
    assert len({b.guild_id for b in guild}) == 1
    assert any(b.channel == "slack" and b.team_id for b in config.bindings)
    assert all(b.valid for b in config.bindings)
