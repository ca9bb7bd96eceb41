"""The turn lifecycle driven on its own (no Gateway, no lanes): real stores, real clones of
real agents. Whatever way a turn ends — complete, interrupted before its first token, the
model failing, or something other than the model failing — it leaves exactly one finished
reply row (never ``streaming``) and publishes exactly one terminal event."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import anyio
from gateway_helpers import two_agents, write_config

from engine.agent.agent import Agent
from engine.config.model import Config
from engine.gateway.clones import CloneRegistry
from engine.gateway.events import (
    TERMINAL_EVENTS,
    Event,
    ReplyDelta,
    TurnFailed,
    TurnFinished,
    TurnInterrupted,
    TurnStarted,
)
from engine.gateway.inbox import PeerSpec
from engine.gateway.lifecycle import TurnEnd, TurnRunner
from engine.gateway.publisher import Publisher
from engine.gateway.subscription import Subscription
from engine.gateway.turns import Turn, new_turn_id
from engine.routing.inbound import Inbound
from engine.routing.router import Router
from engine.store import StoreRegistry
from tests.support.openai_server import Status

ME = PeerSpec(id="me")


class Parts:
    def __init__(self, config: Config, state: Path, env: dict[str, str]) -> None:
        self.config = config
        self.router = Router(config)
        self.stores = StoreRegistry(state)
        self.events = Publisher()
        self.sub: Subscription = self.events.subscribe()
        self.clones = CloneRegistry(
            lambda agent_id: Agent.from_config(config.agent(agent_id), config, env=env))
        self.runner = TurnRunner(self.stores, self.events, self.clones, max_concurrent_turns=2,
                                 history_limit=50, tools_for=lambda rec: None)

    def turn(self, text: str, account: str = "personal") -> Turn:
        route = self.router.resolve(Inbound("whatsapp", account, ME.peer))
        rec, _ = self.clones.get(route.agent_id, route.channel, route.account_id)
        turn_id = new_turn_id()
        return Turn(turn_id=turn_id, inbox_key=f"whatsapp:{account}", peer=ME, text=text,
                    route=route, clone=rec, scope=self.runner.accept(rec, turn_id))

    async def run(self, turn: Turn) -> list[Event]:
        """The turn through ``run_queued`` and ``close``; the events it published."""
        await self.runner.run_queued(turn)
        self.runner.close(turn.clone, turn.turn_id, turn.scope)
        return [ev for ev in self.sub.drain() if getattr(ev, "turn_id", None) == turn.turn_id]

    async def rows(self, turn: Turn) -> list:
        store = await self.stores.get(turn.agent_id)
        return await store.last_messages(turn.session_key, 50)


@asynccontextmanager
async def parts(tmp_path: Path, env: dict[str, str], text: str) -> AsyncIterator[Parts]:
    p = Parts(write_config(tmp_path, text), tmp_path / "state", env)
    try:
        yield p
    finally:
        await p.stores.aclose()


def one_end(events: list[Event]) -> Event:
    ends = [ev for ev in events if isinstance(ev, TERMINAL_EVENTS)]
    assert len(ends) == 1, ends
    assert events[-1] is ends[0]  # nothing of the turn after its end
    return ends[0]


def one_finished_reply(rows: list, status: str, role: str = "assistant"):
    assert [r.role for r in rows] == ["user", role]
    reply = rows[1]
    assert reply.status == status
    return reply


async def test_a_turn_that_completes(tmp_path, env):
    async with parts(tmp_path, env, two_agents()) as p:
        turn = p.turn("hello there")
        events = await p.run(turn)
        end = one_end(events)
        assert isinstance(end, TurnFinished) and turn.final is end
        assert isinstance(events[0], TurnStarted)
        assert "".join(ev.text for ev in events if isinstance(ev, ReplyDelta)) == end.message.content
        assert all(ev.session_key == turn.session_key for ev in events)
        reply = one_finished_reply(await p.rows(turn), "complete")
        assert reply.content == end.message.content and reply.content
        assert reply.meta["turn_id"] == turn.turn_id and reply.meta["usage"]
        assert turn.clone.outcome == "idle" and turn.clone.turns == 1
        assert not turn.clone.scopes and not turn.clone.running and turn.scope.closed


async def test_a_turn_interrupted_before_its_first_token(tmp_path, env):
    async with parts(tmp_path, env, two_agents()) as p:
        turn = p.turn("never mind")
        assert turn.scope.request("user")
        events = await p.run(turn)
        end = one_end(events)
        assert isinstance(end, TurnInterrupted) and end.reason == "user"
        assert not any(isinstance(ev, ReplyDelta) for ev in events)
        reply = one_finished_reply(await p.rows(turn), "interrupted")
        assert reply.content == "" and reply.meta["interrupt_reason"] == "user"
        assert end.message is not None and end.message.id == reply.id
        assert turn.clone.outcome == "interrupted" and turn.clone.last_reason == "user"


async def test_a_turn_whose_model_fails(tmp_path, env, openai_server):
    openai_server.script(Status(500, "upstream exploded"))
    text = f"""{{
      agents: {{ list: [ {{ id: "home", default: true, model: "test/test-model" }} ] }},
      models: {{ providers: {{ test: {{ baseUrl: "{openai_server.url}", apiKey: "sk-x",
                 api: "openai-completions", retries: 0, timeoutMs: 5000 }} }} }},
      channels: {{ whatsapp: {{ accounts: {{ personal: {{}} }} }} }},
    }}"""
    async with parts(tmp_path, env, text) as p:
        turn = p.turn("hello?")
        end = one_end(await p.run(turn))
        assert isinstance(end, TurnFailed) and "\n" not in end.error
        reply = one_finished_reply(await p.rows(turn), "error")
        assert end.message is not None and end.message.id == reply.id
        assert reply.meta["error_kind"] == "server"
        assert turn.clone.outcome == "error" and turn.clone.last_reason == end.error


async def test_a_turn_whose_answer_fails_outside_the_model(tmp_path, env):
    """A relay (``/ask``) that raises: the pane gets TurnFailed, the row is still finished."""
    async with parts(tmp_path, env, two_agents()) as p:
        turn = p.turn("/ask work what now?")

        async def broken(scope, on_delta) -> TurnEnd:
            raise RuntimeError("the other side vanished")

        turn.relay, turn.ask_to = broken, "work"
        end = one_end(await p.run(turn))
        assert isinstance(end, TurnFailed) and end.message is None
        assert end.error == "internal error: RuntimeError: the other side vanished"
        reply = one_finished_reply(await p.rows(turn), "error", role="a2a")
        assert reply.author == "work" and "vanished" in reply.meta["error"]
        assert turn.clone.outcome == "error"


async def test_a_turn_waiting_for_a_slot_stops_when_interrupted(tmp_path, env):
    """With every slot taken, the turn waits before touching the store; an interrupt ends it
    at once, with an empty interrupted reply row."""
    async with parts(tmp_path, env, two_agents()) as p:
        p.runner = TurnRunner(p.stores, p.events, p.clones, max_concurrent_turns=1,
                              history_limit=50, tools_for=lambda rec: None)
        await p.runner._slots().acquire()  # the one slot is busy
        turn = p.turn("waiting")
        async with anyio.create_task_group() as tg:
            tg.start_soon(p.runner.run_queued, turn)
            await anyio.sleep(0.05)
            assert turn.final is None and await p.rows(turn) == []
            turn.scope.request("user")
        p.runner.close(turn.clone, turn.turn_id, turn.scope)
        assert isinstance(turn.final, TurnInterrupted) and turn.final.reason == "user"
        one_finished_reply(await p.rows(turn), "interrupted")
