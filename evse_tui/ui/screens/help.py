"""Every key and what it does, from the same table as the bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from evse_tui.ui.keys import KEYS

NOTES = (
    "Every command takes effect at once; the charger follows as soon as its change delay allows "
    "(the Wait line counts down). Ctrl+P finds any command by name. Quitting stops the charger "
    "and hands it back to its own control."
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen .title { text-style: bold; }
    HelpScreen .hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "close", show=False),
        Binding("question_mark", "close", "close", show=False),
        Binding("q", "close", "close", show=False),
        Binding("enter", "close", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="dim")
        for key in KEYS:
            table.add_row(key.shown, key.title, key.help)
        with VerticalScroll():
            yield Static("Keys", classes="title")
            yield Static(table)
            yield Static(NOTES, classes="hint")
            yield Static("Esc, ? or q closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
