"""The fixed-current prompt: signed amps checked with the console's own rule before anything is sent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from evse_tui.control.modes import CommandError, ModeCommand, fixed_command


class FixedCurrentScreen(ModalScreen[ModeCommand | None]):
    DEFAULT_CSS = """
    FixedCurrentScreen {
        align: center middle;
    }
    FixedCurrentScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    FixedCurrentScreen .title { text-style: bold; }
    FixedCurrentScreen .hint { color: $text-muted; }
    FixedCurrentScreen .error { color: $error; text-style: bold; }
    FixedCurrentScreen Input { margin: 1 0 0 0; }
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, max_charge: int, max_discharge: int) -> None:
        super().__init__()
        self.max_charge, self.max_discharge = max_charge, max_discharge

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Fixed current", classes="title")
            yield Static(
                f"Amps: + charges, - discharges, 0 pauses. Allowed -{self.max_discharge}..{self.max_charge} A, "
                "at least 3 A either way.",
                classes="hint",
            )
            field = Input(placeholder="e.g. 10 or -8", id="amps", compact=True)
            field.cursor_blink = False
            yield field
            yield Static("", id="error", classes="error", markup=False)
            yield Static("Enter sets it · Esc cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            amps = int(text)
        except ValueError:
            self._refuse(f'"{text}" is not a whole number of amps' if text else "type a number of amps")
            return
        try:
            command = fixed_command(amps, self.max_charge, self.max_discharge)
        except CommandError as exc:
            self._refuse(str(exc))
            return
        self.dismiss(command)

    def _refuse(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
