"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions streaming protocol
(SSE ``data: {...}`` chunks, a usage chunk, ``data: [DONE]``) and misbehaves on demand.

Used by the agent tests and reusable by anyone (gateway, TUI)::

    from tests.support.openai_server import OpenAIServer, Reply, Status, Stall, openai_server

Each request takes the next behaviour queued with ``server.script(...)``; when the queue is
empty ``server.default`` answers. Requests are recorded in ``server.requests``.
"""

from __future__ import annotations

import itertools
import json
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, Union

import pytest


@dataclass
class Reply:
    """A normal streamed answer. ``text=None`` echoes: the last tool result if there is one,
    else the last user message."""

    text: str | None = "Hello from the test server."
    usage: bool = True  # send the usage chunk when the client asks for it
    chunk_delay: float = 0.0
    finish_reason: str = "stop"
    reasoning: str = ""  # streamed first, word by word, as ``reasoning_content`` (not reply text)


@dataclass
class Status:
    """An HTTP error answer before any streaming (401, 404, 429, 500, ...)."""

    code: int
    message: str = "error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stall:
    """Send headers and ``chunks`` text chunks, then hang until the client disconnects.
    ``server.disconnected`` is set (and ``server.disconnected_at`` recorded) when it does."""

    chunks: int = 1


@dataclass
class StallHeaders:
    """Read the request, never answer (a timeout)."""


@dataclass
class Malformed:
    """One good chunk, then a chunk that is not JSON."""


@dataclass
class Cut:
    """``chunks`` good chunks, then the connection drops mid-body (``clean=False``: broken
    chunked framing; ``clean=True``: a tidy end of body without finish reason or [DONE])."""

    chunks: int = 2
    clean: bool = False


@dataclass
class CallTool:
    """Answer with a tool call (arguments streamed in two pieces), finish_reason tool_calls."""

    name: str
    arguments: dict[str, Any]
    call_id: str = "call_1"
    said: str = ""  # text the model streams before the call ("let me check.")


@dataclass
class KeepAlive:
    """Send headers and ``chunks`` text chunks, then nothing but keep-alives — ``: ping``
    comments, role-only chunks and empty deltas in turn, one every ``interval`` s — until the
    client hangs up (``server.disconnected`` is set then)."""

    chunks: int = 0
    interval: float = 0.05


@dataclass
class Endless:
    """Stream ``token`` without end, one every ``interval`` s (0: as fast as the client reads),
    never finishing, until the client hangs up (``server.disconnected`` is set then)."""

    token: str = "lorem "
    interval: float = 0.0


@dataclass
class Hold:
    """Stream ``before`` word by word, then hold the reply open until ``release`` is set (or
    the client hangs up: ``server.disconnected`` is set then), then stream ``after`` and
    finish. A reply that is surely still running when a test acts on it, however slow the
    machine, and ends only when the test lets it."""

    before: str
    after: str = ""
    release: threading.Event = field(default_factory=threading.Event)


Behaviour = Union[Reply, Status, Stall, StallHeaders, Malformed, Cut, CallTool, KeepAlive, Endless,
                  Hold]


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-stream is the point of several behaviours: no tracebacks."""


class OpenAIServer:
    def __init__(self, *, api_key: str | None = None, models: tuple[str, ...] = ("test-model",)) -> None:
        self.api_key = api_key
        self.models = set(models)
        self.default: Behaviour = Reply()
        # Picks a behaviour from the request body first (None: the queue, then ``default``),
        # for a client that sends requests of its own between the ones a test scripts.
        self.route: Callable[[dict[str, Any]], Behaviour | None] | None = None
        self.requests: list[dict[str, Any]] = []
        self.disconnected = threading.Event()
        self.disconnected_at: float | None = None
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-test-server", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The ``baseUrl`` to configure (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def _next(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _words(text: str) -> list[str]:
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


