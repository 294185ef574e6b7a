"""Clocks passed into everything that needs time, so the core never reads the system clock itself.

`monotonic()` measures delays (change delays, staleness); `now()` is the local wall time that
tariffs and schedules run on. The two are kept apart so an NTP step never stalls control.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    tz: ZoneInfo

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait up to `timeout` clock seconds for `event`; True if it was set."""
        ...


class SystemClock:
    """The real clock."""

    def __init__(self, tz: ZoneInfo = LONDON) -> None:
        self.tz = tz

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(max(0.0, timeout))


class ScaledClock:
    """A clock running `speed` times faster than real time from `start` (the demo's `--speed`)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None, tz: ZoneInfo = LONDON) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.tz = tz
        self.speed = speed
        self._real0 = time.monotonic()
        self._start = (start or datetime.now(tz)).astimezone(tz)

    def monotonic(self) -> float:
        return (time.monotonic() - self._real0) * self.speed

    def now(self) -> datetime:
        return (self._start + timedelta(seconds=self.monotonic())).astimezone(self.tz)

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(max(0.0, timeout) / self.speed)


class ManualClock:
    """A clock that moves only when told: simulated days, tests and benchmarks."""

    def __init__(self, start: datetime, tz: ZoneInfo = LONDON) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=tz)
        self.tz = tz
        self._start = start.astimezone(tz)
        self._elapsed = 0.0
        self._wall_offset = 0.0

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return (self._start + timedelta(seconds=self._elapsed + self._wall_offset)).astimezone(self.tz)

    def advance(self, seconds: float) -> None:
        self._elapsed += seconds

    def step_wall(self, seconds: float) -> None:
        """Jump the wall clock only (an NTP step); monotonic time is unaffected."""
        self._wall_offset += seconds

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        self.advance(max(0.0, timeout))
        return event.is_set()
