"""The immutable picture of the home the engine publishes after every reading (the UI only renders it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from evse_tui.control.modes import Mode
from evse_tui.control.states import ControlState


@dataclass(frozen=True, slots=True)
class Channel:
    """One measured channel for display: name, watts, power factor."""

    name: str
    power_w: float
    pf: float | None = None


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    time: float  # wall-clock epoch seconds
    grid_w: float
    evse_w: float
    home_w: float
    soc: float | None


@dataclass(frozen=True, slots=True)
class EnergyToday:
    """Today's grid energy and its money at the active tariff's rates (pence); resets at local midnight."""

    import_wh: float = 0.0
    export_wh: float = 0.0
    cost_p: float = 0.0
    credit_p: float = 0.0
    evse_charged_wh: float = 0.0
    evse_discharged_wh: float = 0.0

    @property
    def net_p(self) -> float:
        return self.cost_p - self.credit_p


@dataclass(frozen=True, slots=True)
class EventView:
    """A scheduled event as the owner sees it."""

    id: str
    when: datetime | None  # next occurrence (None if it will not fire again)
    action: str  # e.g. "DISCHARGE", "SMART COSY", "FIXED -8 A"
    enabled: bool
    condition: str = ""  # e.g. "if SoC >= 60 until 19:00"
    repeat: str = ""  # e.g. "weekdays"


@dataclass(frozen=True, slots=True)
class TargetView:
    """A "SoC by a time" target and its plan."""

    soc: int
    deadline: datetime
    start: datetime | None
    expected_cost_p: float | None
    status: str  # plain words: "charging 00:30-03:10 (OCTGO off-peak)", "cannot be met: charging now"


@dataclass(frozen=True, slots=True)
class Snapshot:
    time: datetime  # local wall time of the snapshot
    mode: Mode
    mode_text: str  # e.g. "SMART · COSY", "FIXED -10 A"
    tariff: str
    period: str  # tariff period name now
    import_rate_p: float
    export_rate_p: float
    control_state: ControlState
    reason: str  # why, in the owner's words
    min_current: int | None
    max_current: int | None
    # readings
    grid_w: float | None
    evse_w: float | None
    home_w: float | None
    voltage: float | None
    grid_pf: float | None = None
    evse_pf: float | None = None
    aux: tuple[Channel, ...] = ()
    meter_age_s: float | None = None
    meter_stale: bool = False
    meter_error: str | None = None
    # charger
    charger_state: int | None = None
    charger_state_name: str = "UNKNOWN"
    comms_failure: bool = False
    charger_error: str | None = None
    soc: float | None = None
    soc_age_s: float | None = None
    actual_current: int = 0
    target_current: int = 0
    desired_current: int = 0
    next_change_s: float = 0.0
    max_charge_percent: int = 90
    failsafe: str | None = None  # why control is holding the charger at 0 A, if it is
    # money and plans
    today: EnergyToday = field(default_factory=EnergyToday)
    events: tuple[EventView, ...] = ()
    target: TargetView | None = None
    next_event: str | None = None
    # trouble and history
    warnings: tuple[str, ...] = ()  # config warnings, InfluxDB unreachable, ...
    errors: tuple[str, ...] = ()  # recent device errors
    history: tuple[HistoryPoint, ...] = ()  # last readings, oldest first (up to 300)
    log_lines: tuple[str, ...] = ()  # recent INFO+ log lines
