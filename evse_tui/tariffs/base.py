"""The interface every tariff strategy implements, and the values it returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from evse_tui.control.demand import DemandLevels
from evse_tui.control.states import ControlState


@dataclass(frozen=True, slots=True)
class Decision:
    """What a strategy (or a mode) allows: a control state, an optional current range, and why."""

    state: ControlState
    min_current: int | None = None
    max_current: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Rates:
    """Pence per kWh."""

    import_p: float
    export_p: float


@dataclass(frozen=True, slots=True)
class StrategyContext:
    """Owner settings a strategy needs besides SoC and time."""

    max_charge_current: int = 32
    max_discharge_current: int = 32
    max_charge_percent: int = 90
    solar_period_max_charge: int = 80


def minute_of_day(local: datetime) -> int:
    """Minute of the local day (0..1439) on the wall clock, so DST days follow the clock on the wall."""
    return local.hour * 60 + local.minute


class Tariff(ABC):
    """A time-of-use tariff and the strategy that makes the most of it."""

    name: str = ""

    @abstractmethod
    def decide(self, soc: float, local: datetime, ctx: StrategyContext) -> Decision:
        """The decision for a known SoC at a local time."""

    @abstractmethod
    def demand_levels(self, soc: float | None, local: datetime) -> DemandLevels: ...

    @abstractmethod
    def rates_at(self, local: datetime) -> Rates: ...

    @abstractmethod
    def period_name(self, local: datetime) -> str:
        """A short name of the period at `local`, e.g. "off-peak", "peak", "standard"."""

    @abstractmethod
    def is_off_peak(self, local: datetime) -> bool: ...

    @abstractmethod
    def is_peak(self, local: datetime) -> bool: ...

    def cost(self, import_wh: float, export_wh: float, local: datetime) -> tuple[float, float]:
        """(import cost, export credit) in pence of a flow at `local`."""
        rates = self.rates_at(local)
        return import_wh / 1000 * rates.import_p, export_wh / 1000 * rates.export_p
