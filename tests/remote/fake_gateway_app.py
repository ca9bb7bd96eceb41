"""The loopback fake gateway with what the app needs on top of the protocol: channel accounts,
agents, a session list, the config as text with its hash, and runs that stream a reply
(``chat`` deltas, then the final, then the transcript rows) and can be aborted.

A reply is scripted per message text (``replies``); a run streams it word by word every
``chunk_delay`` seconds. ``inbound`` posts a channel message the way a real channel does (the
user row, then a run that answers). ``tools`` scripts tool calls a run makes first, in the
shapes OpenClaw 2026.9.6 was seen to send: an assistant row ending ``stopReason: "toolUse"``
with ``toolCall`` blocks (announced), ``agent`` events of stream ``tool`` (phase start, then
result) to the connection that started the run with the ``tool-events`` cap, else
``session.tool`` to session subscribers, and a ``toolResult`` row that is *not* announced (a
real gateway leaves that ``seq`` out of ``session.message``). Usage as seen there: the
``usage`` stream carries only ``outputTokens``; each assistant row carries its model call's
``usage {input, output, totalTokens}`` (``row_usage=False`` leaves it out).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from typing import Any

from tests.remote.fake_gateway import FakeGateway

CONFIG = """{
  // the gateway's own file: comments survive a round trip through the editor
  agents: {
    ownership: "explicit",
    entries: { main: { name: "Main" }, research: { name: "Research" } },
  },
  channels: { a2a: { enabled: true } },
  bindings: [
    { agentId: "research", match: { channel: "a2a", accountId: "*" } },
  ],
}
"""


class AppFakeGateway(FakeGateway):
    def __init__(self, token: str = "secret-token", **kw: Any) -> None:
        super().__init__(token, **kw)
        self.config_raw = CONFIG
        self.replies: dict[str, str] = {}
        self.chunk_delay = 0.01
        self.channels: dict[str, list[dict[str, Any]]] = {
            "a2a": [{"accountId": "default", "running": True, "connected": True,
                     "enabled": True, "configured": True}]}
        self.runs: dict[str, asyncio.Task[None]] = {}
        self.run_keys: dict[str, str] = {}  # run id -> its session (``activeRunIds``)
        # chat.history names the runs in progress (``activeRunIds``); 2026.9.6 was seen to
        # say only ``hasActiveRun`` for a run another client started
        self.list_active_runs = False
        self.aborted: list[str] = []
        # Send the run's last delta again after its final, as a real gateway was seen to
        # (with the final's seq).
        self.late_delta = False
        # message text -> tool calls the run makes first: {name, args, result, isError,
        # said (text before the call), updates (its output so far, one ``update`` each),
        # hold (an event its result waits for, else ``tool_release``)}
        self.tools: dict[str, list[dict[str, Any]]] = {}
        self.tool_release: asyncio.Event | None = None  # set: a call's result may come
        self.row_usage = True
        # How a call's ``said`` text (what the model says before it) reaches clients: as
        # OpenClaw 2026.9.6 sends it, a ``preamble`` item (``agent`` stream ``item``) and a
        # transcript message paged as two rows (its text, its calls) with one id and seq;
        # or (False) as ``chat`` deltas run together with the reply's, in one row
        self.said_as_preamble = True
        # message text -> {word index: text}: at that word the run's text is restated whole
        # (a ``replace`` delta, as a real gateway sends when its text no longer extends what it
        # sent): that text in place of the reply so far, the words after it following on
        self.rewrites: dict[str, dict[int, str]] = {}
        self._tool_recipients: dict[str, Any] = {}  # run id -> the peer that started it

    @property
    def config_hash(self) -> str:
        return hashlib.sha256(self.config_raw.encode()).hexdigest()

    # -- scripted traffic --------------------------------------------------------------------
    async def broadcast(self, name: str, payload: Any) -> None:
        for peer in list(self.peers):
            await self.event(peer, name, payload)

    async def inbound(self, key: str, text: str) -> str:
        """A channel's message lands in ``key`` and a run answers it; the run id."""
        await self.post_message(key, "user", text)
        return self.start_run(key, text)

    def start_run(self, key: str, text: str, run_id: str | None = None) -> str:
        run_id = run_id or uuid.uuid4().hex
        self.run_keys[run_id] = key
        self.runs[run_id] = asyncio.get_running_loop().create_task(self._run(key, text, run_id))
        return run_id

    async def _tool_event(self, key: str, run_id: str, data: dict[str, Any]) -> None:
        payload = {"sessionKey": key, "runId": run_id, "agentId": key.split(":")[1],
                   "stream": "tool", "ts": 1_700_000_000_000, "data": data}
        owner = self._tool_recipients.get(run_id)
        for peer in list(self.peers):
            if peer is owner:
                await self.event(peer, "agent", payload)
            elif peer.sessions_subscribed:
                await self.event(peer, "session.tool", payload)

    def _usage(self, output: int, input: int) -> dict[str, Any]:
        return {"usage": {"input": input, "output": output, "totalTokens": input + output}} \
            if self.row_usage else {}

    async def _said(self, key: str, run_id: str, said: str, seq: int) -> int:
        """What the model says before a call, streamed (``said_as_preamble``); the chat seq."""
        agent = key.split(":")[1]
        if self.said_as_preamble:
            item = {"kind": "preamble", "title": "Preamble", "itemId": f"commentary-{seq}"}
            for phase, shown in (("update", said[: len(said) // 2]), ("update", said + " x"),
                                 ("end", said)):  # updates may rewrite it: only "end" holds
                await self.broadcast("agent", {"sessionKey": key, "runId": run_id,
                                               "agentId": agent, "stream": "item",
                                               "data": {**item, "phase": phase,
                                                        "progressText": shown}})
            return seq
        for word in said.split(" "):
            seq += 1
            await self.broadcast("chat", {"sessionKey": key, "runId": run_id, "seq": seq,
                                          "state": "delta", "deltaText": word + " "})
        return seq

    async def _run_tools(self, key: str, text: str, run_id: str) -> tuple[int, int]:
        """The scripted tool calls of a run, as a real gateway reports them; output tokens
        and the last chat seq."""
        calls = self.tools.get(text, [])
        seq = 0
        for i, tool in enumerate(calls):
            call_id = f"call_{i + 1}"
            said = tool.get("said", "")
            if said:
                seq = await self._said(key, run_id, said, seq)
            block = {"type": "toolCall", "id": call_id, "name": tool["name"],
                     "arguments": tool.get("args", {})}
            step = self.add_row(key, {"role": "assistant", "stopReason": "toolUse",
                                      **self._usage(2, 5), "content": [block]}, run_id)
            if said and self.said_as_preamble:  # paged as its text, then its calls
                rows = self.transcripts[key]
                rows.insert(-1, {"role": "assistant", "content": [{"type": "text",
                                                                    "text": said + " "}],
                                 "__openclaw": step["__openclaw"]})
            elif said:
                step = {**step, "content": [{"type": "text", "text": said}, block]}
                self.transcripts[key][-1] = step
            await self._announce(key, step)
            await self._tool_event(key, run_id, {"phase": "start", "name": tool["name"],
                                                 "toolCallId": call_id,
                                                 "args": tool.get("args", {})})
            for output in tool.get("updates", ()):  # its output so far, as it runs
                await self._tool_event(key, run_id, {
                    "phase": "update", "name": tool["name"], "toolCallId": call_id,
                    "partialResult": {"content": [{"type": "text", "text": output}],
                                      "details": {"status": "running"}}})
            release = tool.get("hold") or self.tool_release  # its own gate, or the shared one
            if release is not None:
                await release.wait()
            content = [{"type": "text", "text": tool.get("result", "")}]
            await self._tool_event(key, run_id, {
                "phase": "result", "name": tool["name"], "toolCallId": call_id,
                "isError": bool(tool.get("isError")), "commandBearing": False,
                "result": {"content": content, "details": {}}})
            self.add_row(key, {"role": "toolResult", "toolCallId": call_id,
                               "toolName": tool["name"], "content": content,
                               "isError": bool(tool.get("isError"))}, run_id)
        return 2 * len(calls), seq

    async def _run(self, key: str, text: str, run_id: str) -> None:
        reply = self.replies.get(text, f"echo: {text}")
        said: list[str] = []
        seq = 0
        try:
            tool_tokens, seq = await self._run_tools(key, text, run_id)
            rewrites = self.rewrites.get(text, {})
            for i, word in enumerate(reply.split(" ")):
                await asyncio.sleep(self.chunk_delay)
                piece = (" " if said else "") + word
                said.append(piece)
                seq += 1
                delta: dict[str, Any] = {"deltaText": piece}
                if i in rewrites:
                    said = [rewrites[i]]
                    delta = {"deltaText": rewrites[i], "replace": True}
                await self.broadcast("chat", {"sessionKey": key, "runId": run_id, "seq": seq,
                                              "state": "delta", **delta})
                await self.broadcast("agent", {"sessionKey": key, "runId": run_id,
                                               "agentId": key.split(":")[1], "stream": "usage",
                                               "data": {"outputTokens": tool_tokens + seq}})
        except asyncio.CancelledError:
            partial = "".join(said)
            await self.broadcast("chat", {"sessionKey": key, "runId": run_id, "seq": seq + 1,
                                          "state": "aborted", "stopReason": "aborted"})
            message = self.add_message(key, "assistant", partial, run_id)
            message["stopReason"] = "aborted"
            await self._announce(key, message)
            return
        finally:
            self.runs.pop(run_id, None)
        full = "".join(said)
        # the final's text is the run's whole text: a real gateway's may hold what was said
        # before its calls (its items joined by a blank line); the transcript row has not
        before = [t["said"] for t in self.tools.get(text, []) if t.get("said")] \
            if self.said_as_preamble else []
        await self.broadcast("chat", {"sessionKey": key, "runId": run_id, "seq": seq + 1,
                                      "state": "final", "message": {
                                          "role": "assistant", "content": [{
                                              "type": "text",
                                              "text": "\n\n".join([*before, full])}]}})
        if self.late_delta and said:
            await self.broadcast("chat", {"sessionKey": key, "runId": run_id, "seq": seq + 1,
                                          "state": "delta", "deltaText": said[-1]})
        await self._announce(key, self.add_row(key, {
            "role": "assistant", "content": [{"type": "text", "text": full}],
            "stopReason": "stop", **self._usage(seq, 7)}, run_id))

    async def _announce(self, key: str, message: dict[str, Any]) -> None:
        for peer in list(self.peers):
            if peer.sessions_subscribed or key in peer.subscribed:
                await self.event(peer, "session.message", {"sessionKey": key, "message": message})

    # -- methods -----------------------------------------------------------------------------
    def _method(self, peer: Any, method: str, params: dict[str, Any]) -> Any:
        if method == "chat.history":  # with whether a run is in progress, as 2026.9.6 says
            page = super()._method(peer, method, params)
            active = [r for r in self.runs if self.run_keys.get(r) == params["sessionKey"]]
            info: dict[str, Any] = {"hasActiveRun": bool(active)}
            if self.list_active_runs:
                info["activeRunIds"] = active
            return {**page, "sessionInfo": info}
        if method == "config.get":
            return {"raw": self.config_raw, "hash": self.config_hash,
                    "path": "/gw/openclaw.json"}
        if method == "config.patch":
            if params.get("baseHash") != self.config_hash:
                return {"__error__": {"code": "INVALID_REQUEST",
                                      "message": "config changed since last load; re-run "
                                                 "config.get and retry"}}
            self.config_raw = params["raw"]
            return {"ok": True}
        if method == "agents.list":
            return {"defaultId": "main", "agents": [{"id": "main", "name": "Main"},
                                                   {"id": "research", "name": "Research"}]}
        if method == "channels.status":
            return {"channelAccounts": self.channels}
        if method == "sessions.list":
            rows = []
            for key, messages in self.transcripts.items():
                last = messages[-1]["content"][0].get("text", "") if messages else ""
                row = {"key": key, "agentId": key.split(":")[1], "displayName": "tester",
                       "updatedAt": 1_700_000_000_000 + len(messages)}
                if params.get("includeLastMessage"):  # as a real gateway: only when asked
                    row["lastMessagePreview"] = last
                rows.append(row)
            return {"sessions": rows, "count": len(rows)}
        if method == "sessions.create":
            key = f"agent:{params.get('agentId', 'main')}:dashboard:{uuid.uuid4().hex[:8]}"
            self.transcripts.setdefault(key, [])
            return {"key": key}
        if method == "chat.send":
            key, text = params["sessionKey"], params["message"]
            run_id = params["idempotencyKey"]
            if "tool-events" in peer.caps:  # as a real gateway: only then its tool events
                self._tool_recipients[run_id] = peer
            asyncio.get_running_loop().create_task(self._send(key, text, run_id))
            return {"runId": run_id, "status": "started"}
        if method == "chat.abort":
            ids = [params["runId"]] if params.get("runId") else \
                [r for r, t in self.runs.items()]
            for run_id in ids:
                task = self.runs.get(run_id)
                if task is not None:
                    task.cancel()
                    self.aborted.append(run_id)
            return {"aborted": bool(ids), "runIds": ids}
        return super()._method(peer, method, params)

    async def _send(self, key: str, text: str, run_id: str) -> None:
        message = self.add_message(key, "user", text, run_id)
        await self._announce(key, message)
        self.start_run(key, text, run_id)

    async def _handle(self, ws: Any) -> None:  # noqa: D401 - see FakeGateway
        await super()._handle(_ErrorAnswering(ws))


class _ErrorAnswering:
    """The server connection, turning an ``ok`` answer whose payload is ``{"__error__": …}``
    into that error answer (``FakeGateway._method`` answers ``ok`` only)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def __aiter__(self) -> Any:
        return self._ws.__aiter__()

    async def send(self, data: Any) -> None:
        if isinstance(data, str) and '"__error__"' in data:
            frame = json.loads(data)
            frame = {"type": "res", "id": frame["id"], "ok": False,
                     "error": frame["payload"]["__error__"]}
            data = json.dumps(frame)
        await self._ws.send(data)

