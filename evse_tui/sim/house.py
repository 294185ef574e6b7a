"""A UK house's consumption and its heat pump, second by second, repeatable for a seed and a date.

Each day's appliance runs are drawn once from `random.Random` seeded with (seed, date) and painted into a
per-second curve, so `power_w` is a list index. The house channel excludes the heat pump, which has its own
meter channel; the grid sees house + heat pump - solar + charger.

With the defaults a day uses 9-13 kWh (about 11 on average) without the heat pump: a night baseload near
`base_w` (always-on devices plus the fridge-freezer cycling), morning and evening activity (lights, TV,
computers), kettle boils (about 3 kW for about 3 minutes, two to six a day), toaster and microwave, an
oven or hob around dinner (oven about 2 kW for 45-60 minutes with its thermostat cycling), and on some days
a washing machine (heating spike then tumbling and a spin), a dishwasher and a vacuum cleaner. The heat
pump cycles about 20 minutes on at 0.7-2 kW with off periods that shrink in cold months and cold hours, plus
a daily hot-water run; from late May to mid September only the hot water runs (about 1.6 kWh a day,
against 17-20 kWh in December-February).
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass
from datetime import date, datetime

from evse_tui.sim.daycache import SECONDS_PER_DAY, DayCache

# Extra activity on top of the baseload (W), at each hour of a weekday and a weekend day.
WEEKDAY_ACTIVITY_W = (40, 15, 0, 0, 0, 0, 60, 250, 210, 100, 80, 80,
                      120, 100, 80, 80, 130, 250, 320, 320, 280, 260, 170, 80)
WEEKEND_ACTIVITY_W = (60, 25, 0, 0, 0, 0, 20, 90, 220, 230, 190, 170,
                      200, 170, 150, 150, 180, 260, 330, 320, 290, 270, 190, 100)
FRIDGE_W = 90.0
HEAT_PUMP_STANDBY_W = 10.0


@dataclass(frozen=True, slots=True)
class ApplianceRun:
    """One use of an appliance on a day: seconds of the local day and the highest power it drew."""

    name: str
    start_s: int
    end_s: int
    peak_w: float


@dataclass(frozen=True, slots=True)
class HouseDay:
    house: array  # W for each second of the day, heat pump excluded
    heat_pump: array  # W for each second of the day
    runs: tuple[ApplianceRun, ...]


class House:
    """A UK house's load and heat pump; deterministic for a seed and a local time."""

    def __init__(self, seed: int = 1, base_w: float = 250.0) -> None:
        if base_w <= 0:
            raise ValueError("the baseload must be positive")
        self.seed = seed
        self.base_w = base_w
        self._days: DayCache[HouseDay] = DayCache(self._build)

    def power_w(self, local: datetime) -> float:
        """The house's consumption now (W > 0), without the heat pump."""
        return self._days.get(local.toordinal()).house[local.hour * 3600 + local.minute * 60 + local.second]

    def heat_pump_w(self, local: datetime) -> float:
        """The heat pump's consumption now (W > 0; a few watts between cycles)."""
        return self._days.get(local.toordinal()).heat_pump[local.hour * 3600 + local.minute * 60 + local.second]

    def day(self, when: date) -> HouseDay:
        """The whole day's curves and appliance runs (for tests, plots and planning)."""
        return self._days.get(when.toordinal())

    # ---- building a day
    def _build(self, ordinal: int) -> HouseDay:
        day = date.fromordinal(ordinal)
        rng = random.Random(f"house:{self.seed}:{ordinal}")
        house = self._baseline(day, rng)
        runs: list[ApplianceRun] = []
        _fridge(house, rng)
        for name, segments in _appliances(day, rng):
            for start, end, watts in segments:
                _add(house, start, end, watts)
            runs.append(ApplianceRun(name, segments[0][0], segments[-1][1], max(w for _, _, w in segments)))
        heat_pump, hp_runs = _heat_pump(day, rng)
        runs.sort(key=lambda r: r.start_s)
        return HouseDay(house, heat_pump, tuple(runs + hp_runs))

    def _baseline(self, day: date, rng: random.Random) -> array:
        """Always-on devices plus activity that drifts smoothly minute to minute, with a little jitter."""
        anchors = WEEKEND_ACTIVITY_W if day.weekday() >= 5 else WEEKDAY_ACTIVITY_W
        scale = rng.uniform(0.75, 1.05)
        always_on = self.base_w - 0.4 * FRIDGE_W  # so the night average sits near base_w
        drift = 0.0
        curve = array("d", bytes(8 * SECONDS_PER_DAY))
        for minute in range(1440):
            hour, frac = divmod(minute / 60.0, 1.0)
            h = int(hour)
            activity = anchors[h] + (anchors[(h + 1) % 24] - anchors[h]) * frac
            drift = 0.9 * drift + 0.1 * rng.uniform(-1.0, 1.0)
            watts = always_on * (1.0 + 0.3 * drift) + activity * scale * (1.0 + 2.0 * drift)
            base = minute * 60
            for s in range(60):
                curve[base + s] = watts + rng.uniform(-3.0, 3.0)
        return curve


