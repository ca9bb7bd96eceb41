"""A real OpenClaw gateway on loopback, for the tests of the protocol client.

``scripts/install-openclaw.sh`` installs OpenClaw and a Node able to run it into a cache folder
once; :class:`OpenClawGateway` writes a config into a private HOME (token auth, loopback, two
agents ``main`` and ``research``, the model a loopback OpenAI-compatible server from
``tests/support/openai_server.py``, the offline ``a2a`` inbound channel bound to ``research``),
starts ``openclaw gateway run`` in its own process group, and stops the whole group at the end.

The gateway needs about 20 s to be ready and 1.1 GB of memory: the tests share one instance
(the session fixture in ``tests/remote/conftest.py``). Run by hand::

    python -m tests.support.openclaw_gateway      # installs if needed, runs until Ctrl+C
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.openai_server import Behaviour, CallTool, OpenAIServer, Reply

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-openclaw.sh"
MODEL = "fake-model"
A2A_PEER = "tester"


@dataclass(frozen=True)
class Install:
    node: Path
    package: Path


def install() -> Install:
    """Install (or find) OpenClaw and Node through the install script; its stdout names them."""
    out = subprocess.run(["bash", str(INSTALL_SCRIPT)], check=True, capture_output=True,
                         text=True, timeout=900).stdout
    return _named(out)


def installed() -> Install | None:
    """OpenClaw and Node if the install script has installed them, else None (nothing is
    fetched: for tools that only use a gateway when one is at hand)."""
    done = subprocess.run(["bash", str(INSTALL_SCRIPT), "--check"], capture_output=True,
                          text=True, timeout=60)
    return _named(done.stdout) if done.returncode == 0 else None


def _named(out: str) -> Install:
    found: dict[str, str] = {}
    for line in out.splitlines():
        name, _, value = line.partition("=")
        found[name] = value.strip("'\"")
    return Install(Path(found["CLAW_TUI_OPENCLAW_NODE"]), Path(found["CLAW_TUI_OPENCLAW_PACKAGE"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_config(port: int, token: str, model_url: str, a2a_token: str) -> dict:
    """The config the tests run against (``$HOME/.openclaw/openclaw.json``)."""
    return {
        "gateway": {"mode": "local", "port": port, "bind": "loopback",
                    "auth": {"mode": "token", "token": token}},
        "agents": {"ownership": "explicit",
                   "defaults": {"model": {"primary": f"fake/{MODEL}"}},
                   "entries": {"main": {"name": "Main"}, "research": {"name": "Research"}}},
        "models": {"mode": "merge", "providers": {"fake": {
            "baseUrl": model_url, "apiKey": "sk-local", "api": "openai-completions",
            "models": [{"id": MODEL, "name": "Fake Model", "reasoning": False, "input": ["text"],
                        "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                        "contextWindow": 200000, "maxTokens": 1024}]}}},
        "channels": {"a2a": {"enabled": True, "peers": {A2A_PEER: {"token": a2a_token}}}},
        "bindings": [{"agentId": "research", "match": {"channel": "a2a", "accountId": "*"}}],
    }


class OpenClawGateway:
    """One gateway process with its HOME, token and fake model server; ``start``/``stop``,
    ``restart`` keeps HOME (config, paired devices, sessions) and the port."""

    def __init__(self, home: Path, *, installed: Install | None = None) -> None:
        self.home = home
        self.installed = installed or install()
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.a2a_token = secrets.token_hex(24)
        self.model = OpenAIServer(models=(MODEL,))
        self.model.route = self._route
        self.replies: dict[str, Behaviour] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = home / "gateway.log"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def reply_to(self, phrase: str, behaviour: Behaviour) -> None:
        """Answer an agent run whose user text contains ``phrase`` with ``behaviour``; a
        ``CallTool`` once, then the tool's result echoed (``Reply(text=None)``)."""
        self.replies[phrase] = behaviour

    def _route(self, body: dict) -> Behaviour | None:
        """Agent runs (they carry tools) by phrase; the gateway's own small requests (session
        titles) get a short fixed answer, so they never take a test's scripted reply."""
        if not body.get("tools"):
            return Reply(text="Title")
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        said = [json.dumps(m.get("content")) for m in messages if m.get("role") == "user"]
        phrase, behaviour = next(((p, b) for p, b in self.replies.items()
                                  if any(p in text for text in said)), ("", None))
        # the turn that asked: OpenClaw adds user rows of its own context after a tool result
        asked = max(i for i, m in enumerate(messages)
                    if m.get("role") == "user" and phrase in json.dumps(m.get("content"))) \
            if behaviour is not None else 0
        if isinstance(behaviour, CallTool) and any(
                m.get("role") == "tool" for m in messages[asked + 1:]):
            return Reply(text=None)  # the call was made: answer with what the tool said
        return behaviour

    @property
    def config_path(self) -> Path:
        return self.home / ".openclaw" / "openclaw.json"

    def start(self) -> OpenClawGateway:
        if not self.model._thread.is_alive():
            self.model.start()
        if not self.config_path.exists():
            self.config_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.config_path.write_text(json.dumps(
                gateway_config(self.port, self.token, self.model.url, self.a2a_token), indent=2))
        node = self.installed.node
        env = {"HOME": str(self.home), "PATH": f"{node.parent}:/usr/bin:/bin",
               "LANG": "C.UTF-8", "TMPDIR": os.environ.get("TMPDIR", "/tmp")}
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [str(node), str(self.installed.package / "openclaw.mjs"), "gateway", "run",
                 "--port", str(self.port)],
                cwd=self.home, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self._wait_listening(timeout=120)
        return self

    def _wait_listening(self, timeout: float) -> None:
        """Until the port accepts connections (``connect`` may still answer UNAVAILABLE for a
        while: the client retries that)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"openclaw gateway exited ({self.proc.returncode}); log:\n"
                                   + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("openclaw gateway did not listen in time; log:\n" + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the gateway's process group (it has helper processes), SIGKILL after 15 s."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass
        try:  # helpers left behind in the group
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def restart(self) -> None:
        self.stop()
        self.start()

    def warm_up(self, state_dir: Path, timeout: float = 300.0) -> None:
        """Until one agent run completes. Right after start the gateway's own maintenance can
        fail a run ("another OpenClaw process owns state-lifecycle"); a test should not meet
        that, so the fixture runs turns (a new session each) until one ends in a reply."""
        import asyncio

        from engine.remote import events as ev
        from engine.remote.client import GatewayClient
        from engine.remote.connection import Auth

        self.reply_to("warm-up turn", Reply(text="warm"))

        async def one_turn(client: GatewayClient) -> bool:
            queue = client.subscribe()
            key = await client.create_session("main")
            await client.watch(key)
            run = await client.send(key, "warm-up turn")
            try:
                async with asyncio.timeout(60):
                    while True:
                        event = await queue.get()
                        if isinstance(event, ev.SessionMessage) and event.message.role == \
                                "assistant" and event.message.run_id == run:
                            return True
                        if isinstance(event, ev.SessionMessage) and event.message.role not in \
                                ("user", "assistant", "system"):
                            return False  # the run failed before a reply
            except TimeoutError:
                return False
            finally:
                queue.close()

        async def warm() -> None:
            async with GatewayClient(self.url, auth=Auth(token=self.token), state_dir=state_dir,
                                     connect_budget=timeout) as client:
                async with asyncio.timeout(timeout):
                    while not await one_turn(client):
                        await asyncio.sleep(2)

        asyncio.run(warm())

    def close(self) -> None:
        self.stop()
        self.model.stop()

    def a2a_send(self, text: str, *, context_id: str | None = None,
                 wait: bool = False) -> dict:
        """An inbound A2A ``SendMessage`` from the peer ``tester`` (returns at once unless
        ``wait``)."""
        message: dict = {"messageId": secrets.token_hex(8), "role": "ROLE_USER",
                         "parts": [{"text": text}]}
        if context_id:
            message["contextId"] = context_id
        params: dict = {"message": message}
        if not wait:
            params["configuration"] = {"returnImmediately": True}
        body = json.dumps({"jsonrpc": "2.0", "id": "1", "method": "SendMessage",
                           "params": params}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/a2a/v1", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.a2a_token}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())


def main() -> int:
    """Run a gateway in the foreground until Ctrl+C, printing how to reach it."""
    import tempfile

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # stop the gateway on kill as on Ctrl+C
    with tempfile.TemporaryDirectory(prefix="openclaw-home-") as home:
        gateway = OpenClawGateway(Path(home))
        try:
            gateway.start()
            print(f"gateway {gateway.url}  token {gateway.token}  HOME {home}", flush=True)
            print("stop with Ctrl+C", flush=True)
            while gateway.proc is not None and gateway.proc.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            gateway.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
