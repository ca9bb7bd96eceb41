"""The gateway's modules that only a running gateway needs, loaded on first use.

Its event types, turns, history conversion, agent-to-agent policy, session tools and
stored-message types take about 45 ms of CPU to import here (``bench/README.md``), and none
is needed to build the gateway and route, which is all the app's first frame asks of it; the
gateway opens after that frame. So the gateway's modules take these names from here, as
modules that run on their first attribute read (``engine.lazy.lazy_module``), and refer to
``events.ReplyDelta`` rather than importing names one by one. Type checkers see plain imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy import lazy_module

if TYPE_CHECKING:
    from engine.gateway import a2a as a2a
    from engine.gateway import events as events
    from engine.gateway import history as history
    from engine.gateway import session_tools as session_tools
    from engine.gateway import turns as turns
    from engine.store import models as models
else:
    a2a = lazy_module("engine.gateway.a2a")
    events = lazy_module("engine.gateway.events")
    history = lazy_module("engine.gateway.history")
    session_tools = lazy_module("engine.gateway.session_tools")
    turns = lazy_module("engine.gateway.turns")
    models = lazy_module("engine.store.models")
