"""Section 1 of the agents issue: Agent.from_config and clone_for_channel / deepcopy semantics."""

from __future__ import annotations

import asyncio
import copy
import pickle
import threading
import types

import pytest

import engine.agent.agent as agent_mod
import engine.agent.interrupts as interrupts_mod
from engine.agent import FEATURE_KEYS, Agent, InterruptController
from engine.config.loader import load_config_text
from engine.providers import ChatMessage

FEATURES_JSON5 = """
  memory: {enabled: true, provider: "sqlite"}, knowledge: ["notes.md"], planning: {enabled: true},
  reflection: {maxIterations: 2}, guardrails: {blocked: ["rm -rf"]}, web: {search: true},
  context: {window: 8000}, autonomy: "low", output: {format: "markdown"},
  execution: {maxSteps: 4}, templates: {greeting: "hi"}, caching: {prompt: true},
  hooks: [{on: "turn", run: "log"}], skills: ["weather"], approval: {mode: "ask"},
  learn: {enabled: false}, sandbox: {mode: "all"},
"""

CONFIG = f"""{{
  agents: {{
    list: [
      {{ id: "home", default: true, name: "Home", identity: {{ name: "Clawd", emoji: "🦞" }},
        workspace: "~/persona-home",
        role: "household assistant", goal: "keep the family organised", backstory: "an old lobster",
        instructions: "Answer briefly.", model: "offline/persona",
        baseUrl: "http://127.0.0.1:9/v1", apiKey: "${{HOME_KEY}}", auth: "profile-home",
        tools: ["web_search", "calendar"], handoffs: ["work"],
        {FEATURES_JSON5}
        tool_timeout: 12, parallel_tool_calls: true,
        cli_backend: {{ command: "claude", args: ["-p", "--output-format", "json"] }} }},
      {{ id: "work", cliBackend: "codex" }},
    ],
  }},
}}"""


def _tool(n: int):
    def tool() -> int:
        return n
    tool.__name__ = f"tool_{n}"
    return tool


@pytest.fixture
def config():
    return load_config_text(CONFIG, file="clawdbot.json", path="/tmp/claw/clawdbot.json")


@pytest.fixture
def agent(config, tmp_path) -> Agent:
    a = Agent.from_config(config.agents[0], config, env={"HOME": str(tmp_path)})
    a.tools.extend([_tool(1), _tool(2)])
    return a


def test_from_config_keeps_every_setting(agent: Agent, tmp_path) -> None:
    assert agent.id == "home" and agent.name == "Home"
    assert agent.identity == {"name": "Clawd", "emoji": "🦞"}
    assert (agent.role, agent.goal, agent.backstory, agent.instructions) == (
        "household assistant", "keep the family organised", "an old lobster", "Answer briefly.")
    assert agent.model == "offline/persona" and agent.model_source == "agent"
    assert agent.base_url == "http://127.0.0.1:9/v1" and agent.auth == "profile-home"
    assert agent.has_api_key
    assert agent.tools[:2] == ["web_search", "calendar"]
    assert agent.handoffs == ["work"]
    assert set(agent.features) == set(FEATURE_KEYS)
    assert agent.features["memory"] == {"enabled": True, "provider": "sqlite"}
    assert agent.features["autonomy"] == "low"
    assert agent.tool_timeout == 12 and agent.parallel_tool_calls is True
    assert agent.cli_backend == {"command": "claude", "args": ["-p", "--output-format", "json"]}
    assert "cli_backend" not in agent.extra
    assert agent.workspace == tmp_path / "persona-home"  # ~ expanded
    assert agent.is_default
    assert isinstance(agent._prompt_lock, type(threading.RLock()))
    assert isinstance(agent._usage_lock, type(threading.Lock()))
    assert isinstance(agent.interrupts, InterruptController)
    assert agent.clone_id is None and agent.parent_id is None