def _add(curve: array, start: int, end: int, watts: float) -> None:
    for i in range(max(0, start), min(SECONDS_PER_DAY, end)):
        curve[i] += watts


def _fridge(curve: array, rng: random.Random) -> None:
    """The fridge-freezer compressor: about 15 minutes on, 25 off, with a start surge."""
    t = rng.randrange(0, 1800)
    while t < SECONDS_PER_DAY:
        on = int(rng.uniform(12, 20) * 60)
        _add(curve, t, t + 2, 250.0)
        _add(curve, t + 2, t + on, FRIDGE_W * rng.uniform(0.9, 1.1))
        t += on + int(rng.uniform(20, 35) * 60)


def _at(rng: random.Random, hour: float, spread_min: float) -> int:
    return int(hour * 3600 + rng.uniform(-spread_min, spread_min) * 60)


def _cycling(start: int, length: int, watts: float, on_s: tuple[int, int], off_s: tuple[int, int],
             rng: random.Random) -> list[tuple[int, int, float]]:
    """A thermostat or a tumbling drum: on and off in turns until `length` seconds have passed."""
    segments = []
    t, end = start, start + length
    while t < end:
        on = rng.randint(*on_s)
        segments.append((t, min(end, t + on), watts))
        t += on + rng.randint(*off_s)
    return segments


