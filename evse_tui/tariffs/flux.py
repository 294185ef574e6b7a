"""Octopus Flux: cheap at night, a peak that pays well for export, standard rates otherwise.

Charge in the night window, sell hard in the peak (less hard as the peak goes on and the SoC falls),
and in standard time soak up solar surplus, covering the home too once the car is nearly full.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evse_tui.control.demand import DemandLevels, cover_everything_levels, default_levels
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision, Rates, StrategyContext
from evse_tui.tariffs.period_tariff import PeriodTariff, build_table, charge_to_cap, keep_reserve, percent
from evse_tui.tariffs.periods import OFF_PEAK, PEAK, STANDARD
from evse_tui.tariffs.settings import Kind, Setting, TariffSpec

NAME = "FLUX"
RESERVE_SOC = 31  # standard time: at or below, keep the charge; peak: below, only cover the home
PEAK_THRESHOLD_START = 51  # peak threshold at the start of the peak ...
PEAK_THRESHOLD_DROP = 20  # ... falling by this much over the whole peak
FOLLOW_MIN, FOLLOW_MAX = 2, 16
PEAK_DISCHARGE_MIN, PEAK_DISCHARGE_MAX = 10, 16
SOLAR_MIN, SOLAR_MAX = 6, 16
BIDIRECTIONAL_FROM_SOC = 80
COVER_FROM_SOC = 50
COVER_FROM_W = 480

_DEFAULT_LEVELS = default_levels()
_COVER_LEVELS = cover_everything_levels(COVER_FROM_W)

SETTINGS = {
    "off_peak": Setting(Kind.TIMES, "02:00-05:00", "cheap window(s)"),
    "peak": Setting(Kind.TIMES, "16:00-19:00", "peak window(s)", may_be_empty=True),
    "off_peak_import": Setting(Kind.RATE, 14.9, "import p/kWh in the cheap window"),
    "off_peak_export": Setting(Kind.RATE, 4.7, "export p/kWh in the cheap window"),
    "peak_import": Setting(Kind.RATE, 34.8, "import p/kWh in the peak"),
    "peak_export": Setting(Kind.RATE, 26.4, "export p/kWh in the peak"),
    "standard_import": Setting(Kind.RATE, 24.9, "import p/kWh otherwise"),
    "standard_export": Setting(Kind.RATE, 13.3, "export p/kWh otherwise"),
}


class OctopusFlux(PeriodTariff):
    name = NAME

    def peak_threshold(self, minute: int) -> int:
        """T = 51 - floor(minutes since the peak started x 20 / the peak's length), 51 down to 32."""
        peak = self.table.range_at(minute)
        if peak is None:
            raise ValueError(f"minute {minute} is not in a {NAME} peak")
        since = peak.minutes_since_start(minute)
        return PEAK_THRESHOLD_START - since * PEAK_THRESHOLD_DROP // peak.length

    def decide(self, soc: float, local: datetime, ctx: StrategyContext) -> Decision:
        minute = self.minute(local)
        period = self.table.name_at(minute)
        if period == OFF_PEAK:
            return charge_to_cap(NAME, soc, ctx.max_charge_percent, "off-peak")
        if period == PEAK:
            return self._decide_peak(soc, minute)
        if soc <= RESERVE_SOC:
            return keep_reserve(NAME, soc, RESERVE_SOC)
        if soc >= BIDIRECTIONAL_FROM_SOC:
            return Decision(
                ControlState.LOAD_FOLLOW_BIDIRECTIONAL,
                SOLAR_MIN,
                SOLAR_MAX,
                f"{NAME} standard: SoC {percent(soc)}, soak up surplus and cover the home ({SOLAR_MIN}-{SOLAR_MAX} A)",
            )
        return Decision(
            ControlState.LOAD_FOLLOW_CHARGE,
            SOLAR_MIN,
            SOLAR_MAX,
            f"{NAME} standard: charge from surplus only ({SOLAR_MIN}-{SOLAR_MAX} A)",
        )

    def _decide_peak(self, soc: float, minute: int) -> Decision:
        if soc < RESERVE_SOC:
            return Decision(
                ControlState.LOAD_FOLLOW_DISCHARGE,
                FOLLOW_MIN,
                FOLLOW_MAX,
                f"{NAME} peak: SoC {percent(soc)} below {RESERVE_SOC}%, only power the home ({FOLLOW_MIN}-{FOLLOW_MAX} A)",
            )
        threshold = self.peak_threshold(minute)
        if soc < threshold:
            return Decision(
                ControlState.DISCHARGE,
                PEAK_DISCHARGE_MIN,
                PEAK_DISCHARGE_MAX,
                f"{NAME} peak: SoC {percent(soc)} below {threshold}%, discharge "
                f"{PEAK_DISCHARGE_MIN}-{PEAK_DISCHARGE_MAX} A",
            )
        return Decision(
            ControlState.DISCHARGE, None, None, f"{NAME} peak: SoC {percent(soc)} at or above {threshold}%, discharge at max"
        )

    def demand_levels(self, soc: float | None, local: datetime) -> DemandLevels:
        if soc is not None and soc >= COVER_FROM_SOC:
            return _COVER_LEVELS
        return _DEFAULT_LEVELS


def build(values: Mapping[str, Any]) -> OctopusFlux:
    rates = {
        OFF_PEAK: Rates(values["off_peak_import"], values["off_peak_export"]),
        PEAK: Rates(values["peak_import"], values["peak_export"]),
        STANDARD: Rates(values["standard_import"], values["standard_export"]),
    }
    return OctopusFlux(build_table(NAME, values["off_peak"], values["peak"], rates))


SPEC = TariffSpec(NAME, "Octopus Flux", (), SETTINGS, build)