def _handler_for(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        # -- plumbing ----------------------------------------------------------------------
        def _json(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _start_sse(self, chunked: bool = True) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()

        def _raw_chunk(self, payload: bytes) -> None:
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        def _event(self, obj: Any) -> None:
            text = obj if isinstance(obj, str) else json.dumps(obj)
            self._raw_chunk(f"data: {text}\n\n".encode())

        def _end(self) -> None:
            self._event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _hung_up(self, seconds: float) -> bool:
            """Wait up to ``seconds``; True when the client hung up (or the server stops)."""
            sock = self.connection
            ready, _, _ = select.select([sock], [], [], seconds)
            if ready:
                try:
                    data = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    data = b""
                if not data:
                    self._mark_disconnected()
                    return True
                sock.recv(65536)  # pipelined bytes we do not care about
            return server._stop.is_set()

        def _mark_disconnected(self) -> None:
            server.disconnected_at = time.monotonic()
            server.disconnected.set()
            self.close_connection = True

        def _until_hung_up(self, sends: Iterator[bytes], interval: float) -> None:
            """Send each payload, ``interval`` s apart, until the client hangs up."""
            try:
                for payload in sends:
                    self._raw_chunk(payload)
                    if (interval > 0 and self._hung_up(interval)) or server._stop.is_set():
                        break
            except OSError:  # the client closed the stream while we wrote
                self._mark_disconnected()

        def _wait_for_disconnect(self) -> None:
            while not self._hung_up(0.005):
                pass
            self.close_connection = True

        # -- requests ----------------------------------------------------------------------
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_raw": raw.decode(errors="replace")}
            auth = self.headers.get("Authorization", "")
            server.requests.append({"path": self.path, "body": body, "authorization": auth,
                                    "authorized": auth == f"Bearer {server.api_key}"})
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            if server.api_key is not None and auth != f"Bearer {server.api_key}":
                given = auth.removeprefix("Bearer ")
                # real servers echo (part of) the key they got: the client must scrub it
                self._json(401, {"error": {"message": f"Incorrect API key provided: {given}",
                                           "type": "invalid_request_error"}})
                return
            model = str(body.get("model"))
            behaviour = (server.route(body) if server.route else None) or server._next()
            if model not in server.models and not isinstance(behaviour, Status):
                self._json(404, {"error": {"message": f"model '{model}' not found"}})
                return
            self._serve(behaviour, body, model)

        def _serve(self, b: Behaviour, body: dict[str, Any], model: str) -> None:
            want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            if isinstance(b, Status):
                self._json(b.code, {"error": {"message": b.message}}, b.headers)
            elif isinstance(b, StallHeaders):
                self._wait_for_disconnect()
            elif isinstance(b, Stall):
                self._start_sse()
                for i in range(b.chunks):
                    self._event(_chunk(model, {"content": f"partial{i} "}))
                self._wait_for_disconnect()
            elif isinstance(b, KeepAlive):
                self._start_sse()
                for i in range(b.chunks):
                    self._event(_chunk(model, {"content": f"partial{i} "}))
                idle = [b": ping\n\n",
                        f"data: {json.dumps(_chunk(model, {'role': 'assistant'}))}\n\n".encode(),
                        f"data: {json.dumps(_chunk(model, {'content': ''}))}\n\n".encode()]
                self._until_hung_up(itertools.cycle(idle), b.interval)
            elif isinstance(b, Endless):
                self._start_sse()
                token = f"data: {json.dumps(_chunk(model, {'content': b.token}))}\n\n".encode()
                self._until_hung_up(itertools.repeat(token), b.interval)
            elif isinstance(b, Hold):
                self._start_sse()
                for word in _words(b.before):
                    self._event(_chunk(model, {"content": word}))
                while not b.release.is_set():
                    if self._hung_up(0.01):
                        self.close_connection = True
                        return
                for word in _words(b.after):
                    self._event(_chunk(model, {"content": word}))
                self._event(_chunk(model, {}, "stop"))
                self._end()
            elif isinstance(b, Malformed):
                self._start_sse()
                self._event(_chunk(model, {"content": "ok "}))
                self._event("{this is not json")
                self._end()
            elif isinstance(b, Cut):
                self._start_sse(chunked=not b.clean)
                for i in range(b.chunks):
                    event = f"data: {json.dumps(_chunk(model, {'content': f'part{i} '}))}\n\n".encode()
                    if b.clean:
                        self.wfile.write(event)
                    else:
                        self._raw_chunk(event)
                if not b.clean:
                    self.wfile.write(b"ff\r\ndata: {\"trunc")  # promised 255 bytes, sent a few
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif isinstance(b, CallTool):
                self._start_sse()
                args = json.dumps(b.arguments)
                half = len(args) // 2
                for word in _words(b.said):
                    self._event(_chunk(model, {"role": "assistant", "content": word}))
                self._event(_chunk(model, {"role": "assistant", "tool_calls": [{
                    "index": 0, "id": b.call_id, "type": "function",
                    "function": {"name": b.name, "arguments": args[:half]}}]}))
                self._event(_chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": args[half:]}}]}))
                self._event(_chunk(model, {}, "tool_calls"))
                if want_usage:
                    self._event({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
                                 "model": model, "choices": [],
                                 "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}})
                self._end()
            else:
                self._reply(b, body, model, want_usage)

        def _reply(self, b: Reply, body: dict[str, Any], model: str, want_usage: bool) -> None:
            text = b.text
            messages = body.get("messages") or []
            if text is None:
                tool = next((m for m in reversed(messages) if m.get("role") == "tool"), None)
                user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
                text = (f"Tool said: {tool['content']}" if tool else
                        f"You said: {user['content']}" if user else "Nothing to echo.")
            self._start_sse()
            words = _words(text)
            self._event(_chunk(model, {"role": "assistant", "content": ""}))
            for thought in _words(b.reasoning):
                if b.chunk_delay:
                    time.sleep(b.chunk_delay)
                self._event(_chunk(model, {"reasoning_content": thought}))
            for word in words:
                if b.chunk_delay:
                    time.sleep(b.chunk_delay)
                self._event(_chunk(model, {"content": word}))
            self._event(_chunk(model, {}, b.finish_reason))
            if want_usage and b.usage:
                prompt = sum(len(str(m.get("content") or "")) for m in messages)
                self._event({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
                             "model": model, "choices": [],
                             "usage": {"prompt_tokens": prompt, "completion_tokens": len(words),
                                       "total_tokens": prompt + len(words)}})
            self._end()

    return Handler


def refused_port() -> int:
    """A local port with nothing listening (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh server per test; ``api_key`` is None (no auth) unless a test sets it."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def refused_url() -> str:
    return f"http://127.0.0.1:{refused_port()}/v1"
