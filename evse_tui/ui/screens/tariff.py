"""Choose a tariff from a short list (each with its period and rates now); choosing enters SMART."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class TariffScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    TariffScreen {
        align: center middle;
    }
    TariffScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    TariffScreen .title { text-style: bold; }
    TariffScreen .hint { color: $text-muted; }
    TariffScreen OptionList { height: auto; max-height: 10; margin: 1 0; }
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, choices: list[tuple[str, str]], current: str) -> None:
        """`choices`: (name, one line about it now)."""
        super().__init__()
        self.choices, self.current = choices, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Choose tariff (enters SMART)", classes="title")
            options = [
                Option(Text(f"{name:<6} {about}" + ("  (active)" if name == self.current else "")), id=name)
                for name, about in self.choices
            ]
            yield OptionList(*options, id="tariffs", compact=True)
            yield Static("↑↓ choose · Enter select · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        names = [name for name, _ in self.choices]
        option_list = self.query_one(OptionList)
        if self.current in names:
            option_list.highlighted = names.index(self.current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
