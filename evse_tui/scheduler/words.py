"""The console words for the schedule and the SoC target, turned into engine commands, and the listing.

    schedule TIME MODE [if soc>=N] [until HH:MM] [repeat daily|weekdays|weekends|mon,tue,...]
    unschedule ID      toggle ID      list-schedule
    target N HH:MM [[on] YYYY-MM-DD]  cancel-target

TIME is YYYY-MM-DDTHH:MM[:SS] (local time) or HH:MM (its next occurrence). MODE is any mode word of
the console (charge, discharge, pause, cosy, ... or signed amps). `until` ends a window at the next
HH:MM after TIME, so a window may run past midnight. `target N HH:MM` means the next HH:MM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from evse_tui.control.modes import CommandError, parse_mode
from evse_tui.engine.commands import AddEvent, CancelTarget, Command, DeleteEvent, SetTarget, ToggleEvent
from evse_tui.engine.snapshot import EventView, TargetView
from evse_tui.scheduler.events import DAY_NAMES, EVERY_DAY, WEEKDAYS, WEEKENDS, ScheduledEvent, ScheduleError
from evse_tui.scheduler.occurrences import wall_time
from evse_tui.tariffs.periods import parse_clock_time

SCHEDULE_WORDS = ("schedule", "unschedule", "toggle", "target", "cancel-target")
LIST_WORD = "list-schedule"

SCHEDULE_USAGE = "schedule TIME MODE [if soc>=N] [until HH:MM] [repeat daily|weekdays|weekends|mon,tue,...]"
TARGET_USAGE = "target N HH:MM [YYYY-MM-DD]"
HELP_LINES = (
    f"{SCHEDULE_USAGE}   TIME is YYYY-MM-DDTHH:MM or HH:MM",
    f"{LIST_WORD}   unschedule ID   toggle ID",
    f"{TARGET_USAGE}   reach N % by then, charging in the cheapest periods   cancel-target",
)

_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLAUSES = {
    "if": re.compile(r"if\s+soc\s*>=\s*(-?\d+)(?=\s|$)"),
    "until": re.compile(r"until\s+(\S+)"),
    "repeat": re.compile(r"repeat\s+(\S+)"),
}


def is_schedule_word(line: str) -> bool:
    """True when `line` starts with one of the words `parse_schedule_command` understands."""
    words = line.split()
    return bool(words) and words[0].lower() in SCHEDULE_WORDS


def parse_schedule_command(line: str, now: datetime, max_charge: int, max_discharge: int) -> Command:
    """The engine command for a schedule or target line; ScheduleError says what is wrong and what is allowed."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    words = line.split()
    if not words:
        raise ScheduleError("empty command")
    verb, args = words[0].lower(), words[1:]
    if verb == "schedule":
        return AddEvent(_parse_event(args, now, max_charge, max_discharge))
    if verb in ("unschedule", "toggle"):
        if len(args) != 1:
            raise ScheduleError(f"write: {verb} ID (the ids are shown by {LIST_WORD})")
        return DeleteEvent(args[0]) if verb == "unschedule" else ToggleEvent(args[0])
    if verb == "target":
        return _parse_target(args, now)
    if verb == "cancel-target":
        if args:
            raise ScheduleError("cancel-target takes nothing after it")
        return CancelTarget()
    raise ScheduleError(f"unknown schedule word {words[0]!r} (known: {', '.join(SCHEDULE_WORDS)})")


def parse_time(text: str, now: datetime) -> datetime:
    """YYYY-MM-DDTHH:MM[:SS] as local wall time (an offset is honoured), or HH:MM as its next occurrence."""
    tz = _zone(now)
    if re.fullmatch(r"\d{1,2}:\d{2}", text):
        return next_wall_time(_clock(text), now)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError(
            f'"{text}" is not a time; write YYYY-MM-DDTHH:MM (e.g. 2025-03-10T16:00) or HH:MM'
        ) from None
    if "T" not in text.upper():
        raise ScheduleError(f'"{text}" has no time of day; write YYYY-MM-DDTHH:MM (e.g. 2025-03-10T16:00)')
    if moment.tzinfo is not None:
        return moment.astimezone(tz)
    return wall_time(moment.date(), moment.time(), tz)


def next_wall_time(minute: int, now: datetime) -> datetime:
    """The next moment (after `now`) the wall clock shows minute-of-day `minute`: today or tomorrow."""
    at = _at(minute)
    today = wall_time(now.date(), at, _zone(now))
    return today if today > now else wall_time(now.date() + timedelta(days=1), at, _zone(now))


def parse_repeat(text: str) -> frozenset[int]:
    """daily, weekdays, weekends, or days like "mon,wed,fri" (full names too)."""
    word = text.lower()
    named = {"daily": EVERY_DAY, "weekdays": WEEKDAYS, "weekends": WEEKENDS}
    if word in named:
        return named[word]
    days = set()
    for part in word.split(","):
        if part in DAY_NAMES:
            days.add(DAY_NAMES.index(part))
        elif part in _FULL_DAY_NAMES:
            days.add(_FULL_DAY_NAMES.index(part))
        else:
            raise ScheduleError(
                f'"{part or text}" is not a repeat; use daily, weekdays, weekends or days like mon,tue,...'
                f" ({','.join(DAY_NAMES)})"
            )
    return frozenset(days)


