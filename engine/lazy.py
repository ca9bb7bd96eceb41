"""Package exports that load their submodule on first use.

The app's first frame needs a few light modules of a package (``engine.store.models``, the
gateway's event types), and Python runs a package's ``__init__`` before any of its
submodules; an ``__init__`` importing everything would put SQLite, aiosqlite and the model
clients on the start-up path. With ``lazy_exports``, ``from engine.store import AgentStore``
works as before, but only imports ``engine.store.store`` when it runs.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


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
