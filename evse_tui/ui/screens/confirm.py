"""A yes/no question that says what will happen: y or Enter confirms, n or Escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen .title {
        text-style: bold;
        margin-bottom: 1;
    }
    ConfirmScreen Horizontal {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        min-width: 12;
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "yes", show=False),
        Binding("enter", "answer(True)", "yes", show=False),
        Binding("n", "answer(False)", "no", show=False),
        Binding("escape", "answer(False)", "no", show=False),
    ]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "No", *, kind: str = "") -> None:
        super().__init__()
        self.title_text, self.body, self.yes, self.no = title, body, yes, no
        self.kind = kind  # lets the app recognise its own quit question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Static(self.body, markup=False)
            with Horizontal():
                yes = Button(f"{self.yes} (y)", id="yes", variant="error", compact=True)
                no = Button(f"{self.no} (n)", id="no", compact=True)
                yes.can_focus = no.can_focus = False  # Enter always means yes, whatever has focus
                yield yes
                yield no

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
