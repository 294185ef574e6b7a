"""Octopus Go: one cheap night window; charge then, power the home by day, sell the surplus in the evening.

In the evening window (19:00 until off-peak starts) the car discharges at the maximum while its SoC is
above a threshold that falls from about 93% at 19:00 to 55% when the cheap window opens, because
whatever it sells now it can buy back cheaply in a few hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evse_tui.config.errors import ConfigError
from evse_tui.control.demand import DemandLevels, cover_everything_levels, default_levels
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision, StrategyContext
from evse_tui.tariffs.period_tariff import (
    PeriodTariff,
    build_table,
    charge_to_cap,
    flat_export_rates,
    keep_reserve,
    percent,
)
from evse_tui.tariffs.periods import OFF_PEAK, PeriodTable, format_minute, minutes_until_next_start
from evse_tui.tariffs.settings import Kind, Setting, TariffSpec

NAME = "OCTGO"
RESERVE_SOC = 25  # at or below: keep the charge for driving
THRESHOLD_BASE = 55  # evening threshold when the cheap window opens
THRESHOLD_PER_HOUR = 7  # ... plus this much per hour still to wait
FOLLOW_MIN, FOLLOW_MAX = 2, 16
COVER_FROM_SOC = 50
COVER_FROM_W = 410

_DEFAULT_LEVELS = default_levels()
_COVER_LEVELS = cover_everything_levels(COVER_FROM_W)

SETTINGS = {
    "off_peak": Setting(Kind.TIMES, "00:30-05:30", "cheap window(s)"),
    "evening_from": Setting(Kind.TIME, "19:00", "start of the evening discharge window"),
    "off_peak_import": Setting(Kind.RATE, 8.5, "import p/kWh in the cheap window"),
    "standard_import": Setting(Kind.RATE, 26.0, "import p/kWh otherwise"),
    "export": Setting(Kind.RATE, 15.0, "export p/kWh"),
}


class OctopusGo(PeriodTariff):
    name = NAME

    def __init__(self, table: PeriodTable, evening_from: int) -> None:
        super().__init__(table)
        self.evening_from = evening_from
        # The evening window runs from `evening_from` to the next off-peak start.
        self._evening_length = minutes_until_next_start(table.off_peak, evening_from) or 0

    def minutes_until_off_peak(self, minute: int) -> int | None:
        """Minutes left in the evening window before the cheap window opens, or None outside it."""
        into = (minute - self.evening_from) % 1440
        if into >= self._evening_length:
            return None
        return self._evening_length - into

    def evening_threshold(self, minutes_until_off_peak: int) -> float:
        return THRESHOLD_BASE + THRESHOLD_PER_HOUR * minutes_until_off_peak / 60

    def decide(self, soc: float, local: datetime, ctx: StrategyContext) -> Decision:
        minute = self.minute(local)
        if self.table.name_at(minute) == OFF_PEAK:
            return charge_to_cap(NAME, soc, ctx.max_charge_percent, "off-peak")
        if soc <= RESERVE_SOC:
            return keep_reserve(NAME, soc, RESERVE_SOC)
        wait = self.minutes_until_off_peak(minute)
        if wait is None:
            return Decision(
                ControlState.LOAD_FOLLOW_DISCHARGE,
                FOLLOW_MIN,
                FOLLOW_MAX,
                f"{NAME} day: power the home from the car ({FOLLOW_MIN}-{FOLLOW_MAX} A)",
            )
        threshold = self.evening_threshold(wait)
        if soc > threshold:
            return Decision(
                ControlState.DISCHARGE,
                None,
                None,
                f"{NAME} evening: SoC {percent(soc)} above {percent(threshold)}, discharge at max",
            )
        return Decision(
            ControlState.LOAD_FOLLOW_DISCHARGE,
            FOLLOW_MIN,
            FOLLOW_MAX,
            f"{NAME} evening: SoC {percent(soc)} not above {percent(threshold)}, power the home "
            f"({FOLLOW_MIN}-{FOLLOW_MAX} A)",
        )

    def demand_levels(self, soc: float | None, local: datetime) -> DemandLevels:
        if soc is not None and soc >= COVER_FROM_SOC:
            return _COVER_LEVELS
        return _DEFAULT_LEVELS


def build(values: Mapping[str, Any]) -> OctopusGo:
    off_peak = values["off_peak"]
    evening_from = values["evening_from"]
    if any(r.contains(evening_from) for r in off_peak):
        raise ConfigError(
            f"tariffs.{NAME}.evening_from",
            format_minute(evening_from),
            f"must be outside the off_peak times {', '.join(str(r) for r in off_peak)}",
        )
    table = build_table(NAME, off_peak, (), flat_export_rates(values, with_peak=False))
    return OctopusGo(table, evening_from)


SPEC = TariffSpec(NAME, "Octopus Go", ("GO",), SETTINGS, build)