def _parse_event(args: list[str], now: datetime, max_charge: int, max_discharge: int) -> ScheduledEvent:
    if len(args) < 2:
        raise ScheduleError(f"write: {SCHEDULE_USAGE}")
    when = parse_time(args[0], now)
    try:
        action = parse_mode(args[1], max_charge, max_discharge)
    except CommandError as exc:
        raise ScheduleError(
            f"{exc}; a schedule needs a mode word (e.g. charge, discharge, pause, cosy) or amps"
        ) from None
    found = _clauses(" ".join(args[2:]).lower())
    min_soc = None
    if "if" in found:
        min_soc = int(found["if"])
        if not 0 <= min_soc <= 100:
            raise ScheduleError(f"the SoC condition {min_soc}% is outside 0..100")
    until = None
    if "until" in found:
        end_minute = _clock(found["until"])
        if end_minute == when.hour * 60 + when.minute:
            raise ScheduleError(f"the window end {found['until']} is the same as the start; a window must last")
        end = wall_time(when.date(), _at(end_minute), _zone(now))
        until = end if end > when else wall_time(end.date() + timedelta(days=1), end.time(), _zone(now))
    repeat = parse_repeat(found["repeat"]) if "repeat" in found else frozenset()
    if when <= now:
        raise ScheduleError(f"{when:%Y-%m-%d %H:%M} is in the past")
    return ScheduledEvent(id="", when=when, action=action, min_soc=min_soc, until=until, repeat=repeat)


def _clauses(rest: str) -> dict[str, str]:
    found: dict[str, str] = {}
    rest = rest.strip()
    while rest:
        for name, pattern in _CLAUSES.items():
            match = pattern.match(rest)
            if match:
                if name in found:
                    raise ScheduleError(f'"{name}" is given twice')
                found[name] = match.group(1)
                rest = rest[match.end() :].strip()
                break
        else:
            if rest.startswith("if"):
                raise ScheduleError(f'"{rest}" is not a condition; write: if soc>=N (N in 0..100)')
            raise ScheduleError(f'unexpected "{rest}"; after the mode come: [if soc>=N] [until HH:MM] [repeat ...]')
    return found


def _parse_target(args: list[str], now: datetime) -> SetTarget:
    if args and args[-2:-1] == ["on"]:
        args = args[:-2] + args[-1:]
    if len(args) not in (2, 3):
        raise ScheduleError(f"write: {TARGET_USAGE}, e.g. target 80 07:30")
    text = args[0].rstrip("%")
    try:
        soc = int(text)
    except ValueError:
        raise ScheduleError(f'"{args[0]}" is not a SoC; write a whole percentage 1..100') from None
    if soc > 100:
        raise ScheduleError(f"a target of {soc}% is above 100%")
    if soc < 1:
        raise ScheduleError(f"a target of {soc}% is below 1%")
    minute = _clock(args[1])
    if len(args) == 2:
        return SetTarget(soc, next_wall_time(minute, now))
    try:
        day = date.fromisoformat(args[2])
    except ValueError:
        raise ScheduleError(f'"{args[2]}" is not a date; write YYYY-MM-DD') from None
    at = _at(minute)
    deadline = wall_time(day, at, _zone(now))
    if deadline <= now:
        raise ScheduleError(f"the deadline {deadline:%Y-%m-%d %H:%M} is in the past")
    return SetTarget(soc, deadline)


def _at(minute: int) -> time:
    return time(minute // 60, minute % 60)


def _clock(text: str) -> int:
    try:
        return parse_clock_time(text)
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None


def _zone(now: datetime) -> ZoneInfo:
    tz = now.tzinfo
    if not isinstance(tz, ZoneInfo):
        raise ValueError("now must carry a ZoneInfo time zone (e.g. Europe/London)")
    return tz


def format_schedule(views: Sequence[EventView]) -> str:
    """The console's answer to list-schedule: one event per line."""
    if not views:
        return "no scheduled events"
    rows = []
    for view in views:
        when = "done" if view.when is None else f"{view.when:%a %d %b %H:%M}"
        extras = " ".join(x for x in (view.condition, f"repeat {view.repeat}" if view.repeat else "") if x)
        state = "" if view.enabled else "  (disabled)"
        rows.append(f"{view.id:<5} {when:<16} {view.action:<14} {extras}".rstrip() + state)
    return "\n".join(rows)


def format_target(view: TargetView | None) -> str:
    """One line about the target for the console's status."""
    if view is None:
        return "no SoC target"
    return f"target {view.soc}% by {view.deadline:%a %d %b %H:%M}: {view.status}"
