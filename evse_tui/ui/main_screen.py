"""The one screen the owner leaves open: header, trouble banner, power, battery, today, schedule, log, keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from evse_tui.engine.snapshot import EventView, Snapshot
from evse_tui.ui.keys import KEYS
from evse_tui.ui.trouble import Trouble
from evse_tui.ui.widgets import (
    BatteryPanel,
    HeaderBar,
    KeyBar,
    LogPanel,
    PowerChart,
    PowerPanel,
    SchedulePanel,
    TodayPanel,
    TroubleBanner,
)


class MainScreen(Screen):
    """Keys live here, not on the app, so that typing into a form can never change the mode."""

    BINDINGS = [Binding(k.key, f"app.{k.action}", k.label, show=False) for k in KEYS]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield TroubleBanner(id="banner")
        with Horizontal(id="top"):
            with Vertical(id="power", classes="panel") as power:
                power.border_title = "Power"
                yield PowerPanel(id="power-now")
                yield PowerChart(id="power-chart")
            battery = BatteryPanel(id="battery", classes="panel")
            battery.border_title = "Car"
            yield battery
        with Horizontal(id="middle"):
            today = TodayPanel(id="today", classes="panel")
            today.border_title = "Today"
            yield today
            schedule = SchedulePanel(id="schedule")
            schedule.add_class("panel")
            schedule.border_title = "Schedule"
            yield schedule
        log_panel = LogPanel(id="log")
        log_panel.add_class("panel")
        log_panel.border_title = "Log"
        yield log_panel
        yield KeyBar(id="keys")

    def __init__(self) -> None:
        super().__init__()
        self._ready = False
        self._pending: tuple | None = None
        self._pending_lines: list[str] = []

    def on_mount(self) -> None:
        self._ready = True
        self.query_one(SchedulePanel).table.focus()
        for line in self._pending_lines:
            self.query_one(LogPanel).add_local(line)
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, snap: Snapshot, troubles: list[Trouble], quiet_s: float = 0.0, note: str = "") -> None:
        """Hand each panel its part; before the screen is mounted, keep the newest for on_mount."""
        if not self._ready:
            self._pending = (snap, troubles, quiet_s, note)
            return
        self.query_one(HeaderBar).show(snap, quiet_s, note)
        self.query_one(TroubleBanner).show(troubles)
        self.query_one(PowerPanel).show(snap)
        self.query_one(PowerChart).show(snap)
        self.query_one(BatteryPanel).show(snap)
        self.query_one(TodayPanel).show(snap)
        self.query_one(SchedulePanel).show(snap)
        self.query_one(LogPanel).show(snap)

    def selected_event(self) -> EventView | None:
        if not self._ready:
            return None
        return self.query_one(SchedulePanel).selected()

    def add_log_line(self, line: str) -> None:
        if self._ready:
            self.query_one(LogPanel).add_local(line)
        else:
            self._pending_lines.append(line)
