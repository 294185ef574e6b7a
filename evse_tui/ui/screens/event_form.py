"""Add or edit a schedule event: time, mode, optional SoC condition, window end, repeat.

Each box is checked on Enter and its message appears under it; the engine's scheduler has the last
word (its refusal is shown in the form, which stays open).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from evse_tui.engine.commands import AddEvent, CommandResult, EditEvent
from evse_tui.scheduler.events import ScheduledEvent
from evse_tui.ui.forms import FORM, EventFields, FormErrors, event_from_fields

FIELDS = (
    ("when", "Time", "YYYY-MM-DD HH:MM, or HH:MM (next)"),
    ("mode", "Mode", "charge, discharge, pause, smart, cosy, solar, -8 …"),
    ("min_soc", "If SoC ≥ %", "optional, e.g. 60"),
    ("until", "Window end", "optional HH:MM: give up if not fired by then"),
    ("repeat", "Repeat", "once, daily, weekdays, weekends, mon,wed,fri"),
)


class EventFormScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    EventFormScreen {
        align: center middle;
    }
    EventFormScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    EventFormScreen .title { text-style: bold; margin-bottom: 1; }
    EventFormScreen .hint { color: $text-muted; margin-top: 1; }
    EventFormScreen Horizontal { height: 1; }
    EventFormScreen .label { width: 13; color: $text-muted; }
    EventFormScreen Input { width: 1fr; }
    EventFormScreen .error { color: $error; text-style: bold; padding-left: 13; height: auto; }
    EventFormScreen .error.-none { display: none; }
    EventFormScreen #form-error { padding-left: 0; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(
        self,
        send: Callable[[AddEvent | EditEvent], Awaitable[CommandResult]],
        now: Callable[[], datetime],
        max_charge: int,
        max_discharge: int,
        start: EventFields,
        event_id: str | None = None,
    ) -> None:
        """`event_id` edits that event; None adds a new one. `send` asks the engine and returns its answer."""
        super().__init__()
        self.send, self.now = send, now
        self.max_charge, self.max_discharge = max_charge, max_discharge
        self.start, self.event_id = start, event_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Edit scheduled event {self.event_id}" if self.event_id else "Add a scheduled event"
            yield Static(title, classes="title")
            for name, label, placeholder in FIELDS:
                with Horizontal():
                    yield Static(label, classes="label")
                    field = Input(getattr(self.start, name), placeholder=placeholder, id=name, compact=True)
                    field.cursor_blink = False
                    yield field
                yield Static("", id=f"{name}-error", classes="error -none", markup=False)
            yield Static("", id="form-error", classes="error -none", markup=False)
            yield Static("Tab next box · Enter save · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#when", Input).focus()

    def fields(self) -> EventFields:
        return EventFields(**{name: self.query_one(f"#{name}", Input).value for name, _, _ in FIELDS})

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in [n for n, _, _ in FIELDS] + [FORM]:
            label = self.query_one(f"#{name}-error", Static)
            message = errors.get(name, "")
            label.update(message)
            label.set_class(not message, "-none")
        first = next((n for n, _, _ in FIELDS if n in errors), None)
        if first is not None:
            self.query_one(f"#{first}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        try:
            scheduled: ScheduledEvent = event_from_fields(self.fields(), self.now(), self.max_charge, self.max_discharge)
        except FormErrors as exc:
            self.show_errors(exc.errors)
            return
        self.show_errors({})
        command: AddEvent | EditEvent = EditEvent(self.event_id, scheduled) if self.event_id else AddEvent(scheduled)
        self.busy = True
        self.run_worker(self._save(command), group="save")  # the screen stays responsive while the engine answers

    async def _save(self, command: AddEvent | EditEvent) -> None:
        try:
            result = await self.send(command)
        finally:
            self.busy = False
        if result.ok:
            self.app.notify(result.message, title="schedule", timeout=4)
            self.dismiss(True)
        else:
            self.show_errors({FORM: f"refused: {result.message}"})

    def action_cancel(self) -> None:
        self.dismiss(False)
