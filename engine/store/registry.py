"""StoreRegistry: one AgentStore per agent, opened on first use.

A store that fails to open (foreign, corrupt, read-only file) raises for that agent only; the
failure is not cached, so fixing the file and asking again works, and every other agent keeps
its own store.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from engine.ids import normalize_agent_id

if TYPE_CHECKING:
    from .store import AgentStore


class StoreRegistry:
    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self._stores: dict[str, AgentStore] = {}
        self._opening: dict[str, asyncio.Future[AgentStore]] = {}
        self._closed = False

    async def get(self, agent_id: str) -> AgentStore:
        """The agent's store, opening it once even when many tasks ask at the same moment."""
        # Imported on first use: a registry is made at start, SQLite is needed only later.
        from .errors import StoreError
        from .store import AgentStore

        if self._closed:
            raise StoreError(self.state_dir, "the store registry is closed")
        key = normalize_agent_id(agent_id)
        store = self._stores.get(key)
        if store is not None:
            return store
        pending = self._opening.get(key)
        if pending is None:
            pending = asyncio.ensure_future(AgentStore.open(self.state_dir, key))
            self._opening[key] = pending
            pending.add_done_callback(lambda fut, key=key: self._opened(key, fut))
        return await asyncio.shield(pending)

    def _opened(self, key: str, future: asyncio.Future[AgentStore]) -> None:
        self._opening.pop(key, None)
        if not future.cancelled() and future.exception() is None:
            self._stores[key] = future.result()

    def open_stores(self) -> dict[str, AgentStore]:
        """Agent id -> store, for the stores opened so far."""
        return dict(self._stores)

    async def aclose(self) -> None:
        """Close every store (each one finishes its pending writes first)."""
        self._closed = True
        for pending in list(self._opening.values()):
            try:
                await asyncio.shield(pending)
            except Exception:  # noqa: BLE001 - a store that failed to open has nothing to close
                pass
        stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            await store.close()
