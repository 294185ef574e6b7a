"""The car's battery behind the charger: capacity, state of charge and one-way conversion losses."""

from __future__ import annotations

from dataclasses import dataclass

FULL_SOC = 97.0  # the charger stops charging here by itself
EMPTY_SOC = 5.0  # and stops discharging here


@dataclass(slots=True)
class Battery:
    """Mutable battery state. AC energy into the charger is stored times `efficiency`; AC energy out of the
    charger costs the battery that energy divided by `efficiency` (so a round trip keeps about 81 %)."""

    capacity_kwh: float = 40.0
    soc: float = 55.0
    efficiency: float = 0.9
    full_soc: float = FULL_SOC
    empty_soc: float = EMPTY_SOC

    def __post_init__(self) -> None:
        if self.capacity_kwh <= 0:
            raise ValueError("battery capacity must be positive")
        if not 0 < self.efficiency <= 1:
            raise ValueError("efficiency must be in (0, 1]")
        if not 0 <= self.soc <= 100:
            raise ValueError("SoC must be in 0..100 %")

    @property
    def stored_wh(self) -> float:
        return self.capacity_kwh * 10.0 * self.soc  # capacity Wh x soc / 100

    def stored_change_wh(self, ac_wh: float) -> float:
        """How much the stored energy changes when `ac_wh` flows at the AC side (+ into the car)."""
        return ac_wh * self.efficiency if ac_wh >= 0 else ac_wh / self.efficiency

    def ac_room_wh(self, charging: bool) -> float:
        """AC energy that would take the battery to its limit in that direction (0 when already there)."""
        if charging:
            return max(0.0, (self.full_soc - self.soc) * self.capacity_kwh * 10.0 / self.efficiency)
        return max(0.0, (self.soc - self.empty_soc) * self.capacity_kwh * 10.0 * self.efficiency)

    def apply_ac(self, ac_wh: float) -> None:
        """Move `ac_wh` of AC energy (+ into the car) through the charger into or out of the battery."""
        self.soc += self.stored_change_wh(ac_wh) / (self.capacity_kwh * 10.0)
        self.soc = min(100.0, max(0.0, self.soc))

    def blocks(self, amps: float) -> bool:
        """True when the car would refuse current in this direction (full for charging, empty for discharging)."""
        return (amps > 0 and self.soc >= self.full_soc - 1e-9) or (amps < 0 and self.soc <= self.empty_soc + 1e-9)