def test_clone_copies_config_and_starts_fresh(agent: Agent) -> None:
    with agent.interrupts.turn("s"):
        agent.add_usage(agent_mod.Usage(10, 5, 0.5))
    clone = agent.clone_for_channel("WhatsApp", "Personal")

    # identity and model settings copied
    for attr in ("id", "name", "role", "goal", "backstory", "instructions", "model", "base_url",
                 "auth", "tool_timeout", "parallel_tool_calls", "workspace", "is_default",
                 "cli_backend", "agent_dir"):
        assert getattr(clone, attr) == getattr(agent, attr), attr
    assert clone.cli_backend is agent.cli_backend  # forwarded: the very same config object
    assert clone.identity == agent.identity and clone.identity is not agent.identity
    assert clone._api_key == agent._api_key
    # tools: a new list holding the same objects
    assert clone.tools == agent.tools and clone.tools is not agent.tools
    assert all(a is b for a, b in zip(clone.tools, agent.tools))
    # handoffs reset to None (not [])
    assert clone.handoffs is None and agent.handoffs == ["work"]
    # every feature config forwarded, the very same config objects
    assert set(clone.features) == set(FEATURE_KEYS)
    assert all(clone.features[k] is agent.features[k] for k in FEATURE_KEYS)
    assert clone.features is not agent.features
    # fresh runtime
    assert clone.interrupts is not agent.interrupts and not clone.interrupts.running_keys
    assert clone._prompt_lock is not agent._prompt_lock
    assert clone._usage_lock is not agent._usage_lock
    assert clone.usage == agent_mod.Usage() and clone.turns == 0
    assert not hasattr(clone, "history")  # the conversation lives in the session store
    # recorded origin
    assert clone.channel == "whatsapp" and clone.account_id == "personal"
    assert clone.parent_id == "home" and clone.parent_clone_id is None
    assert clone.clone_id and clone.clone_id.startswith("home@whatsapp:personal")
    assert clone.is_clone and not agent.is_clone


def test_clone_ids_are_unique_and_channel_optional(agent: Agent) -> None:
    a, b, c = (agent.clone_for_channel("slack", "t1"), agent.clone_for_channel("slack", "t1"),
               agent.clone_for_channel())
    assert len({a.clone_id, b.clone_id, c.clone_id}) == 3
    assert c.channel is None and c.account_id is None and c.clone_id.startswith("home@*:*")


def test_clone_while_original_locks_are_held_by_another_thread(agent: Agent) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with agent._prompt_lock, agent._usage_lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        assert agent.locks_held()
        result: list[Agent] = []
        worker = threading.Thread(target=lambda: result.append(agent.clone_for_channel("discord", "g1")))
        worker.start()
        worker.join(2)
        assert not worker.is_alive(), "clone_for_channel blocked on the original's locks"
        clone = result[0]
        assert not clone.locks_held()
        # the clone's own locks work while the original's are still held
        with clone._prompt_lock, clone._usage_lock:
            assert clone.locks_held()
        clone.add_usage(agent_mod.Usage(1, 1))
        assert clone.usage.total_tokens == 2
        assert copy.deepcopy(agent) is not None  # deepcopy does not wait either
    finally:
        release.set()
        holder.join(5)
    assert not agent.locks_held()


def test_locks_held_sees_the_current_threads_rlock(agent: Agent) -> None:
    assert not agent.locks_held()
    with agent._prompt_lock:
        assert agent.locks_held()
    with agent._usage_lock:
        assert agent.locks_held()


