"""Screens of the claw-tui app: main, routing editor, search, help, route explanation."""
