"""Cosy Octopus: three cheap windows a day and a late-afternoon peak.

Charge in every cheap window (only up to the solar cap in the midday one, leaving room for the sun),
and otherwise cover the home from the car, most eagerly during the peak.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evse_tui.control.demand import DemandLevels, cover_everything_levels, default_levels
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision, StrategyContext
from evse_tui.tariffs.period_tariff import PeriodTariff, build_table, charge_to_cap, flat_export_rates, keep_reserve
from evse_tui.tariffs.periods import OFF_PEAK, PEAK, ClockRange, PeriodTable
from evse_tui.tariffs.settings import Kind, Setting, TariffSpec

NAME = "COSY"
RESERVE_SOC = 25
COVER_FROM_SOC = 50
COVER_FROM_W = 410
PEAK_COVER_FROM_W = 192

_DEFAULT_LEVELS = default_levels()
_COVER_LEVELS = cover_everything_levels(COVER_FROM_W)
_PEAK_LEVELS = cover_everything_levels(PEAK_COVER_FROM_W)

SETTINGS = {
    "off_peak": Setting(Kind.TIMES, ("04:00-07:00", "13:00-16:00", "22:00-24:00"), "cheap windows"),
    "peak": Setting(Kind.TIMES, "16:00-19:00", "peak window(s)", may_be_empty=True),
    "solar_period": Setting(
        Kind.TIMES, "13:00-16:00", "cheap time charged only to solar_period_max_charge", may_be_empty=True
    ),
    "off_peak_import": Setting(Kind.RATE, 12.9, "import p/kWh in the cheap windows"),
    "peak_import": Setting(Kind.RATE, 39.3, "import p/kWh in the peak"),
    "standard_import": Setting(Kind.RATE, 26.2, "import p/kWh otherwise"),
    "export": Setting(Kind.RATE, 15.0, "export p/kWh"),
}


class CosyOctopus(PeriodTariff):
    name = NAME

    def __init__(self, table: PeriodTable, solar_period: tuple[ClockRange, ...]) -> None:
        super().__init__(table)
        self.solar_period = solar_period

    def decide(self, soc: float, local: datetime, ctx: StrategyContext) -> Decision:
        minute = self.minute(local)
        period = self.table.name_at(minute)
        if period == OFF_PEAK:
            if any(r.contains(minute) for r in self.solar_period):
                return charge_to_cap(NAME, soc, ctx.solar_period_max_charge, "off-peak (solar period)")
            return charge_to_cap(NAME, soc, ctx.max_charge_percent, "off-peak")
        if soc <= RESERVE_SOC:
            return keep_reserve(NAME, soc, RESERVE_SOC)
        return Decision(ControlState.LOAD_FOLLOW_DISCHARGE, None, None, f"{NAME} {period}: power the home from the car")

    def demand_levels(self, soc: float | None, local: datetime) -> DemandLevels:
        if self.table.name_at(self.minute(local)) == PEAK:
            return _PEAK_LEVELS
        if soc is not None and soc >= COVER_FROM_SOC:
            return _COVER_LEVELS
        return _DEFAULT_LEVELS


def build(values: Mapping[str, Any]) -> CosyOctopus:
    table = build_table(NAME, values["off_peak"], values["peak"], flat_export_rates(values, with_peak=True))
    return CosyOctopus(table, values["solar_period"])


SPEC = TariffSpec(NAME, "Cosy Octopus", (), SETTINGS, build)
