"""A scheduled change of mode, what firing it produces, and the checks that keep bad events out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from evse_tui.control.modes import ModeCommand

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})
MAX_WINDOW = timedelta(days=1)


def utc(moment: datetime) -> datetime:
    """The same instant in UTC.

    Python compares and subtracts two datetimes that share a tzinfo by their wall clocks, which is
    wrong in the repeated hour of an autumn night; every comparison and sum here goes through UTC.
    """
    return moment.astimezone(timezone.utc)


class ScheduleError(ValueError):
    """A schedule or target request that cannot be obeyed; the message is for the owner."""


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """A mode change at a local wall time, optionally conditional, windowed and repeating.

    `when` is the first occurrence. `min_soc` makes it wait for SoC >= min_soc (checked when it is due;
    with a window, any time inside the window). `until` ends that window: an occurrence that has not fired
    by then is dropped. `repeat` holds weekdays (0 = Monday); empty means once.

    `last_fired` is the scheduled start of the latest occurrence that fired; `settled_through` is the
    scheduled start of the latest occurrence that is finished with (fired, skipped, missed or dropped),
    which is what makes firing exactly-once, also across a restart.
    """

    id: str
    when: datetime
    action: ModeCommand
    enabled: bool = True
    min_soc: int | None = None
    until: datetime | None = None
    repeat: frozenset[int] = frozenset()
    last_fired: datetime | None = None
    settled_through: datetime | None = None

    @property
    def repeats(self) -> bool:
        return bool(self.repeat)

    @property
    def conditional(self) -> bool:
        """True when firing depends on something besides the clock reaching `when`."""
        return self.min_soc is not None or self.until is not None


@dataclass(frozen=True, slots=True)
class Firing:
    """An event occurrence that fired: the engine applies `command` and logs `description`."""

    event_id: str
    command: ModeCommand
    description: str


def check_event(event: ScheduledEvent) -> None:
    """Raise ScheduleError naming what is wrong with an event's own values (not its time vs now)."""
    if not isinstance(event.action, ModeCommand):
        raise ScheduleError(f"the action must be a mode command, not {event.action!r}")
    if event.when.tzinfo is None:
        raise ScheduleError(f"the time {event.when.isoformat()} has no time zone")
    if event.min_soc is not None:
        if isinstance(event.min_soc, bool) or not isinstance(event.min_soc, int):
            raise ScheduleError(f"the SoC condition must be a whole percentage, not {event.min_soc!r}")
        if not 0 <= event.min_soc <= 100:
            raise ScheduleError(f"the SoC condition {event.min_soc}% is outside 0..100")
    if event.until is not None:
        if event.until.tzinfo is None:
            raise ScheduleError(f"the window end {event.until.isoformat()} has no time zone")
        if utc(event.until) <= utc(event.when):
            raise ScheduleError(
                f"the window end {event.until:%Y-%m-%d %H:%M} must be after the start {event.when:%Y-%m-%d %H:%M}"
            )
        if utc(event.until) - utc(event.when) > MAX_WINDOW + timedelta(hours=1):  # an hour of slack for a DST day
            raise ScheduleError("a window may last at most a day")
    bad = [d for d in event.repeat if not isinstance(d, int) or not 0 <= d <= 6]
    if bad:
        raise ScheduleError(f"repeat days must be 0..6 (Monday..Sunday), not {sorted(map(str, bad))}")


def repeat_text(days: frozenset[int]) -> str:
    """ "" (once), "daily", "weekdays", "weekends" or e.g. "mon,wed,fri"."""
    if not days:
        return ""
    if days == EVERY_DAY:
        return "daily"
    if days == WEEKDAYS:
        return "weekdays"
    if days == WEEKENDS:
        return "weekends"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def condition_text(event: ScheduledEvent) -> str:
    """e.g. "if SoC >= 60 until 19:00" ("" when the event is unconditional)."""
    parts = []
    if event.min_soc is not None:
        parts.append(f"if SoC >= {event.min_soc}")
    if event.until is not None:
        parts.append(f"until {event.until:%H:%M}")
    return " ".join(parts)


def describe_event(event: ScheduledEvent, occurrence: datetime) -> str:
    """One line for logs: "e2 DISCHARGE at 16:00 Mon 03 Mar if SoC >= 60"."""
    occurrence = occurrence.astimezone(event.when.tzinfo)
    words = [event.id, event.action.describe(), f"at {occurrence:%H:%M %a %d %b}"]
    condition = condition_text(event)
    if condition:
        words.append(condition)
    return " ".join(words)
