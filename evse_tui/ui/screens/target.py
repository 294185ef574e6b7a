"""Set a "SoC by a time" target: a percentage and a deadline, checked like the console's `target`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from evse_tui.engine.commands import CommandResult, SetTarget
from evse_tui.ui.forms import FormErrors, target_from_fields


class TargetScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    TargetScreen {
        align: center middle;
    }
    TargetScreen > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    TargetScreen .title { text-style: bold; }
    TargetScreen .hint { color: $text-muted; }
    TargetScreen .now { margin-bottom: 1; }
    TargetScreen Horizontal { height: 1; }
    TargetScreen .label { width: 12; color: $text-muted; }
    TargetScreen Input { width: 1fr; }
    TargetScreen .error { color: $error; text-style: bold; padding-left: 12; height: auto; }
    TargetScreen .error.-none { display: none; }
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(
        self,
        send: Callable[[SetTarget], Awaitable[CommandResult]],
        now: Callable[[], datetime],
        current_soc: Callable[[], float | None],
        start: tuple[str, str],
        about: str,
    ) -> None:
        super().__init__()
        self.send, self.now, self.current_soc = send, now, current_soc
        self.start, self.about = start, about
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("SoC target: reach N % by a time, charging when it is cheapest", classes="title")
            yield Static(self.about, classes="now hint", markup=False)
            for name, label, value, placeholder in (
                ("soc", "Target %", self.start[0], "e.g. 80"),
                ("deadline", "By", self.start[1], "HH:MM (next) or YYYY-MM-DD HH:MM"),
            ):
                with Horizontal():
                    yield Static(label, classes="label")
                    field = Input(value, placeholder=placeholder, id=name, compact=True)
                    field.cursor_blink = False
                    yield field
                yield Static("", id=f"{name}-error", classes="error -none", markup=False)
            yield Static("Tab next box · Enter set · Esc cancel · the palette (^p) can cancel a target", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#soc", Input).focus()

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in ("soc", "deadline"):
            label = self.query_one(f"#{name}-error", Static)
            label.update(errors.get(name, ""))
            label.set_class(name not in errors, "-none")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        soc, deadline = self.query_one("#soc", Input).value, self.query_one("#deadline", Input).value
        try:
            command = target_from_fields(soc, deadline, self.now(), self.current_soc())
        except FormErrors as exc:
            self.show_errors(exc.errors)
            return
        self.show_errors({})
        self.busy = True
        self.run_worker(self._save(command), group="save")  # the screen stays responsive while the engine answers

    async def _save(self, command: SetTarget) -> None:
        try:
            result = await self.send(command)
        finally:
            self.busy = False
        if result.ok:
            self.app.notify(result.message, title="SoC target", timeout=6)
            self.dismiss(True)
        else:
            self.show_errors({"soc": f"refused: {result.message}"})

    def action_cancel(self) -> None:
        self.dismiss(False)
