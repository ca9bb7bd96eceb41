"""Modules and package exports that load on first use.

The app's first frame needs a few light modules of a package, and Python runs a package's
``__init__`` before any of its submodules; an ``__init__`` importing everything would put
SQLite, aiosqlite and the model clients on the start-up path. With ``lazy_exports``,
``from engine.store import AgentStore`` works as before, but only imports
``engine.store.store`` when it runs.

``lazy_module`` does the same for a module a caller only needs once the gateway runs (its
event types, turns, stored-message types): the module object exists at once, and runs on
the first attribute read (``events.ReplyDelta``). The gateway's are made in one place,
``engine/gateway/deferred.py``, which says why.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any, Callable


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, loaded (``importlib.util.LazyLoader``) when first used; the
    module itself if it is loaded already."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import would: ``engine.gateway.events`` is an attribute of the package
        setattr(sys.modules[parent], child, module)
    return module


def lazy_exports(namespace: dict[str, Any], exports: dict[str, str]) -> tuple[
        Callable[[str], Any], Callable[[], list[str]]]:
    """``namespace`` is the package's ``globals()``; ``exports`` maps each exported name to
    its submodule (``"AgentStore": "store"``). Returns the package's ``__getattr__`` and
    ``__dir__``."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later lookups find it without calling this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(namespace))

    return __getattr__, __dir__
