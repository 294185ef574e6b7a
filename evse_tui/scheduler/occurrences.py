"""When an event's occurrences happen on the local wall clock, across repeats and daylight-saving changes.

Times are wall times in the configured zone. On the autumn day the repeated hour's times exist twice:
the first (summer-time) one is used, so an event at 01:30 fires once. On the spring day the skipped
hour's times do not exist: an occurrence there happens when the clocks jump (01:30 -> 02:00 in
Europe/London), the first moment the wall clock has passed it.

Wall times are worked out in the local zone; the instants returned are in UTC, so that comparing and
subtracting them is always right (see `events.utc`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from evse_tui.scheduler.events import ScheduledEvent, utc

_LOOKAHEAD_DAYS = 8  # one week of weekdays, and a day to spare
_MAX_GAP_MINUTES = 24 * 60


def exists(local: datetime) -> bool:
    """True when the wall time `local` occurs in its zone (it is not in a spring-forward gap)."""
    back = local.astimezone(timezone.utc).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def wall_time(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the wall clock in `tz` shows `at` on `day` (see the module note for DST days)."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    if exists(local):
        return local
    probe = local.replace(second=0, microsecond=0)
    for _ in range(_MAX_GAP_MINUTES):
        probe = (probe.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=tz)
        if exists(probe):
            return probe
    raise ValueError(f"{day} {at} does not occur in {tz.key}")


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def occurrence_on(event: ScheduledEvent, day: date, tz: ZoneInfo) -> datetime | None:
    """The event's start on the local `day` (in UTC), or None if it has no occurrence that day."""
    first = _local(event.when, tz)
    if day < first.date():
        return None
    if day == first.date():
        if not event.repeat or day.weekday() in event.repeat:
            return utc(first)
        return None
    if day.weekday() not in event.repeat:
        return None
    return utc(wall_time(day, first.time(), tz))


def window_end(event: ScheduledEvent, start: datetime, tz: ZoneInfo) -> datetime | None:
    """Where the window of the occurrence starting at `start` ends, in UTC (None without a window).

    The end keeps its wall time and its day offset from the start, so "16:00 until 19:00" stays
    16:00-19:00 every day and "22:00 until 02:00" always ends the next morning.
    """
    if event.until is None:
        return None
    if utc(start) == utc(event.when):
        return utc(event.until)
    first, until = _local(event.when, tz), _local(event.until, tz)
    day = _local(start, tz).date() + (until.date() - first.date())
    end = utc(wall_time(day, until.time(), tz))
    if end <= utc(start):
        end = utc(start) + (utc(event.until) - utc(event.when))
    return end


def next_occurrence(event: ScheduledEvent, after: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The first start (in UTC) strictly after `after` (the first of all when `after` is None)."""
    first = utc(event.when)
    if after is None or utc(after) < first:
        if not event.repeat or _local(first, tz).weekday() in event.repeat:
            return first
        after = first
    after = utc(after)
    if not event.repeat:
        return None
    day = max(_local(first, tz).date(), _local(after, tz).date())
    for offset in range(_LOOKAHEAD_DAYS + 1):
        start = occurrence_on(event, day + timedelta(days=offset), tz)
        if start is not None and start > after:
            return start
    return None


def latest_occurrence(event: ScheduledEvent, at_or_before: datetime, tz: ZoneInfo) -> datetime | None:
    """The last start (in UTC) at or before `at_or_before`, or None if the event has not started yet."""
    first, limit = utc(event.when), utc(at_or_before)
    if limit < first:
        return None
    if not event.repeat:
        return first
    first_day = _local(first, tz).date()
    day = _local(limit, tz).date()
    for offset in range(_LOOKAHEAD_DAYS + 1):
        candidate = day - timedelta(days=offset)
        if candidate < first_day:
            break
        start = occurrence_on(event, candidate, tz)
        if start is not None and start <= limit:
            return start
    return None


def pending_occurrence(event: ScheduledEvent, tz: ZoneInfo) -> datetime | None:
    """The first occurrence (in UTC) not yet settled (fired, skipped, missed or dropped), or None."""
    return next_occurrence(event, event.settled_through, tz)


def count_between(event: ScheduledEvent, first: datetime, last: datetime, tz: ZoneInfo) -> int:
    """How many starts lie in [first, last] (for "N occurrences missed"), counted day by day."""
    first, last = utc(first), utc(last)
    if last < first:
        return 0
    day, end_day = _local(first, tz).date(), _local(last, tz).date()
    count = 0
    while day <= end_day:
        start = occurrence_on(event, day, tz)
        if start is not None and first <= start <= last:
            count += 1
        day += timedelta(days=1)
    return count
