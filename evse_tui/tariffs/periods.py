"""Parts of the local day on the wall clock, and a table of a tariff's periods with their rates.

Everything here works on the minute of the local day (0..1439), not on UTC instants, because the
supplier's periods follow the clock on the wall: on the 23 h spring day the missing hour simply never
occurs, on the 25 h autumn day the repeated hour is in the same period both times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evse_tui.tariffs.base import Rates

MINUTES_PER_DAY = 1440

OFF_PEAK = "off-peak"
PEAK = "peak"
STANDARD = "standard"
PERIOD_NAMES = (OFF_PEAK, PEAK, STANDARD)

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock_time(text: str, *, allow_end_of_day: bool = False) -> int:
    """Minute of the day of "HH:MM" (00:00..23:59; "24:00" too when it ends a range)."""
    match = _TIME.match(text)
    if not match:
        raise ValueError(f'"{text}" is not a time; write HH:MM, e.g. "04:00"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if allow_end_of_day and hours == 24 and minutes == 0:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        latest = "24:00" if allow_end_of_day else "23:59"
        raise ValueError(f'"{text}" is not a time of day (00:00..{latest})')
    return hours * 60 + minutes


def format_minute(minute: int) -> str:
    """ "HH:MM" of a minute of the day; 1440 is written "24:00"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class ClockRange:
    """A part of the local day from `start` (included) to `end` (excluded), in minutes.

    `end` may be 1440 ("24:00"); an `end` before `start` runs past midnight, e.g. 22:00-02:00.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < MINUTES_PER_DAY:
            raise ValueError(f"start minute {self.start} must be in 0..1439")
        if not 0 < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"end minute {self.end} must be in 1..1440")
        if self.start == self.end % MINUTES_PER_DAY and self.end != MINUTES_PER_DAY:
            raise ValueError(f"{self} starts and ends at the same time; it would cover nothing")

    @classmethod
    def parse(cls, text: str) -> ClockRange:
        """ "HH:MM-HH:MM", e.g. "00:30-05:30", "22:00-24:00" or "23:30-01:00"."""
        if not isinstance(text, str) or text.count("-") != 1:
            raise ValueError(f'{text!r} is not a time range; write "HH:MM-HH:MM", e.g. "04:00-07:00"')
        first, second = text.split("-")
        start = parse_clock_time(first)
        end = parse_clock_time(second, allow_end_of_day=True)
        if start == end % MINUTES_PER_DAY and end != MINUTES_PER_DAY:
            raise ValueError(f'"{text}" starts and ends at the same time; it would cover nothing')
        if end == 0:
            end = MINUTES_PER_DAY
        return cls(start, end)

    @property
    def length(self) -> int:
        """Minutes covered on an ordinary (24 h) day."""
        return self.end - self.start if self.end > self.start else self.end + MINUTES_PER_DAY - self.start

    def contains(self, minute: int) -> bool:
        if self.end > self.start:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def minutes_since_start(self, minute: int) -> int:
        return (minute - self.start) % MINUTES_PER_DAY

    def __str__(self) -> str:
        return f"{format_minute(self.start)}-{format_minute(self.end)}"


def first_overlap(a: Iterable[ClockRange], b: Iterable[ClockRange]) -> int | None:
    """The first minute of the day covered by both groups of ranges, or None."""
    a, b = tuple(a), tuple(b)
    for minute in range(MINUTES_PER_DAY):
        if any(r.contains(minute) for r in a) and any(r.contains(minute) for r in b):
            return minute
    return None


def minutes_until_next_start(ranges: Iterable[ClockRange], minute: int) -> int | None:
    """Minutes from `minute` until the nearest start of one of `ranges` (0 if one starts now)."""
    waits = [(r.start - minute) % MINUTES_PER_DAY for r in ranges]
    return min(waits) if waits else None


@dataclass(frozen=True, slots=True)
class PeriodSpan:
    """One stretch of the day in a single period, for showing the day's shape."""

    start: int
    end: int
    name: str
    rates: Rates

    def __str__(self) -> str:
        return f"{format_minute(self.start)}-{format_minute(self.end)} {self.name}"


class PeriodTable:
    """Which period (off-peak, peak or standard) each minute of the day is in, and its rates.

    Off-peak and peak ranges may not overlap; every other minute is standard.
    """

    def __init__(
        self,
        off_peak: Iterable[ClockRange],
        peak: Iterable[ClockRange],
        rates: Mapping[str, Rates],
    ) -> None:
        self.off_peak = tuple(off_peak)
        self.peak = tuple(peak)
        missing = [name for name in PERIOD_NAMES if name not in rates]
        if missing:
            raise ValueError(f"rates missing for {', '.join(missing)}")
        self.rates = {name: rates[name] for name in PERIOD_NAMES}
        clash = first_overlap(self.off_peak, self.peak)
        if clash is not None:
            raise ValueError(f"off-peak and peak times overlap at {format_minute(clash)}")
        by_minute = []
        for minute in range(MINUTES_PER_DAY):
            if any(r.contains(minute) for r in self.off_peak):
                by_minute.append(OFF_PEAK)
            elif any(r.contains(minute) for r in self.peak):
                by_minute.append(PEAK)
            else:
                by_minute.append(STANDARD)
        self._by_minute = tuple(by_minute)

    def name_at(self, minute: int) -> str:
        return self._by_minute[minute]

    def rates_at(self, minute: int) -> Rates:
        return self.rates[self._by_minute[minute]]

    def range_at(self, minute: int) -> ClockRange | None:
        """The configured off-peak or peak range holding `minute` (None in standard time)."""
        for r in self.off_peak + self.peak:
            if r.contains(minute):
                return r
        return None

    def spans(self) -> tuple[PeriodSpan, ...]:
        """The day from 00:00 to 24:00 as consecutive spans of one period each."""
        spans: list[PeriodSpan] = []
        start = 0
        for minute in range(1, MINUTES_PER_DAY + 1):
            if minute == MINUTES_PER_DAY or self._by_minute[minute] != self._by_minute[start]:
                name = self._by_minute[start]
                spans.append(PeriodSpan(start, minute, name, self.rates[name]))
                start = minute
        return tuple(spans)