async def test_clone_while_original_has_an_interrupt_pending(agent: Agent, monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    scope = agent.interrupts.turn("agent:home:main")
    assert agent.interrupts.request("shutdown")
    assert agent.interrupts.is_set
    clone = agent.clone_for_channel("whatsapp", "personal")
    assert not clone.interrupts.is_set and clone.interrupts.reason is None
    with clone.interrupts.turn("agent:home:main") as clone_scope:
        result = await clone.run_turn([ChatMessage("user", "still there?")], scope=clone_scope)
    assert result.status == "complete" and "still there?" in result.text
    assert agent.interrupts.reason == "shutdown"  # the original's request is untouched
    scope.close()


def test_deepcopy_gets_fresh_locks_and_controller(agent: Agent) -> None:
    agent.add_usage(agent_mod.Usage(3, 4))
    with agent.interrupts.turn("s"):
        agent.interrupts.request("user")
        dup = copy.deepcopy(agent)
    assert dup is not agent and dup.id == agent.id
    assert dup.interrupts is not agent.interrupts and not dup.interrupts.is_set
    assert dup._prompt_lock is not agent._prompt_lock and dup._usage_lock is not agent._usage_lock
    assert dup.usage == agent.usage and dup.turns == agent.turns
    assert dup.features == agent.features and dup.features["memory"] is not agent.features["memory"]
    assert dup.tools == agent.tools and dup.tools is not agent.tools
    assert dup.cli_backend == agent.cli_backend and dup.cli_backend is not agent.cli_backend
    shallow = copy.copy(agent)
    assert shallow._usage_lock is not agent._usage_lock and shallow.interrupts is not agent.interrupts


class _PoisonLock:
    """A working lock that fails the test if anything tries to pickle or copy it."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __enter__(self):
        return self._inner.__enter__()

    def __exit__(self, *exc):
        return self._inner.__exit__(*exc)

    def _boom(self, *args, **kwargs):
        raise AssertionError("a lock was pickled or copied")

    __reduce__ = __reduce_ex__ = __getstate__ = __deepcopy__ = __copy__ = _boom


def test_neither_clone_nor_deepcopy_pickles_a_lock(config, tmp_path, monkeypatch) -> None:
    fake = types.SimpleNamespace(RLock=lambda: _PoisonLock(threading.RLock()),
                                 Lock=lambda: _PoisonLock(threading.Lock()))
    monkeypatch.setattr(agent_mod, "threading", fake)
    monkeypatch.setattr(interrupts_mod, "threading", fake)
    agent = Agent.from_config(config.agents[0], config, env={"HOME": str(tmp_path)})
    assert isinstance(agent._prompt_lock, _PoisonLock)
    clone = agent.clone_for_channel("telegram", "bot")
    twice = clone.clone_for_channel("telegram", "bot2")
    dup = copy.deepcopy(agent)
    copy.copy(clone)
    assert isinstance(dup._usage_lock, _PoisonLock) and dup._usage_lock is not agent._usage_lock
    assert twice.parent_clone_id == clone.clone_id
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(agent)


def test_clone_of_a_clone(agent: Agent) -> None:
    first = agent.clone_for_channel("whatsapp", "personal")
    first.tools.append(_tool(9))
    second = first.clone_for_channel("whatsapp", "biz")
    assert second.parent_id == "home" and second.parent_clone_id == first.clone_id
    assert second.clone_id != first.clone_id and second.account_id == "biz"
    assert second.tools == first.tools and second.tools is not first.tools
    assert second.handoffs is None
    assert all(second.features[k] is agent.features[k] for k in FEATURE_KEYS)
    assert second.interrupts is not first.interrupts


def test_mutating_a_clones_tools_and_features_never_shows_in_the_original(agent: Agent) -> None:
    before = list(agent.tools)
    clone = agent.clone_for_channel("slack", "t1")
    clone.tools.append(_tool(3))
    clone.tools.remove(before[0])
    clone.features["memory"] = {"enabled": False}
    del clone.features["web"]
    clone.identity["name"] = "Other"
    assert agent.tools == before
    assert agent.features["memory"] == {"enabled": True, "provider": "sqlite"} and "web" in agent.features
    assert agent.identity["name"] == "Clawd"


def test_a_clones_interrupt_never_reaches_the_original_or_a_sibling_threads(agent: Agent) -> None:
    a = agent.clone_for_channel("whatsapp", "personal")
    b = agent.clone_for_channel("whatsapp", "biz")
    scopes = {name: x.interrupts.turn("agent:home:main") for name, x in
              (("orig", agent), ("a", a), ("b", b))}
    results: list[bool] = []
    t = threading.Thread(target=lambda: results.append(a.interrupts.request("esc")))
    t.start()
    t.join(5)
    assert results == [True]
    assert scopes["a"].is_set and scopes["a"].reason == "esc"
    assert not scopes["orig"].is_set and not scopes["b"].is_set
    assert not agent.interrupts.is_set and not b.interrupts.is_set
    for s in scopes.values():
        s.close()


async def test_a_clones_interrupt_never_reaches_the_original_or_a_sibling_tasks(agent: Agent,
                                                                             monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "10")
    a = agent.clone_for_channel("whatsapp", "personal")
    b = agent.clone_for_channel("whatsapp", "biz")

    seen_by_a: list[str] = []

    async def turn(x: Agent):
        with x.interrupts.turn("agent:home:main") as scope:
            return await x.run_turn([ChatMessage("user", "tell me a long story")], scope=scope,
                                    on_delta=seen_by_a.append if x is a else None)

    tasks = [asyncio.create_task(turn(x)) for x in (agent, a, b)]
    while len(seen_by_a) < 2:
        await asyncio.sleep(0.005)
    threading.Thread(target=a.interrupts.request, args=("esc",)).start()
    orig, ra, rb = await asyncio.gather(*tasks)
    assert ra.status == "interrupted" and ra.interrupt_reason == "esc"
    assert orig.status == "complete" and rb.status == "complete"
    assert ra.text and rb.text.startswith(ra.text[: len(ra.text) // 2])
    # usage is counted per clone
    assert a.usage.completion_tokens < b.usage.completion_tokens
    assert agent.turns == a.turns == b.turns == 1


def test_repr_and_str_never_show_the_api_key(config, tmp_path) -> None:
    secret = "sk-live-VERYSECRET-1234567890"
    agent = Agent.from_config(config.agents[0], config, env={"HOME": str(tmp_path), "HOME_KEY": secret})
    clone = agent.clone_for_channel("whatsapp", "personal")
    literal = Agent("x", api_key=secret)
    for obj in (agent, clone, literal, copy.deepcopy(literal)):
        assert secret not in repr(obj) and secret not in str(obj)
        assert "${HOME_KEY}" not in repr(obj)


def test_cli_backend_is_read_in_either_spelling(config, tmp_path) -> None:
    work = Agent.from_config(config.agents[1], config, env={"HOME": str(tmp_path)})
    assert work.cli_backend == "codex" and work.clone_for_channel("slack", "t").cli_backend == "codex"
    assert "cliBackend" not in work.extra
