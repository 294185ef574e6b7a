"""Per-day precomputed curves, so a simulated second costs one list index instead of any maths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

SECONDS_PER_DAY = 86_400

Day = TypeVar("Day")


def second_of_day(local: datetime) -> int:
    """The wall-clock second of the local day (a repeated DST hour reads the same curve twice)."""
    return local.hour * 3600 + local.minute * 60 + local.second


class DayCache(Generic[Day]):
    """Builds a day's curves once (keyed by the date's ordinal) and keeps the last few days."""

    def __init__(self, build: Callable[[int], Day], keep: int = 3) -> None:
        self._build = build
        self._keep = keep
        self._days: dict[int, Day] = {}
        self.last_ordinal = -1
        self.last: Day | None = None

    def get(self, ordinal: int) -> Day:
        if ordinal == self.last_ordinal:
            return self.last  # type: ignore[return-value]
        day = self._days.get(ordinal)
        if day is None:
            day = self._build(ordinal)
            self._days[ordinal] = day
            while len(self._days) > self._keep:
                del self._days[next(iter(self._days))]
        self.last_ordinal, self.last = ordinal, day
        return day
