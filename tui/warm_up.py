"""What the first reply in a pane needs, loaded in the background once the first frame is out.

The first frame loads as little as it can (``tests/tui/test_tui_startup.py``); what a reply
needs then loaded with the first reply, on the event loop: the Markdown parser alone (its
rules are regular expressions compiled at import) took 50 ms, while replies were starting in
every pane. Loaded on a worker thread right after the first frame, it shares the interpreter
with the event loop in short turns (``tui.app.SWITCH_INTERVAL``) instead of stopping it.
"""

from __future__ import annotations


def warm_up() -> None:
    """Load (and build, where built once) what drawing and handling a first reply uses."""
    from tui import hotlist  # noqa: F401  (what a reply mentions)
    from tui.widgets import tool_calls  # noqa: F401  (its tool calls)
    from tui.widgets.history_view import literal_markdown

    literal_markdown("")  # the Markdown parser, for a reply streaming in and one finished
