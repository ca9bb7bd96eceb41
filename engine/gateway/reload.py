"""Config reload: watch the config file, re-read and re-validate it, swap it in whole or not at all.

Kept out of the gateway facade because it has its own clock (a poll about once a second) and
its own memory (the digest of the text last loaded, so a touch or a rewrite with the same text
is not a reload). A config that fails to load or to compile into a router is rejected with
``ConfigRejected`` and the running one stays; one that passes is handed to the gateway's
``swap`` in one step and announced with ``ConfigReloaded``.

It also hands out the config as text (``source``) and takes edited text back (``save``):
validated, written with ``engine.config.edit.write_config`` (refused when the file changed
since that text was read), then applied the same way, one save at a time.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import anyio

from engine.config.source import ConfigSaved, ConfigSource, text_hash
from engine.errors import ClawError, ConfigError, Problem
from engine.gateway.deferred import events
from engine.gateway.errors import GatewayError
from engine.routing.router import Router

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from engine.config.model import Config
    from engine.gateway.publisher import Publisher

Signature = tuple[int, int, int]  # (mtime_ns, size, inode) of the config file


class ConfigReloader:
    """Reloads for one gateway: ``current`` reads its config, ``swap`` installs a new config
    with the router compiled from it."""

    def __init__(self, publisher: Publisher, current: Callable[[], Config],
                 swap: Callable[[Config, Router], None], *, watch: bool,
                 interval: float) -> None:
        self._events = publisher
        self._current = current
        self._swap = swap
        self._watch_enabled = watch
        self._interval = interval
        self._scope: anyio.CancelScope | None = None
        self._digest: str | None = None
        # Made on first save: an anyio primitive made here, as the app starts, would load
        # anyio's event-loop backend (tens of ms) before the first frame.
        self._saving: anyio.Lock | None = None

    def start(self, tg: TaskGroup) -> None:
        """Begin watching the config file (when there is one and watching is on)."""
        path = self._current().path
        if self._watch_enabled and path:
            signature = _signature(path)  # before the digest: a save in between
            self._digest = _digest(path)  # still shows up as a change
            tg.start_soon(self._watch, signature)

    def stop(self) -> None:
        if self._scope is not None:
            self._scope.cancel()

    async def reload(self, config: Config | None = None) -> bool:
        """Swap in ``config`` (or re-read the current config's file) if it validates."""
        current = self._current()
        if config is not None:
            if config.path and config.path == current.path and self._watch_enabled:
                self._digest = _digest(config.path)  # the watcher need not load it again
            return self.apply(config)
        if not current.path:
            raise GatewayError("no config file to reload (running the built-in example)")
        return bool(await self._reload_path(current.path))

    async def _reload_path(self, path: str, *, only_if_changed: bool = False) -> bool | None:
        """Read, validate and apply the file; None when ``only_if_changed`` and its text is
        what was last loaded."""
        from engine.config.loader import load_config_text, read_config_text

        try:
            text = await anyio.to_thread.run_sync(read_config_text, path)
        except ConfigError as exc:
            self._reject(list(exc.problems))
            return False
        digest = text_hash(text)
        if only_if_changed and digest == self._digest:
            return None
        self._digest = digest
        try:
            config = load_config_text(text, file=path, path=path)
        except ConfigError as exc:
            self._reject(list(exc.problems))
            return False
        return self.apply(config)

    async def source(self) -> ConfigSource:
        """The current config's file as text, with its digest; with no file (the built-in
        example, or a config given as text) the example's text, which a save gives a path."""
        from engine.config.example import EXAMPLE_TEXT
        from engine.config.loader import read_config_text

        path = self._current().path
        if not path:
            return ConfigSource(raw=EXAMPLE_TEXT, base_hash=text_hash(EXAMPLE_TEXT), path=None,
                                is_example=True)
        text = await anyio.to_thread.run_sync(read_config_text, path)
        return ConfigSource(raw=text, base_hash=text_hash(text), path=path)

    async def save(self, raw: str, *, base_hash: str, path: str | None = None,
                   overwrite: bool = False) -> ConfigSaved:
        """Validate ``raw``, write it and apply it. To the current config's file (``path``
        None or that file) only while the file still holds ``base_hash``; to another path only
        where there is no file yet, unless ``overwrite``. Raises the located ConfigError,
        ConfigChangedOnDisk, ConfigFileExists or ConfigSaveError, with nothing written."""
        from engine.config.edit import ConfigEditError, save_target, write_config
        from engine.config.loader import load_config_text

        if self._saving is None:
            self._saving = anyio.Lock()
        async with self._saving:  # each save checks the digest the one before it wrote
            current = self._current().path or None
            if path is None:
                if current is None:
                    raise ConfigEditError("the config has no file yet (running the built-in "
                                          "example); save it under a path")
                path = current
            target = save_target(path)
            own = current is not None and target == Path(os.path.abspath(current))
            config = load_config_text(raw, file=str(target), path=str(target))
            write = partial(write_config, raw, target, base_hash=base_hash if own else None,
                            overwrite=overwrite)
            with anyio.CancelScope(shield=True):  # written means applied too
                previous, self._digest = self._digest, text_hash(raw)  # no second reload
                try:
                    new_hash = await anyio.to_thread.run_sync(write)
                except BaseException:
                    self._digest = previous
                    raise
                applied = self.apply(config)
        return ConfigSaved(path=str(target), base_hash=new_hash, applied=applied)

    def _reject(self, problems: list[Problem]) -> None:
        self._events.emit(events.ConfigRejected, errors=problems)

    def apply(self, config: Config) -> bool:
        """Compile the router for ``config``; only if that works, swap both in."""
        try:
            router = Router(config)
        except ConfigError as exc:
            self._reject(list(exc.problems))
            return False
        except ClawError as exc:
            self._reject([Problem(str(exc), file=config.path or "<config>")])
            return False
        self._swap(config, router)
        self._events.emit(events.ConfigReloaded, config=config)
        return True

    async def _watch(self, last_sig: Signature | None) -> None:
        """Poll the config file: a changed mtime/size/inode triggers a read, and only changed
        text triggers a reload (a touch or a rewrite with the same text does not)."""
        with anyio.CancelScope() as scope:
            self._scope = scope
            while True:
                await anyio.sleep(self._interval)
                path = self._current().path
                if not path:
                    return
                sig = _signature(path)
                if sig == last_sig:
                    continue
                last_sig = sig
                if sig is None:  # gone (or mid-rename): said once; reloads when it is back
                    self._digest = None
                await self._reload_path(path, only_if_changed=True)


def changed_agents(old: Config, new: Config) -> set[str]:
    """Agents whose clones must retire: removed or changed, or all when model settings, the
    global tool policy or the main session key (``non-main`` sandboxing) moved."""
    if old.default_model != new.default_model or dict(old.providers) != dict(new.providers) \
            or dict(old.auth_order) != dict(new.auth_order) \
            or old.tool_policy != new.tool_policy or old.session.main_key != new.session.main_key:
        return set(old.agent_ids) | {"main"} | {b.agent_id for b in old.bindings}
    out = set()
    for agent in old.agents:
        if new.agent(agent.id) != agent:
            out.add(agent.id)
    return out


def _signature(path: str | None) -> Signature | None:
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _digest(path: str | None) -> str | None:
    """Hash of the config text as the loader reads it (None when unreadable)."""
    from engine.config.loader import read_config_text

    if not path:
        return None
    try:
        return text_hash(read_config_text(path))
    except ConfigError:
        return None
