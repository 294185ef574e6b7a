"""Builders for the UI tests: a fixed snapshot that never depends on wall time, and engines on the
in-process simulated home or on scripted devices, with a manual clock.

Imported by the other test_ui*.py modules; it holds no tests of its own.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

from evse_tui.clock import LONDON, ManualClock
from evse_tui.config.schema import Config
from evse_tui.control.modes import Mode
from evse_tui.control.states import ChargerState, ControlState
from evse_tui.engine.engine import Engine
from evse_tui.engine.snapshot import Channel, EnergyToday, EventView, HistoryPoint, Snapshot, TargetView

FIXED_TIME = datetime(2026, 1, 14, 17, 5, 30, tzinfo=LONDON)

LOG_LINES = (
    "17:00:00 INFO mode SMART · COSY (by owner)",
    "17:00:00 INFO CONTROL SMART · COSY LOAD_FOLLOW_DISCHARGE 3..32 A: COSY peak: cover the house",
    "17:00:02 INFO ADJUST 0A -> -8A (LOAD_FOLLOW_DISCHARGE, desired -8A, next change in 21.9 s)",
    "17:00:24 INFO ADJUST -8A -> -10A (LOAD_FOLLOW_DISCHARGE, desired -10A, next change in 7.9 s)",
    "17:02:11 WARNING ADJUST failed: -10 A -> -11 A: timeout (retry in 5 s)",
    "17:02:16 INFO ADJUST -10A -> -11A (LOAD_FOLLOW_DISCHARGE, desired -11A, next change in 5.9 s)",
    "17:04:50 INFO CHANGE_SoC 63% -> 62% energy=-402Wh (402 Wh per 1%)",
    "17:05:23 INFO ADJUST -11A -> -10A (LOAD_FOLLOW_DISCHARGE, desired -10A, next change in 5.9 s)",
)


def fixed_history(end: datetime = FIXED_TIME, count: int = 300) -> tuple[HistoryPoint, ...]:
    """Five minutes of made-up readings: a house with a kettle, the car covering most of it."""
    points = []
    for i in range(count):
        t = end.timestamp() - (count - 1 - i)
        home = 2200 + 600 * math.sin(i / 23) + (1800 if 120 <= i < 170 else 0)
        evse = -min(2640.0, max(0.0, home - 150))
        points.append(HistoryPoint(t, home + evse, evse, home, 62.0))
    return tuple(points)


def fixed_snapshot(**changes) -> Snapshot:
    """The main screen's picture for snapshot tests: COSY peak, the car powering the house."""
    values = dict(
        time=FIXED_TIME,
        mode=Mode.SMART,
        mode_text="SMART · COSY",
        tariff="COSY",
        period="peak",
        import_rate_p=39.3,
        export_rate_p=15.0,
        control_state=ControlState.LOAD_FOLLOW_DISCHARGE,
        reason="COSY peak: power the house from the car (SoC 62% > 25%)",
        min_current=3,
        max_current=32,
        grid_w=132.0,
        evse_w=-2412.0,
        home_w=2544.0,
        voltage=241.3,
        grid_pf=0.97,
        evse_pf=0.99,
        aux=(Channel("heatpump", 812.0, 0.91), Channel("solar", 0.0, None)),
        meter_age_s=0.4,
        meter_stale=False,
        charger_state=ChargerState.DISCHARGING,
        charger_state_name="DISCHARGING",
        soc=62.0,
        soc_age_s=3.0,
        actual_current=-10,
        target_current=-10,
        desired_current=-10,
        next_change_s=4.6,
        max_charge_percent=90,
        today=EnergyToday(
            import_wh=8214.0, export_wh=1130.0, cost_p=131.7, credit_p=16.95, evse_charged_wh=11800.0, evse_discharged_wh=4100.0
        ),
        events=(
            EventView("e1", FIXED_TIME.replace(hour=22, minute=0, second=0), "SMART COSY", True, "", "daily"),
            EventView("e2", (FIXED_TIME + timedelta(days=1)).replace(hour=16, minute=0, second=0), "DISCHARGE", True,
                      "if SoC >= 60 until 19:00", "weekdays"),
            EventView("e3", (FIXED_TIME + timedelta(days=2)).replace(hour=9, minute=30, second=0), "FIXED +10 A", False, "", ""),
        ),
        target=TargetView(
            80, (FIXED_TIME + timedelta(days=1)).replace(hour=7, minute=0, second=0),
            FIXED_TIME.replace(hour=22, minute=0, second=0), 98.0, "charging 22:00-23:40 (COSY off-peak)",
        ),
        next_event="e1 SMART COSY at 22:00",
        history=fixed_history(),
        log_lines=LOG_LINES,
    )
    values.update(changes)
    return Snapshot(**values)


def sim_engine(clock: ManualClock | None = None, *, scheduler_dir: Path | None = None, soc: float = 55.0) -> Engine:
    """The real engine on the in-process simulated home, stepped by hand (no thread) unless a test runs it."""
    from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home

    clock = clock or ManualClock(datetime(2026, 1, 14, 12, 0, 0, tzinfo=LONDON))
    home = build_demo_home(clock, soc=soc)
    scheduler = None
    if scheduler_dir is not None:
        from evse_tui.scheduler.service import Scheduler

        scheduler = Scheduler(scheduler_dir / "schedule.json", LONDON, now=clock.now())
    return Engine(Config(), SimCharger(home), SimPowerMonitor(home), clock, None, scheduler=scheduler)


def screen_text(app) -> str:
    """What the terminal shows now, as plain text (the same render as the app's SVG screenshot)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)
