"""Type-checked, not run: the embedded gateway, the remote one (``RemoteEngine``) and their
event streams are the engine interface (``mypy tests/tui/engine_api_conformance.py`` fails when a signature drifts)."""

from __future__ import annotations

from engine.api import Accepted, ConfigSaved, ConfigSource, EngineAPI, EventStream
from engine.gateway.gateway import Gateway
from engine.gateway.inbox import PeerSpec
from engine.remote.engine import RemoteEngine
from engine.store.models import SessionRow


def engine(gateway: Gateway) -> EngineAPI:
    return gateway


def stream(gateway: Gateway) -> EventStream:
    return gateway.subscribe()


async def accepted(gateway: Gateway) -> Accepted:
    return await gateway.send("local:default", PeerSpec(), "hello")


async def config_source(gateway: Gateway) -> ConfigSource:
    return await gateway.config_source()


async def saved(gateway: Gateway, source: ConfigSource) -> ConfigSaved:
    return await gateway.save_config(source.raw, base_hash=source.base_hash, path="/tmp/c.json",
                                     overwrite=True)


async def sessions(gateway: Gateway) -> list[SessionRow]:
    return await gateway.sessions(agent_id="home", include_reset=True)


async def reopened(gateway: Gateway, row: SessionRow) -> SessionRow:
    return await gateway.reopen_session(row.agent_id, row.session_id)


def remote_engine(remote: RemoteEngine) -> EngineAPI:
    return remote


def remote_stream(remote: RemoteEngine) -> EventStream:
    return remote.subscribe()


async def remote_accepted(remote: RemoteEngine) -> Accepted:
    return await remote.send("local:default", PeerSpec(), "hello")
