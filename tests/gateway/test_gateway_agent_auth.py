"""Each agent's own folder through the real gateway and the loopback OpenAI-compatible server:
every request carries its own agent's key (auth profile, else the shared provider key), an
agent's models.json serves that agent alone, and a broken or unsafe file fails only that
agent's turn with a located, key-free error."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gateway_helpers import gateway, write_config

from engine.agent.agent_dir import default_agent_dir
from engine.agent.auth_profiles import set_api_key
from engine.gateway import PeerSpec, TurnFailed, TurnFinished
from engine.private_files import replace_file
from tests.support.perms import mode

ME = PeerSpec(id="me")
SHARED = "sk-shared-0000000000"
HOME_KEY = "sk-home-1111111111"
WORK_KEY = "sk-work-2222222222"


def three_agents(url: str, extra: str = "") -> str:
    return f"""{{
      agents: {{ list: [ {{ id: "home", default: true }}, {{ id: "work" }}, {{ id: "ops" }} ],
                 defaults: {{ model: "test/test-model" }} }},
      bindings: [ {{ agentId: "work", match: {{ channel: "whatsapp", accountId: "biz" }} }},
                  {{ agentId: "ops", match: {{ channel: "whatsapp", accountId: "ops" }} }} ],
      models: {{ providers: {{ test: {{ baseUrl: "{url}", apiKey: "{SHARED}", retries: 0 }} }} }},
      session: {{ dmScope: "per-account-channel-peer" }},
      channels: {{ whatsapp: {{ accounts: {{ personal: {{}}, biz: {{}}, ops: {{}} }} }} }},
      {extra}
    }}"""


def agent_of(request: dict) -> str:
    """Which agent sent a request: its system prompt names the agent id."""
    system = request["body"]["messages"][0]["content"]
    return system.split("(agent id: ", 1)[1].split(")", 1)[0]


async def test_each_request_carries_its_own_agents_key(tmp_path, env, openai_server):
    state = tmp_path / "state"
    set_api_key(default_agent_dir(state, "home"), "test", HOME_KEY)
    set_api_key(default_agent_dir(state, "work"), "test", "${WORK_KEY}")  # an env reference
    env = {**env, "WORK_KEY": WORK_KEY}
    config = write_config(tmp_path, three_agents(openai_server.url))
    assert not default_agent_dir(state, "ops").exists()
    async with gateway(config, tmp_path, env) as gw:
        for _round in range(2):  # interleaved, on clones that already hold their provider
            for inbox in ("whatsapp:personal", "whatsapp:biz", "whatsapp:ops"):
                final = await (await gw.send(inbox, ME, "hi")).wait()
                assert isinstance(final, TurnFinished), final
    seen = [(agent_of(r), r["authorization"]) for r in openai_server.requests]
    assert sorted(seen) == sorted([("home", f"Bearer {HOME_KEY}"), ("work", f"Bearer {WORK_KEY}"),
                                   ("ops", f"Bearer {SHARED}")] * 2)
    # the folder of an agent with no profile was made on first use, private
    ops_dir = default_agent_dir(state, "ops")
    assert ops_dir.is_dir() and mode(ops_dir) == 0o700
    assert mode(default_agent_dir(state, "home") / "auth-profiles.json") == 0o600


async def test_auth_order_picks_among_several_profiles(tmp_path, env, openai_server):
    state = tmp_path / "state"
    home = default_agent_dir(state, "home")
    set_api_key(home, "test", "sk-first-profile", name="a")
    set_api_key(home, "test", "sk-chosen-profile", name="b")
    config = write_config(tmp_path, three_agents(
        openai_server.url, 'auth: { order: { test: ["test:b", "test:a"] } },'))
    async with gateway(config, tmp_path, env) as gw:
        assert isinstance(await (await gw.send("whatsapp:personal", ME, "hi")).wait(), TurnFinished)
    assert [r["authorization"] for r in openai_server.requests] == ["Bearer sk-chosen-profile"]


async def test_an_agents_models_json_serves_that_agent_alone(tmp_path, env, openai_server,
                                                              refused_url):
    state = tmp_path / "state"
    work = default_agent_dir(state, "work")
    work.mkdir(parents=True, mode=0o700)
    registry = {"providers": {"test": {"baseUrl": openai_server.url},
                              "mine": {"baseUrl": openai_server.url, "apiKey": "sk-mine-3333"}}}
    replace_file(work / "models.json", json.dumps(registry).encode())
    config = write_config(tmp_path, three_agents(refused_url))  # the shared URL is down
    async with gateway(config, tmp_path, env) as gw:
        home = await (await gw.send("whatsapp:personal", ME, "hi")).wait()
        worked = await (await gw.send("whatsapp:biz", ME, "hi")).wait()
        assert isinstance(home, TurnFailed) and home.message.meta["error_kind"] == "connection"
        assert isinstance(worked, TurnFinished)
    # the override kept the shared key; only "work" reached the server
    assert [(agent_of(r), r["authorization"]) for r in openai_server.requests] == [
        ("work", f"Bearer {SHARED}")]


async def test_an_unsafe_or_broken_file_fails_only_its_agent(tmp_path, env, openai_server):
    state = tmp_path / "state"
    home = default_agent_dir(state, "home")
    set_api_key(home, "test", HOME_KEY)
    os.chmod(home / "auth-profiles.json", 0o644)
    work = default_agent_dir(state, "work")
    set_api_key(work, "test", WORK_KEY)
    text = (work / "auth-profiles.json").read_text().replace('"type": "api_key"', '"type": 7')
    replace_file(work / "auth-profiles.json", text.encode())
    config = write_config(tmp_path, three_agents(openai_server.url))
    async with gateway(config, tmp_path, env) as gw:
        unsafe = await (await gw.send("whatsapp:personal", ME, "hi")).wait()
        broken = await (await gw.send("whatsapp:biz", ME, "hi")).wait()
        fine = await (await gw.send("whatsapp:ops", ME, "hi")).wait()
    assert isinstance(unsafe, TurnFailed) and isinstance(broken, TurnFailed)
    assert f"chmod 600 {home / 'auth-profiles.json'}" in unsafe.error
    assert broken.error == (f"{work / 'auth-profiles.json'}:5:7: "
                            'profiles["test:default"].type: expected a string, got a number')
    assert isinstance(fine, TurnFinished)
    for final in (unsafe, broken):
        assert HOME_KEY not in final.error and WORK_KEY not in final.error
        assert HOME_KEY not in repr(final) and WORK_KEY not in repr(final)
    assert [agent_of(r) for r in openai_server.requests] == ["ops"]
    assert mode(home / "auth-profiles.json") == 0o644  # refused, never rewritten


def test_default_agent_dir_is_beside_the_sessions(tmp_path: Path) -> None:
    assert default_agent_dir(tmp_path, "Work Bot") == tmp_path / "agents" / "work-bot" / "agent"


async def test_a_key_set_while_running_is_used_from_the_next_turn(tmp_path, env, openai_server):
    state = tmp_path / "state"
    set_api_key(default_agent_dir(state, "home"), "test", HOME_KEY)
    config = write_config(tmp_path, three_agents(openai_server.url))
    async with gateway(config, tmp_path, env) as gw:
        assert isinstance(await (await gw.send("whatsapp:personal", ME, "1")).wait(), TurnFinished)
        set_api_key(default_agent_dir(state, "home"), "test", "sk-rotated-4444")
        assert isinstance(await (await gw.send("whatsapp:personal", ME, "2")).wait(), TurnFinished)
        os.unlink(default_agent_dir(state, "home") / "auth-profiles.json")
        assert isinstance(await (await gw.send("whatsapp:personal", ME, "3")).wait(), TurnFinished)
        assert len(gw.clone_snapshots()) == 1  # the same clone all along
    assert [r["authorization"] for r in openai_server.requests] == [
        f"Bearer {HOME_KEY}", "Bearer sk-rotated-4444", f"Bearer {SHARED}"]
