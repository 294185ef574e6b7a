"""Upcoming schedule events (a table the keys x, space and e act on) and the SoC target's plan.

The table is rebuilt only when the events change, never on an ordinary reading.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from evse_tui.engine.snapshot import EventView, Snapshot, TargetView
from evse_tui.ui.format import money


def when_text(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "done"
    return f"{when:%H:%M}" if when.date() == now.date() else f"{when:%a %H:%M}"


def target_text(target: TargetView | None) -> Text:
    if target is None:
        return Text("")
    text = Text.assemble(("Target ", "dim"), (f"{target.soc}%", "bold"), (f" by {target.deadline:%a %H:%M}: ", "dim"))
    text.append(target.status)
    if target.expected_cost_p is not None:
        text.append(f" · about {money(target.expected_cost_p)}", "dim")
    return text


class SchedulePanel(Vertical):
    DEFAULT_CSS = """
    SchedulePanel #target-line {
        height: auto;
        max-height: 2;
    }
    SchedulePanel #target-line.-none, SchedulePanel #no-events.-none, SchedulePanel DataTable.-none {
        display: none;
    }
    SchedulePanel #no-events {
        color: $text-muted;
        text-style: italic;
    }
    SchedulePanel DataTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: tuple[EventView, ...] | None = None
        self._target: TargetView | None = None
        self._day: object = None

    def compose(self) -> ComposeResult:
        yield Static(id="target-line", classes="-none")
        table: DataTable = DataTable(id="events", cursor_type="row", classes="-none")
        table.add_column("", key="on")
        table.add_column("id", key="id")
        table.add_column("when", key="when")
        table.add_column("mode", key="mode")
        table.add_column("if / repeat", key="extra")
        yield table
        yield Static("No scheduled events. Press a to add one.", id="no-events")

    @property
    def table(self) -> DataTable:
        return self.query_one("#events", DataTable)

    def show(self, snap: Snapshot) -> None:
        if snap.target != self._target:
            self._target = snap.target
            line = self.query_one("#target-line", Static)
            line.update(target_text(snap.target))
            line.set_class(snap.target is None, "-none")
        day = snap.time.date()
        if snap.events != self.events or day != self._day:
            self.events, self._day = snap.events, day
            self._rebuild(snap.events, snap.time)

    def _rebuild(self, events: tuple[EventView, ...], now: datetime) -> None:
        table = self.table
        keep = self.selected()
        table.clear()
        for view in events:
            style = "" if view.enabled else "dim strike"
            extra = " ".join(x for x in (view.condition, view.repeat) if x)
            table.add_row(
                Text("on", "green") if view.enabled else Text("off", "bold"),
                Text(view.id, style),
                Text(when_text(view.when, now), style),
                Text(view.action, style or "bold"),
                Text(extra, style or "dim"),
                key=view.id,
            )
        table.set_class(not events, "-none")
        self.query_one("#no-events", Static).set_class(bool(events), "-none")
        if events and self.screen.focused is None:
            table.focus()  # arrows move the selection that e, x and space act on
        if keep is not None:
            ids = [v.id for v in events]
            if keep.id in ids:
                table.move_cursor(row=ids.index(keep.id), animate=False)

    def selected(self) -> EventView | None:
        """The event under the table's cursor, or None when the schedule is empty."""
        if not self.events:
            return None
        table = self.table
        row = table.cursor_row
        if row is None or not 0 <= row < len(self.events) or row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        for view in self.events:
            if view.id == key:
                return view
        return None