def _appliances(day: date, rng: random.Random) -> list[tuple[str, list[tuple[int, int, float]]]]:
    """The day's appliance runs as (name, [(start s, end s, W), ...])."""
    weekend = day.weekday() >= 5
    runs: list[tuple[str, list[tuple[int, int, float]]]] = []
    for hour, chance in ((7.0, 1.0), (10.5, 0.6), (13.0, 0.7), (16.0, 0.8), (19.5, 1.0), (21.5, 0.6)):
        if rng.random() < chance:
            start = _at(rng, hour, 40)
            runs.append(("kettle", [(start, start + rng.randint(150, 210), rng.uniform(2800, 3000))]))
    if rng.random() < 0.5:
        start = _at(rng, 7.5 if not weekend else 9.0, 30)
        runs.append(("toaster", [(start, start + rng.randint(150, 210), rng.uniform(850, 950))]))
    for hour, chance in ((12.5, 0.5), (19.0, 0.4)):
        if rng.random() < chance:
            start = _at(rng, hour, 30)
            runs.append(("microwave", [(start, start + rng.randint(120, 240), rng.uniform(1100, 1250))]))
    dinner = _at(rng, 17.9, 40)
    if rng.random() < 0.65:
        watts = rng.uniform(2000, 2300)
        preheat = rng.randint(600, 720)
        length = rng.randint(45 * 60, 60 * 60)
        segments = [(dinner, dinner + preheat, watts)]
        segments += _cycling(dinner + preheat, length - preheat, watts, (40, 70), (60, 120), rng)
        runs.append(("oven", segments))
    else:
        runs.append(("hob", _cycling(dinner, rng.randint(900, 1500), rng.uniform(1400, 1800), (30, 60), (20, 60), rng)))
    if rng.random() < (0.8 if weekend else 0.45):
        start = int(rng.uniform(9.0, 19.0) * 3600)
        heat_end = start + 240 + rng.randint(12 * 60, 18 * 60)
        segments = [(start, start + 240, 20.0), (start + 240, heat_end, rng.uniform(2000, 2200))]
        segments += _cycling(heat_end, 45 * 60, rng.uniform(150, 350), (30, 60), (10, 20), rng)
        rinse = heat_end + 45 * 60
        segments += _cycling(rinse, 15 * 60, rng.uniform(100, 200), (30, 60), (10, 20), rng)
        segments.append((rinse + 15 * 60, rinse + 23 * 60, rng.uniform(400, 600)))
        runs.append(("washing machine", segments))
    if rng.random() < 0.6:
        start = int(rng.uniform(20.0, 22.5) * 3600)
        heater = rng.uniform(1800, 2000)
        segments = [(start, start + 900, heater), (start + 900, start + 2400, 120.0),
                    (start + 2400, start + 3120, heater), (start + 3120, start + 4920, 20.0)]
        runs.append(("dishwasher", segments))
    if weekend and rng.random() < 0.5:
        start = int(rng.uniform(10.0, 12.0) * 3600)
        runs.append(("vacuum", [(start, start + rng.randint(900, 1500), rng.uniform(1200, 1500))]))
    return runs


def _season(day: date) -> float:
    """Heating demand, 1 in mid-January, 0 from late May to mid September."""
    doy = day.timetuple().tm_yday
    return max(0.0, (math.cos(2 * math.pi * (doy - 20) / 365.25) + 0.35) / 1.35)


def _heat_pump(day: date, rng: random.Random) -> tuple[array, list[ApplianceRun]]:
    """Space-heating cycles (longer off periods in mild hours) and one hot-water run a day."""
    curve = array("d", [HEAT_PUMP_STANDBY_W]) * SECONDS_PER_DAY
    runs: list[ApplianceRun] = []
    season = min(1.2, _season(day) * rng.uniform(0.8, 1.2))
    t = rng.randrange(0, 1800)
    while t < SECONDS_PER_DAY:
        cold = 0.5 + 0.5 * math.cos(2 * math.pi * (t / 3600.0 - 5.0) / 24.0)  # 1 at 05:00, 0 at 17:00
        duty = min(0.75, season * (0.3 + 0.3 * cold))
        if duty < 0.05:
            t += 3600
            continue
        on = int(rng.uniform(17, 24) * 60)
        watts = (700.0 + 1300.0 * min(1.0, season * (0.7 + 0.3 * cold))) * rng.uniform(0.95, 1.05)
        _heat(curve, t, t + on, watts)
        runs.append(ApplianceRun("heat pump", t, min(t + on, SECONDS_PER_DAY), watts))
        t += on + int(on * (1.0 - duty) / duty)
    start = _at(rng, 13.0, 30)
    length = rng.randint(35 * 60, 50 * 60)
    watts = rng.uniform(1800, 2200)
    _heat(curve, start, start + length, watts)
    runs.append(ApplianceRun("hot water", start, start + length, watts))
    return curve, runs


def _heat(curve: array, start: int, end: int, watts: float) -> None:
    """A compressor run: a two-minute soft start, then steady power with a little wobble."""
    for i in range(max(0, start), min(SECONDS_PER_DAY, end)):
        ramp = min(1.0, 0.3 + 0.7 * (i - start) / 120.0)
        curve[i] = watts * ramp * (1.0 + 0.01 * math.sin(i / 7.0))
