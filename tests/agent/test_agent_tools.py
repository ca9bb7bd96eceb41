"""Tool policy (allow/deny, groups, globs, deny wins, layers), Python functions as tools
(schema from signature and docstring), the sandbox's confinement of file arguments, and the
tool loop's limits — through the offline persona model, which calls a tool named in the
message, and a real loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Optional

import pytest

from engine.agent import Agent
from engine.agent.callable_tool import tool_from_callable
from engine.agent.tool_policy import ToolPolicy
from engine.agent.tools import (
    MAX_CALLS_PER_ROUND, MAX_TOOL_RESULT_CHARS, ToolSpec, run_tool_call,
)
from engine.config.model import ProviderConfig, SandboxConfig, ToolPolicyConfig
from engine.providers import ChatMessage
from engine.providers.base import ToolCall
from tests.support.openai_server import CallTool, OpenAIServer, Reply


@pytest.fixture(autouse=True)
def _fast(monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")


async def ask(agent: Agent, text: str, session_key: str = "agent:home:main", **kw: Any):
    with agent.interrupts.turn(session_key) as scope:
        result = await agent.run_turn([ChatMessage("user", text)], scope=scope, **kw)
    await agent.aclose()
    return result


def policy(*layers: tuple[list[str], list[str], str]) -> ToolPolicy:
    return ToolPolicy(ToolPolicyConfig(tuple(a), tuple(d), key) for a, d, key in layers)


# -- policy ----------------------------------------------------------------------------------
def test_deny_wins_groups_globs_and_layers() -> None:
    p = policy((["group:sessions"], ["sessions_send"], "tools"),
               ([], ["sessions_h*"], "agents.list[1].tools"))
    assert p.allows("sessions_list")
    assert not p.allows("web_search")  # not in the global allow
    send = p.decide("sessions_send")
    assert not send.allowed and send.rule == 'tools.deny "sessions_send"'
    history = p.decide("SESSIONS_HISTORY")  # names compare lower-cased
    assert not history.allowed and history.rule == 'agents.list[1].tools.deny "sessions_h*"'
    assert p.decide("web_search").rule == "tools.allow"
    assert policy(([], [], "tools")).allows("anything")  # empty allow: everything
    assert policy((["*"], ["group:openclaw"], "tools")).allows("my_tool")
    assert not policy((["*"], ["group:openclaw"], "tools")).allows("exec")
    assert not policy(([], ["exec"], "tools")).allows("bash")  # OpenClaw's alias


# -- Python functions as tools ---------------------------------------------------------------
def lookup(city: str, days: int = 3, units: Literal["c", "f"] = "c",
           tags: Optional[list[str]] = None, *, exact: bool = False) -> str:
    """Look up the weather for a city.

    Args:
        city: the city's name
        days: how many days ahead,
            at most 7
        units: Celsius or Fahrenheit
    """
    return f"{city}: sunny for {days} days in {units}"


def test_schema_comes_from_signature_and_docstring() -> None:
    spec = tool_from_callable(lookup)
    fn = spec.schema()["function"]
    assert fn["name"] == "lookup" and fn["description"] == "Look up the weather for a city."
    params = fn["parameters"]
    assert params["required"] == ["city"]
    assert params["properties"]["city"] == {"type": "string", "description": "the city's name"}
    assert params["properties"]["days"] == {"type": "integer", "default": 3,
                                            "description": "how many days ahead, at most 7"}
    assert params["properties"]["units"]["enum"] == ["c", "f"]
    assert params["properties"]["tags"] == {"type": "array", "items": {"type": "string"},
                                            "default": None}
    assert params["properties"]["exact"] == {"type": "boolean", "default": False}


def test_sphinx_docstrings_and_path_parameters() -> None:
    async def read_note(path: Path, lines: int = 10) -> str:
        """Read a note.

        :param path: where the note is
        :param lines: how many lines
        """
        return ""

    spec = tool_from_callable(read_note)
    assert spec.path_params == ("path",)
    props = spec.schema()["function"]["parameters"]["properties"]
    assert props["path"]["description"] == "where the note is"
    assert props["lines"]["description"] == "how many lines"
    with pytest.raises(TypeError):
        tool_from_callable(lambda *a: None)  # no usable name


async def test_the_offline_model_calls_a_python_function_and_quotes_its_result() -> None:
    agent = Agent("home", tools=[lookup])
    result = await ask(agent, 'use lookup {"city": "Lisbon", "days": 2}')
    assert result.status == "complete"
    assert [o.result for o in result.tool_outcomes] == ["Lisbon: sunny for 2 days in c"]
    assert "Tool lookup said: Lisbon: sunny for 2 days in c" in result.text
    bad = await ask(Agent("home", tools=[lookup]), 'use lookup {"town": "x"}')
    assert bad.tool_outcomes[0].result.startswith("error: tool lookup failed (TypeError")



async def test_arguments_nested_without_end_are_a_tool_error_not_a_failed_turn() -> None:
    """A model (or a user, to the offline one) can send arguments nested 100,000 deep: that
    is an error result the model can read, never a RecursionError that ends the turn."""
    spec = tool_from_callable(lookup)
    deep = '{"city": ' + "[" * 100_000
    outcome = await run_tool_call(ToolCall("c1", "lookup", deep), {"lookup": spec})
    assert outcome.result == "error: arguments are not valid JSON (nested deeper than 64 levels)"
    result = await ask(Agent("home", tools=[lookup]), f"use lookup {deep}")
    assert result.status == "complete"
    assert result.tool_outcomes[0].result.startswith("error: tool lookup failed (TypeError")

# -- policy applied --------------------------------------------------------------------------
async def test_a_denied_tool_is_not_offered_and_its_call_is_refused_with_the_rule(
        openai_server: OpenAIServer) -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    openai_server.script(CallTool("ping", {}), Reply(text=None))
    provider = ProviderConfig("local", base_url=openai_server.url)
    agent = Agent("home", model="local/test-model", providers={"local": provider}, env={},
                  tools=[ping, lookup],
                  tool_policy=policy(([], ["ping"], "agents.list[0].tools")))
    result = await ask(agent, "ping please")
    offered = [t["function"]["name"] for t in openai_server.requests[0]["body"]["tools"]]
    assert offered == ["lookup"]
    outcome = result.tool_outcomes[0]
    assert outcome.refused == 'agents.list[0].tools.deny "ping"'
    assert outcome.result == 'error: refused: tool ping is denied by agents.list[0].tools.deny "ping"'
    tool_msg = next(m for m in openai_server.requests[1]["body"]["messages"] if m["role"] == "tool")
    assert "denied by agents.list[0].tools.deny" in tool_msg["content"]


async def test_the_offline_model_calling_a_denied_tool_is_refused() -> None:
    called: list[str] = []

    def ping_home() -> str:
        called.append("x")
        return "pong"

    agent = Agent("home", tools=[ping_home], tool_policy=policy((["group:sessions"], [], "tools")))
    result = await ask(agent, "use ping_home")  # not offered: a snake_case name is still called
    assert not called and result.tool_outcomes[0].refused == "tools.allow"
    assert "is not in tools.allow (group:sessions)" in result.text


# -- limits ----------------------------------------------------------------------------------
async def test_results_are_capped_and_a_round_runs_a_bounded_number_of_calls() -> None:
    count: list[int] = []

    def big() -> str:
        count.append(1)
        return "x" * (MAX_TOOL_RESULT_CHARS * 2)

    text = " ".join(["use big"] * (MAX_CALLS_PER_ROUND + 2))
    result = await ask(Agent("home", tools=[big]), text)
    assert len(count) == MAX_CALLS_PER_ROUND
    first = result.tool_outcomes[0].result
    assert len(first) < MAX_TOOL_RESULT_CHARS + 60 and first.endswith("more characters]")
    assert result.tool_outcomes[-1].result.startswith("error: not run: at most")


async def test_tool_rounds_are_bounded(openai_server: OpenAIServer) -> None:
    openai_server.default = CallTool("ping", {})
    calls: list[int] = []

    def ping() -> str:
        calls.append(1)
        return "pong"

    provider = ProviderConfig("local", base_url=openai_server.url)
    agent = Agent("home", model="local/test-model", providers={"local": provider}, env={},
                  tools=[ping])
    result = await ask(agent, "loop forever")
    assert result.status == "complete"
    assert len(calls) == 4  # MAX_TOOL_ROUNDS; the last request offers no tools
    assert "tools" not in openai_server.requests[-1]["body"]
    assert result.tool_outcomes[-1].result == "error: not run: at most 4 rounds of tool calls per turn"


# -- sandbox ---------------------------------------------------------------------------------
def _file_tool(seen: list[Path]) -> ToolSpec:
    def read_file(path: Path) -> str:
        """Read a file."""
        seen.append(path)
        return path.read_text()

    return tool_from_callable(read_file)


@pytest.mark.parametrize("mode,session,confined", [
    ("all", "agent:home:main", True), ("off", "agent:home:main", False),
    ("non-main", "agent:home:main", False), ("non-main", "agent:home:whatsapp:direct:+1", True)])
async def test_a_sandboxed_agent_is_confined_to_its_workspace(tmp_path: Path, mode: str,
                                                              session: str, confined: bool) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "note.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    (ws / "link").symlink_to(tmp_path / "secret.txt")
    seen: list[Path] = []
    sandbox = SandboxConfig(mode=mode, key="agents.list[0].sandbox")

    def agent() -> Agent:
        return Agent("home", workspace=ws, tools=[_file_tool(seen)], sandbox=sandbox)

    inside = await ask(agent(), 'use read_file {"path": "note.txt"}' if confined else
                       f'use read_file {{"path": "{ws / "note.txt"}"}}', session)
    assert inside.tool_outcomes[0].result == "inside"
    for escape in ("../secret.txt", str(tmp_path / "secret.txt"), "link"):
        result = await ask(agent(), f'use read_file {{"path": "{escape}"}}', session)
        outcome = result.tool_outcomes[0]
        if confined:
            assert outcome.refused == "agents.list[0].sandbox.mode"
            assert "is outside the workspace" in outcome.result
        elif Path(escape).is_absolute():  # unconfined: it runs where the path says
            assert outcome.result == "outside" and outcome.refused is None
    if confined:
        assert all(p.resolve().parent == ws.resolve() for p in seen)


async def test_esc_stops_a_turn_inside_a_tool_call() -> None:
    import anyio

    started = anyio.Event()
    finished: list[bool] = []

    async def slow_tool() -> str:
        started.set()
        await anyio.sleep(3600)
        finished.append(True)
        return "never"

    agent = Agent("home", tools=[slow_tool])
    with anyio.fail_after(30):  # a hang fails the test instead of blocking the suite
        with agent.interrupts.turn("agent:home:main") as scope:
            async with anyio.create_task_group() as tg:
                async def esc() -> None:
                    await started.wait()
                    scope.request("user")

                tg.start_soon(esc)
                result = await agent.run_turn([ChatMessage("user", "use slow_tool")], scope=scope)
    assert result.status == "interrupted" and result.interrupt_reason == "user"
    assert not finished and [c.name for c in result.tool_calls] == ["slow_tool"]


async def test_read_only_workspace_access_refuses_the_write_tools(tmp_path: Path) -> None:
    written: list[str] = []

    def write(path: Path, text: str) -> str:
        """Write a file."""
        written.append(text)
        return "ok"

    def agent(access: str) -> Agent:
        sandbox = SandboxConfig(mode="all", workspace_access=access, key="agents.list[0].sandbox")
        return Agent("home", workspace=tmp_path, tools=[write], sandbox=sandbox)

    refused = await ask(agent("ro"), 'use write {"path": "a.txt", "text": "x"}')
    assert refused.tool_outcomes[0].refused == "agents.list[0].sandbox.workspaceAccess"
    assert not written and not (tmp_path / "a.txt").exists()
    allowed = await ask(agent("rw"), 'use write {"path": "a.txt", "text": "y"}')
    assert allowed.tool_outcomes[0].result == "ok" and written == ["y"]
