"""`evse-tui plan TARIFF --soc N [--at HH:MM] [--json]`: what a strategy would do, without any hardware.

With `--at`, the decision at that local time; without, the day in 48 half hours at that SoC.
`plan_at` and `plan_day` are pure; `run` is the command-line edge (it alone reads today's date).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from evse_tui.config.errors import ConfigError
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision, StrategyContext, Tariff
from evse_tui.tariffs.period_tariff import percent
from evse_tui.tariffs.periods import parse_clock_time
from evse_tui.tariffs.registry import UnknownTariffError, tariff_from_config, tariff_names

PROG = "evse-tui plan"
HALF_HOURS = 48


@dataclass(frozen=True, slots=True)
class PlanRow:
    """The strategy's answer at one local time, with the period and rates it was made in."""

    time: str  # HH:MM on the wall clock
    period: str
    import_p: float
    export_p: float
    decision: Decision
    demand_from_w: float  # home demand the car starts to cover (or surplus it starts to soak up)

    def as_json(self, tariff: str, soc: float) -> dict[str, Any]:
        return {
            "tariff": tariff,
            "time": self.time,
            "soc": soc,
            "period": self.period,
            "import_p": self.import_p,
            "export_p": self.export_p,
            "state": self.decision.state.value,
            "min_current": self.decision.min_current,
            "max_current": self.decision.max_current,
            "reason": self.decision.reason,
            "demand_from_w": self.demand_from_w,
        }


def plan_at(tariff: Tariff, soc: float, local: datetime, ctx: StrategyContext) -> PlanRow:
    rates = tariff.rates_at(local)
    levels = tariff.demand_levels(soc, local)
    demand_from = next((band.low_w for band in levels if band.amps > 0), levels[-1].low_w)
    return PlanRow(
        time=f"{local.hour:02d}:{local.minute:02d}",
        period=tariff.period_name(local),
        import_p=rates.import_p,
        export_p=rates.export_p,
        decision=tariff.decide(soc, local, ctx),
        demand_from_w=demand_from,
    )


def plan_day(tariff: Tariff, soc: float, day: date, ctx: StrategyContext, tz: ZoneInfo) -> tuple[PlanRow, ...]:
    """The 48 half hours of the wall-clock day 00:00..23:30 (on a DST day one or two are not real times)."""
    return tuple(
        plan_at(tariff, soc, datetime.combine(day, time(i // 2, 30 * (i % 2)), tzinfo=tz), ctx)
        for i in range(HALF_HOURS)
    )


def current_text(decision: Decision, ctx: StrategyContext) -> str:
    """The current range in words: "0 A", "2-16 A", "32 A (max)" or "up to 32 A"."""
    state = decision.state
    if state is ControlState.DORMANT:
        return "0 A"
    if state in (ControlState.CHARGE, ControlState.LOAD_FOLLOW_CHARGE):
        configured = ctx.max_charge_current
    elif state in (ControlState.DISCHARGE, ControlState.LOAD_FOLLOW_DISCHARGE):
        configured = ctx.max_discharge_current
    else:
        configured = max(ctx.max_charge_current, ctx.max_discharge_current)
    high = configured if decision.max_current is None else min(decision.max_current, configured)
    if decision.min_current is not None:
        return f"{decision.min_current}-{high} A"
    if state in (ControlState.CHARGE, ControlState.DISCHARGE):
        return f"{high} A (max)"
    return f"up to {high} A"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tariff", help=f"tariff name: {', '.join(tariff_names())} (GO is OCTGO)")
    parser.add_argument("--soc", metavar="N", help="the car's state of charge in %% (0..100); required")
    parser.add_argument("--at", metavar="HH:MM", help="only the decision at this local time")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


class PlanArgumentError(ValueError):
    pass


def parse_soc(text: str | None) -> float:
    allowed = "give the car's state of charge in % as a number from 0 to 100, e.g. --soc 60"
    if text is None:
        raise PlanArgumentError(f"--soc is required; {allowed}")
    try:
        soc = float(text)
    except ValueError:
        raise PlanArgumentError(f"--soc {text!r} is not a number; {allowed}") from None
    if not math.isfinite(soc) or not 0 <= soc <= 100:
        raise PlanArgumentError(f"--soc {text} is outside 0..100; {allowed}")
    return soc


def parse_at(text: str) -> time:
    try:
        minute = parse_clock_time(text)
    except ValueError:
        raise PlanArgumentError(f"--at {text!r} is not a time of day; write HH:MM from 00:00 to 23:59") from None
    return time(minute // 60, minute % 60)


def run(
    args: argparse.Namespace,
    tariff_settings: Mapping[str, Any] | None,
    ctx: StrategyContext,
    tz: ZoneInfo,
    today: date | None = None,
) -> int:
    """Print the plan; 0 on success, 2 (with a message on stderr) for bad arguments or settings."""
    try:
        soc = parse_soc(args.soc)
        at = parse_at(args.at) if args.at is not None else None
        tariff = tariff_from_config(args.tariff, tariff_settings)
    except (PlanArgumentError, UnknownTariffError, ConfigError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    day = today if today is not None else datetime.now(tz).date()
    soc_out: float | int = int(soc) if soc.is_integer() else soc
    if at is not None:
        row = plan_at(tariff, soc, datetime.combine(day, at, tzinfo=tz), ctx)
        if args.json:
            print(json.dumps(row.as_json(tariff.name, soc_out), indent=2))
        else:
            print(_decision_text(tariff, soc, row, ctx))
        return 0
    rows = plan_day(tariff, soc, day, ctx, tz)
    if args.json:
        print(json.dumps([row.as_json(tariff.name, soc_out) for row in rows], indent=2))
    else:
        print(_day_text(tariff, soc, rows, ctx, day, tz))
    return 0


def _decision_text(tariff: Tariff, soc: float, row: PlanRow, ctx: StrategyContext) -> str:
    return "\n".join(
        (
            f"{tariff.name} at {row.time}, SoC {percent(soc)}",
            f"period:  {row.period} (import {row.import_p:g}p, export {row.export_p:g}p per kWh)",
            f"state:   {row.decision.state.value}",
            f"current: {current_text(row.decision, ctx)}",
            f"reason:  {row.decision.reason}",
        )
    )


def _day_text(
    tariff: Tariff, soc: float, rows: tuple[PlanRow, ...], ctx: StrategyContext, day: date, tz: ZoneInfo
) -> str:
    header = f"{'time':<5}  {'period':<8}  {'import':>6}  {'export':>6}  {'state':<25}  {'current':<11}  reason"
    lines = [f"{tariff.name} at SoC {percent(soc)}, {day.isoformat()} ({tz.key} wall clock)", header]
    for row in rows:
        lines.append(
            f"{row.time:<5}  {row.period:<8}  {row.import_p:>5.1f}p  {row.export_p:>5.1f}p  "
            f"{row.decision.state.value:<25}  {current_text(row.decision, ctx):<11}  {row.decision.reason}"
        )
    return "\n".join(lines)
