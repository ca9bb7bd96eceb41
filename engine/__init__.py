"""claw-tui's headless core: config, routing, agents, stores and the gateway runtime.

Never imports Textual, so everything here runs from tests and the CLI alone.
"""

__version__ = "0.1.0"
