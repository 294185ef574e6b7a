"""The part every Octopus-style strategy shares: periods and rates from a PeriodTable, on the wall clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evse_tui.config.errors import ConfigError
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision, Rates, Tariff, minute_of_day
from evse_tui.tariffs.periods import (
    OFF_PEAK,
    PEAK,
    STANDARD,
    ClockRange,
    PeriodSpan,
    PeriodTable,
    first_overlap,
    format_minute,
)


class PeriodTariff(Tariff):
    """A tariff whose rates depend only on the minute of the local day."""

    def __init__(self, table: PeriodTable) -> None:
        self.table = table

    def minute(self, local: datetime) -> int:
        return minute_of_day(local)

    def rates_at(self, local: datetime) -> Rates:
        return self.table.rates_at(minute_of_day(local))

    def period_name(self, local: datetime) -> str:
        return self.table.name_at(minute_of_day(local))

    def is_off_peak(self, local: datetime) -> bool:
        return self.period_name(local) == OFF_PEAK

    def is_peak(self, local: datetime) -> bool:
        return self.period_name(local) == PEAK

    def periods(self) -> tuple[PeriodSpan, ...]:
        """The day's periods with their import and export rates, 00:00 to 24:00."""
        return self.table.spans()


def build_table(
    tariff: str,
    off_peak: tuple[ClockRange, ...],
    peak: tuple[ClockRange, ...],
    rates: Mapping[str, Rates],
) -> PeriodTable:
    """A PeriodTable from checked settings; overlapping peak and off-peak times are a config error."""
    clash = first_overlap(off_peak, peak)
    if clash is not None:
        raise ConfigError(
            f"tariffs.{tariff}.peak",
            [str(r) for r in peak],
            f"must not overlap the off_peak times {', '.join(str(r) for r in off_peak)} "
            f"(both cover {format_minute(clash)})",
        )
    return PeriodTable(off_peak, peak, rates)


def flat_export_rates(values: Mapping[str, Any], *, with_peak: bool) -> dict[str, Rates]:
    """Rates for tariffs with one export rate (`export`) and per-period import rates."""
    export = values["export"]
    peak_import = values["peak_import"] if with_peak else values["standard_import"]
    return {
        OFF_PEAK: Rates(values["off_peak_import"], export),
        PEAK: Rates(peak_import, export),
        STANDARD: Rates(values["standard_import"], export),
    }


def percent(value: float) -> str:
    """A SoC or threshold for a reason line: "90%" or "75.2%"."""
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def charge_to_cap(tariff: str, soc: float, cap: float, period: str) -> Decision:
    """Off-peak: CHARGE at the configured max until the SoC reaches `cap`, then DORMANT."""
    if soc < cap:
        return Decision(ControlState.CHARGE, None, None, f"{tariff} {period}: charge to {percent(cap)}")
    return Decision(ControlState.DORMANT, None, None, f"{tariff} {period}: at {percent(soc)}, charged to the {percent(cap)} cap")


def keep_reserve(tariff: str, soc: float, reserve: float) -> Decision:
    """Below the reserve the car keeps its charge for driving."""
    return Decision(
        ControlState.DORMANT, None, None, f"{tariff}: SoC {percent(soc)} at or below {percent(reserve)}, keep it for driving"
    )
