"""Rooftop solar in the UK: a bell-shaped clear-day curve and a cloudy day with fast, repeatable changes.

Sunrise and sunset follow the day of the year for about 52 degrees north (about 16.3 hours of daylight at
midsummer, 7.7 at midwinter), centred on solar noon (12:06 GMT, 13:06 BST). The clear-day peak is 82 % of
the array's rating in June and 28 % in December, so a 4 kWp array makes about 25 kWh on a clear June day and
about 4 kWh on a clear December day. A cloudy day is mostly overcast (15-30 % of clear) with bright breaks
of a minute or two, and makes roughly 35-40 % of the clear day's energy.
"""

from __future__ import annotations

import math
import random
from array import array
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from evse_tui.clock import LONDON
from evse_tui.sim.daycache import SECONDS_PER_DAY, DayCache

WEATHERS = ("clear", "cloudy", "none")
SOLAR_NOON_UTC_H = 12.1  # about 1.5 degrees west of Greenwich


class Solar:
    """A PV array's generation (W >= 0); deterministic for a seed, a weather and a local time."""

    def __init__(self, peak_kw: float = 4.0, weather: str = "clear", seed: int = 1, tz: ZoneInfo = LONDON) -> None:
        if weather not in WEATHERS:
            raise ValueError(f"weather must be one of {', '.join(WEATHERS)}, not {weather!r}")
        if peak_kw < 0:
            raise ValueError("the array's peak power must not be negative")
        self.peak_kw = peak_kw
        self.weather = weather
        self.seed = seed
        self.tz = tz  # the wall clock the curves are laid out on
        self._days: DayCache[array] = DayCache(self._build)

    def power_w(self, local: datetime) -> float:
        """Generation now in W (never negative). Naive datetimes are read as `tz` wall time."""
        if self.weather == "none":
            return 0.0
        return self._days.get(local.toordinal())[local.hour * 3600 + local.minute * 60 + local.second]

    def day_curve(self, when: date) -> array:
        """The whole day's generation, one value per second of the wall clock."""
        if self.weather == "none":
            return array("d", bytes(8 * SECONDS_PER_DAY))
        return self._days.get(when.toordinal())

    def daylight(self, when: date) -> tuple[float, float]:
        """Sunrise and sunset as seconds of the local day."""
        season = _season(when)
        length_s = (12.0 + 4.3 * season) * 3600.0
        offset = datetime.combine(when, time(12), self.tz).utcoffset()
        noon_s = (SOLAR_NOON_UTC_H * 3600.0) + (offset.total_seconds() if offset else 0.0)
        return noon_s - length_s / 2.0, noon_s + length_s / 2.0

    def _build(self, ordinal: int) -> array:
        when = date.fromordinal(ordinal)
        rise, sset = self.daylight(when)
        peak_w = self.peak_kw * 1000.0 * (0.55 + 0.27 * _season(when))
        curve = array("d", bytes(8 * SECONDS_PER_DAY))
        first, last = max(0, math.ceil(rise)), min(SECONDS_PER_DAY, math.floor(sset) + 1)
        scale = math.pi / (sset - rise)
        for s in range(first, last):
            curve[s] = peak_w * math.sin((s - rise) * scale) ** 2
        if self.weather == "cloudy":
            _clouds(curve, first, last, random.Random(f"solar:{self.seed}:{ordinal}"))
        return curve


def _season(when: date) -> float:
    """+1 at the June solstice, -1 at the December solstice."""
    return math.sin(2 * math.pi * (when.timetuple().tm_yday - 80) / 365.25)


def _clouds(curve: array, first: int, last: int, rng: random.Random) -> None:
    """Scale daylight by overcast spells and short bright breaks, with edges of a few tens of seconds."""
    level = rng.uniform(0.15, 0.3)
    t = first
    covered = True
    while t < last:
        length = int(rng.expovariate(1 / 300.0) if covered else rng.expovariate(1 / 90.0)) + 10
        target = rng.uniform(0.15, 0.3) if covered else rng.uniform(0.6, 1.05)
        edge = min(length, rng.randint(10, 40))
        for s in range(t, min(last, t + length)):
            k = s - t
            factor = level + (target - level) * (k / edge) if k < edge else target
            curve[s] *= factor * (1.0 + 0.03 * rng.uniform(-1.0, 1.0))
        level = target
        t += length
        covered = not covered
