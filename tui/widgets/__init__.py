"""Textual widgets of the claw-tui app (each in its own module, styles in a .tcss beside it)."""
