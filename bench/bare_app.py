"""The reference app for ``bench/tui.py``: a bare Textual app (header, one line, footer).

Its own file so the start-up figure can run it as a fresh process that imports nothing else.
"""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class BareApp(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
