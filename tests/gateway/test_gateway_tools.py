"""Built-in session tools (``sessions_list``, ``sessions_history``, ``sessions_send``) through a
running gateway: offered by the tool policy in the config, refused with the rule that refused
them, reading other agents' sessions only where agent-to-agent messaging allows; calls and
results stored with the reply in the agent's own SQLite store and counted on the clone;
Python functions given to the gateway; replay's ``tool``/``toolDenied`` expectations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.gateway import PeerSpec
from engine.gateway.events import TurnFinished
from tests.gateway.gateway_helpers import gateway, two_agents, write_config
from tests.support.openai_server import CallTool, OpenAIServer, Reply

ME = PeerSpec(id="me")
A2A = 'tools: { agentToAgent: { enabled: true, allow: ["home", "work"] } },'


async def send(gw, text: str, inbox: str = "whatsapp:personal"):
    final = await (await gw.send(inbox, ME, text)).wait()
    assert isinstance(final, TurnFinished), final
    return final.message


async def test_sessions_list_and_history_read_the_agents_own_store(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        await send(gw, "hello there")
        listed = await send(gw, "use sessions_list")
        key = "agent:home:whatsapp:personal:direct:me"
        assert f'"sessionKey": "{key}"' in listed.content
        tools = listed.meta["tools"]
        assert [(t["name"], t.get("refused")) for t in tools] == [("sessions_list", None)]
        assert json.loads(tools[0]["result"])[0]["sessionKey"] == key
        history = await send(gw, f'use sessions_history {{"sessionKey": "{key}", "limit": 2}}')
        rows = json.loads(history.meta["tools"][0]["result"])
        assert [r["role"] for r in rows] == ["assistant", "user"]  # this turn's reply: not yet
        assert rows[1]["content"].startswith("use sessions_history")
        assert '"sessionKey": "agent:home' in rows[0]["content"]
        # stored: a later read of the session has the calls with the reply
        stored = await gw.history("home", key)
        assert stored[-1].meta["tools"][0]["name"] == "sessions_history"
        snap = next(s for s in gw.clone_snapshots() if s.agent_id == "home")
        assert snap.tool_calls == 2 and snap.last_tool == "sessions_history ✓"



async def test_session_tool_results_keep_control_and_bidi_characters_as_escapes(tmp_path, env):
    """Peer text read back by a session tool is shown when the reply's tool calls are
    expanded: its C1 and bidi characters are JSON escapes there, and decode to what was sent."""
    config = write_config(tmp_path, two_agents())
    hostile = "csi \x9b2J and \u202eevil"
    async with gateway(config, tmp_path, env) as gw:
        await send(gw, hostile)
        key = "agent:home:whatsapp:personal:direct:me"
        history = await send(gw, f'use sessions_history {{"sessionKey": "{key}", "limit": 3}}')
    result = history.meta["tools"][0]["result"]
    assert "\x9b" not in result and "\u202e" not in result
    assert "\\u009b2J" in result and "\\u202eevil" in result
    assert hostile in [row["content"] for row in json.loads(result)]


async def test_a_long_message_read_back_by_a_session_tool_says_how_much_was_cut(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        await send(gw, "long " + "x" * 2500)
        key = "agent:home:whatsapp:personal:direct:me"
        history = await send(gw, f'use sessions_history {{"sessionKey": "{key}", "limit": 3}}')
    result = history.meta["tools"][0]["result"]  # as stored: itself cut after 4000 characters
    assert '"content": "long ' + "x" * 1995 + '… [cut: 505 more characters]"' in result

@pytest.mark.parametrize("a2a", [False, True])
async def test_another_agents_sessions_need_agent_to_agent(tmp_path, env, a2a):
    config = write_config(tmp_path, two_agents(extra=A2A if a2a else ""))
    async with gateway(config, tmp_path, env) as gw:
        await send(gw, "work things", "whatsapp:biz")
        work_key = "agent:work:whatsapp:biz:direct:me"
        listed = await send(gw, 'use sessions_list {"agentId": "work"}')
        history = await send(gw, f'use sessions_history {{"sessionKey": "{work_key}"}}')
    for reply in (listed, history):
        result = reply.meta["tools"][0]["result"]
        if a2a:
            assert "work things" in result or work_key in result
        else:
            assert result.startswith("error: agent-to-agent messaging is disabled (home → work)")
            assert "tools.agentToAgent.enabled" in result


async def test_sessions_send_is_the_agent_to_agent_path_under_policy(tmp_path, env):
    send_work = 'use sessions_send {"agentId": "work", "message": "free tonight?"}'
    config = write_config(tmp_path, two_agents(extra=A2A))
    async with gateway(config, tmp_path, env) as gw:
        reply = await send(gw, send_work)
        assert "Tool sessions_send said: Work here" not in reply.content  # persona is "work"
        assert 'You asked: “free tonight?”' in reply.meta["tools"][0]["result"]
    denied = two_agents(extra=A2A).replace('{id: "home", default: true}', '{id: "home", default: '
                                           'true, tools: { deny: ["group:sessions"] }}')
    config = write_config(tmp_path, denied, "denied.json")
    async with gateway(config, tmp_path / "d", env) as gw:
        reply = await send(gw, send_work)
    tool = reply.meta["tools"][0]
    assert tool["refused"] == 'agents.list[0].tools.deny "group:sessions"'
    assert "is denied by agents.list[0].tools.deny" in reply.content


async def test_the_config_policy_decides_what_a_remote_model_is_offered(
        tmp_path, env, openai_server: OpenAIServer):
    openai_server.script(CallTool("sessions_history", {"sessionKey": "agent:home:main"}),
                         Reply(text=None))
    config = write_config(tmp_path, f"""{{
      agents: {{ list: [ {{ id: "home", default: true, model: "test/test-model",
                           tools: {{ deny: ["sessions_h*"] }} }} ] }},
      tools: {{ allow: ["group:sessions", "lookup"] }},
      models: {{ providers: {{ test: {{ baseUrl: "{openai_server.url}", retries: 0 }} }} }},
    }}""")

    def lookup(city: str) -> str:
        """Weather by city."""
        return city

    def secret() -> str:
        """Never offered."""
        return "no"

    async with gateway(config, tmp_path, env, tools={"home": [lookup, secret]}) as gw:
        reply = await send(gw, "what happened?", "local:default")
    offered = [t["function"]["name"] for t in openai_server.requests[0]["body"]["tools"]]
    assert offered == ["lookup", "sessions_list"]
    assert reply.meta["tools"][0]["refused"] == 'agents.list[0].tools.deny "sessions_h*"'
    assert "error: refused: tool sessions_history is denied" in reply.content  # echoed


def test_replay_expects_tool_and_tool_denied(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / "c.json5"
    config.write_text(two_agents(extra='tools: { deny: ["sessions_send"] },'))
    script = tmp_path / "s.jsonl"
    lines = [
        {"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1",
         "text": "use sessions_list", "expect": {"tool": "sessions_list"}},
        {"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1",
         "text": 'use sessions_send {"agentId": "work", "message": "hi"}',
         "expect": {"toolDenied": "sessions_send"}},
        {"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1",
         "text": "no tools here", "expect": {"tool": ["sessions_list"]}},
        {"channel": "whatsapp", "accountId": "personal", "peer": "direct:+1",
         "text": "use sessions_list", "expect": {"toolDenied": "sessions_list"}},
    ]
    script.write_text("\n".join(json.dumps(x) for x in lines))
    assert main(["replay", "--config", str(config), str(script), "--json"]) == 1
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [r["ok"] for r in rows] == [True, True, False, False]
    assert rows[1]["tools"] == [{"name": "sessions_send", "refused": 'tools.deny "sessions_send"'}]
    assert rows[2]["failures"] == ['expected tool "sessions_list" called (and run), got no tool calls']
    assert rows[3]["failures"] == ['expected tool "sessions_list" refused, got sessions_list']
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"channel": "local", "text": "x", "expect": {"tool": 3}}))
    assert main(["replay", "--config", str(config), str(bad)]) == 2
    assert '"expect.tool" must be a tool name or a list of them' in capsys.readouterr().err


async def test_a_reloaded_policy_applies_from_the_next_message(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        assert (await send(gw, "use sessions_list")).meta["tools"][0].get("refused") is None
        assert await gw.reload(write_config(tmp_path, two_agents(
            extra='tools: { deny: ["group:sessions"] },')))
        tool = (await send(gw, "use sessions_list")).meta["tools"][0]
        assert tool["refused"] == 'tools.deny "group:sessions"'


async def test_exports_keep_the_tool_calls(tmp_path, env):
    config = write_config(tmp_path, two_agents(extra='tools: { deny: ["sessions_send"] },'))
    async with gateway(config, tmp_path, env) as gw:
        await send(gw, 'use sessions_list and use sessions_send {"agentId": "work", "message": "x"}')
        markdown = (await gw.export("whatsapp:personal", ME, "markdown")).read_text()
        jsonl = (await gw.export("whatsapp:personal", ME, "jsonl")).read_text()
    assert '> tool `sessions_list` `{}` → [{"sessionKey": "agent:home:whatsapp:personal:direct:me"' \
        in markdown
    assert ('> tool `sessions_send` `{"agentId": "work", "message": "x"}` (refused by tools.deny '
            '"sessions_send") → error: refused: tool sessions_send is denied') in markdown
    reply = json.loads(jsonl.splitlines()[-1])
    assert [t["name"] for t in reply["meta"]["tools"]] == ["sessions_list", "sessions_send"]


async def test_later_turns_send_the_model_its_earlier_tool_calls_and_results(
        tmp_path, env, openai_server: OpenAIServer):
    openai_server.script(CallTool("sessions_list", {"limit": 5}, call_id="call_abc"),
                         Reply(text="You have one session."), Reply(text="Second answer."))
    config = write_config(tmp_path, f"""{{
      agents: {{ list: [ {{ id: "home", default: true, model: "test/test-model" }} ] }},
      models: {{ providers: {{ test: {{ baseUrl: "{openai_server.url}", retries: 0 }} }} }},
    }}""")
    async with gateway(config, tmp_path, env) as gw:
        first = await send(gw, "what sessions do I have?", "local:default")
        await send(gw, "and now?", "local:default")
    result = first.meta["tools"][0]["result"]
    sent = openai_server.requests[2]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[2]["tool_calls"] == [{"id": "call_abc", "type": "function", "function": {
        "name": "sessions_list", "arguments": '{"limit": 5}'}}]
    assert sent[2]["content"] is None
    assert sent[3] == {"role": "tool", "content": result, "tool_call_id": "call_abc"}
    assert json.loads(result)[0]["sessionKey"] == "agent:home:main"
    assert sent[4] == {"role": "assistant", "content": "You have one session."}
    assert sent[5]["content"] == "and now?"


def test_a_stored_reply_is_sent_back_round_by_round():
    from engine.gateway.history import to_chat_messages
    from engine.store.models import StoredMessage

    text = "Let me look. Found it: two sessions."
    tools = [{"id": "a", "name": "sessions_list", "arguments": "{}", "result": "[1]",
              "round": 0, "at": 13},
             {"id": "b", "name": "sessions_history", "arguments": '{"sessionKey": "k"}',
              "result": "error: refused: no", "refused": "tools.deny", "round": 1, "at": 13}]
    reply = StoredMessage(7, "k", "s", 2, "assistant", "home", text, "complete", 0.0,
                          {"tools": tools})
    old = StoredMessage(9, "k", "s", 4, "assistant", "home", "", "interrupted", 0.0,
                        {"tools": [{"id": "a", "name": "sessions_list", "arguments": "{}",
                                    "result": "[]"}]})  # a row written before rounds were kept
    sent = to_chat_messages([reply, old])
    assert [(m.role, m.content, [c.id for c in m.tool_calls], m.tool_call_id) for m in sent] == [
        ("assistant", "Let me look. ", ["a"], None), ("tool", "[1]", [], "a"),
        ("assistant", "", ["b"], None), ("tool", "error: refused: no", [], "b"),
        ("assistant", "Found it: two sessions.", [], None),
        ("assistant", "", ["call_9_0_0"], None), ("tool", "[]", [], "call_9_0_0")]


async def test_a_panes_tool_calls_are_published_as_they_start_and_end(tmp_path, env):
    from engine.gateway import events

    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        reply = await send(gw, "use sessions_list then use no_such_tool")
        seen = [e for e in sub.drain() if isinstance(e, (events.ToolCallStarted,
                                                         events.ToolCallFinished,
                                                         events.ReplyDelta,
                                                         events.TurnFinished))]
    kinds = [type(e).__name__ for e in seen]
    assert kinds[:4] == ["ToolCallStarted", "ToolCallStarted", "ToolCallFinished",
                         "ToolCallFinished"]
    assert kinds.index("ReplyDelta") > 3 and kinds[-1] == "TurnFinished"
    assert [e.call["name"] for e in seen[:2]] == ["sessions_list", "no_such_tool"]
    ended = [e.outcome for e in seen[2:4]]
    assert ended == reply.meta["tools"]  # what the pane shows live is what the row keeps
    assert ended[1]["result"] == "error: unknown tool 'no_such_tool'"
