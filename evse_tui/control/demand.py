"""Demand levels: bands of home demand (W) mapped to a current (A), with hysteresis.

The home's demand H = grid - EVSE. H > 0 (the house imports) asks for a discharge of the band's
amps; H < 0 (surplus, e.g. solar) asks for a charge.
"""

from __future__ import annotations

from dataclasses import dataclass

VOLTS_PER_STEP = 240  # 1 A per 240 W
MAX_BAND_W = 99999.0


@dataclass(frozen=True, slots=True)
class DemandBand:
    low_w: float
    high_w: float
    amps: int

    def contains(self, watts: float) -> bool:
        return self.low_w <= watts < self.high_w


DemandLevels = tuple[DemandBand, ...]


def default_levels() -> DemandLevels:
    """Leave the first 720 W to the grid, then 1 A per 240 W up to 32 A."""
    bands = [DemandBand(0, 720, 0)]
    bands += [DemandBand(240 * a, 240 * a + 240, a) for a in range(3, 32)]
    bands.append(DemandBand(7680, MAX_BAND_W, 32))
    return tuple(bands)


def cover_everything_levels(start_w: float) -> DemandLevels:
    """Cover the house from `start_w` W: 3 A from there to 720 W, then the 240 W steps, 32 A from 7440 W."""
    if not 0 < start_w < 720:
        raise ValueError(f"cover-everything start {start_w} W must be in 0..720")
    bands = [DemandBand(0, start_w, 0), DemandBand(start_w, 720, 3)]
    bands += [DemandBand(240 * (a - 1), 240 * a, a) for a in range(4, 32)]
    bands.append(DemandBand(7440, MAX_BAND_W, 32))
    return tuple(bands)


DEFAULT_LEVELS = default_levels()


@dataclass(frozen=True, slots=True)
class DemandChoice:
    """The band that produced the last desire and its sign (+1 charge, -1 discharge)."""

    band: DemandBand
    sign: int

    @property
    def amps(self) -> int:
        return self.sign * self.band.amps


def choose_band(
    levels: DemandLevels,
    home_w: float,
    previous: DemandChoice | None = None,
    hysteresis_w: float = 50.0,
) -> DemandChoice:
    """The band for |home_w|; keeps `previous` while the reading is within `hysteresis_w` of it."""
    sign = -1 if home_w > 0 else 1
    watts = abs(home_w)
    if previous is not None and previous.band in levels and (previous.sign == sign or previous.band.amps == 0):
        band = previous.band
        if band.low_w - hysteresis_w < watts < band.high_w + hysteresis_w:
            return DemandChoice(band, sign)
    for band in levels:
        if band.contains(watts):
            return DemandChoice(band, sign)
    return DemandChoice(levels[-1], sign)
