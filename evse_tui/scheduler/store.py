"""schedule.json: the events, the id counter and the SoC target, written atomically.

Times are stored as ISO strings with their UTC offset, so the repeated hour of an autumn night stays
unambiguous. A file that does not parse, or holds an entry that does not make sense, is moved aside
whole (never silently emptied) and the problem is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.scheduler.events import ScheduledEvent, ScheduleError, check_event
from evse_tui.scheduler.target import SocTarget
from evse_tui.storage import atomic_write_json, load_json_or_quarantine, quarantine

VERSION = 1


@dataclass(frozen=True, slots=True)
class ScheduleFile:
    events: tuple[ScheduledEvent, ...] = ()
    target: SocTarget | None = None
    next_id: int = 1


class _Bad(ValueError):
    """An entry of the file that does not make sense."""


def _time(value: Any, what: str, tz: ZoneInfo) -> datetime:
    if not isinstance(value, str):
        raise _Bad(f"{what} must be an ISO time string, not {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{what} {value!r} is not an ISO time") from None
    if moment.tzinfo is None:
        raise _Bad(f"{what} {value!r} has no UTC offset")
    return moment.astimezone(tz)


def _optional_time(value: Any, what: str, tz: ZoneInfo) -> datetime | None:
    return None if value is None else _time(value, what, tz)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def encode_command(command: ModeCommand) -> dict[str, Any]:
    return {"mode": command.mode.value, "amps": command.amps, "tariff": command.tariff}


def decode_command(raw: Any) -> ModeCommand:
    if not isinstance(raw, dict):
        raise _Bad(f"an action must be a mapping, not {raw!r}")
    try:
        mode = Mode(raw.get("mode"))
    except ValueError:
        raise _Bad(f"unknown mode {raw.get('mode')!r}") from None
    amps, tariff = raw.get("amps"), raw.get("tariff")
    if amps is not None and (isinstance(amps, bool) or not isinstance(amps, int)):
        raise _Bad(f"amps must be a whole number, not {amps!r}")
    if tariff is not None and not isinstance(tariff, str):
        raise _Bad(f"a tariff must be a name, not {tariff!r}")
    if mode is Mode.FIXED and not amps:
        raise _Bad("a FIXED action needs non-zero amps")
    return ModeCommand(mode, amps, tariff)


def encode_event(event: ScheduledEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "when": _iso(event.when),
        "action": encode_command(event.action),
        "enabled": event.enabled,
        "min_soc": event.min_soc,
        "until": _iso(event.until),
        "repeat": sorted(event.repeat),
        "last_fired": _iso(event.last_fired),
        "settled_through": _iso(event.settled_through),
    }


def decode_event(raw: Any, tz: ZoneInfo) -> ScheduledEvent:
    if not isinstance(raw, dict):
        raise _Bad(f"an event must be a mapping, not {raw!r}")
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise _Bad(f"an event id must be a non-empty string, not {event_id!r}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _Bad(f"event {event_id}: enabled must be true or false")
    repeat = raw.get("repeat", [])
    if not isinstance(repeat, list):
        raise _Bad(f"event {event_id}: repeat must be a list of weekdays 0..6")
    try:
        event = ScheduledEvent(
            id=event_id,
            when=_time(raw.get("when"), f"event {event_id}: when", tz),
            action=decode_command(raw.get("action")),
            enabled=enabled,
            min_soc=raw.get("min_soc"),
            until=_optional_time(raw.get("until"), f"event {event_id}: until", tz),
            repeat=frozenset(repeat),
            last_fired=_optional_time(raw.get("last_fired"), f"event {event_id}: last_fired", tz),
            settled_through=_optional_time(raw.get("settled_through"), f"event {event_id}: settled_through", tz),
        )
        check_event(event)
    except (ScheduleError, TypeError) as exc:
        raise _Bad(f"event {event_id}: {exc}") from None
    return event


def encode_target(target: SocTarget) -> dict[str, Any]:
    return {
        "soc": target.soc,
        "deadline": _iso(target.deadline),
        "set_at": _iso(target.set_at),
        "last_soc": target.last_soc,
        "capacity_kwh": target.capacity_kwh,
        "charge_power_w": target.charge_power_w,
        "committed_until": _iso(target.committed_until),
        "rushing": target.rushing,
        "reached_at": _iso(target.reached_at),
    }


def _number(value: Any, what: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"target: {what} must be a number, not {value!r}")
    return float(value)


def decode_target(raw: Any, tz: ZoneInfo) -> SocTarget:
    if not isinstance(raw, dict):
        raise _Bad(f"the target must be a mapping, not {raw!r}")
    soc = raw.get("soc")
    if isinstance(soc, bool) or not isinstance(soc, int) or not 1 <= soc <= 100:
        raise _Bad(f"target: soc must be a whole percentage 1..100, not {soc!r}")
    capacity = _number(raw.get("capacity_kwh"), "capacity_kwh")
    power = _number(raw.get("charge_power_w"), "charge_power_w")
    if capacity <= 0 or power <= 0:
        raise _Bad("target: capacity_kwh and charge_power_w must be positive")
    rushing = raw.get("rushing", False)
    if not isinstance(rushing, bool):
        raise _Bad("target: rushing must be true or false")
    return SocTarget(
        soc=soc,
        deadline=_time(raw.get("deadline"), "target: deadline", tz),
        set_at=_time(raw.get("set_at"), "target: set_at", tz),
        last_soc=_number(raw.get("last_soc"), "last_soc", optional=True),
        capacity_kwh=capacity,
        charge_power_w=power,
        committed_until=_optional_time(raw.get("committed_until"), "target: committed_until", tz),
        rushing=rushing,
        reached_at=_optional_time(raw.get("reached_at"), "target: reached_at", tz),
    )


def encode(schedule: ScheduleFile) -> dict[str, Any]:
    return {
        "version": VERSION,
        "next_id": schedule.next_id,
        "events": [encode_event(e) for e in schedule.events],
        "target": None if schedule.target is None else encode_target(schedule.target),
    }


def decode(raw: Any, tz: ZoneInfo) -> ScheduleFile:
    if not isinstance(raw, dict):
        raise _Bad("the file must hold a mapping with events, next_id and target")
    if raw.get("version", VERSION) != VERSION:
        raise _Bad(f"unknown version {raw.get('version')!r} (this program reads version {VERSION})")
    events_raw = raw.get("events", [])
    if not isinstance(events_raw, list):
        raise _Bad("events must be a list")
    events = tuple(decode_event(e, tz) for e in events_raw)
    ids = [e.id for e in events]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _Bad(f"event ids appear twice: {', '.join(duplicates)}")
    next_id = raw.get("next_id", 1)
    if isinstance(next_id, bool) or not isinstance(next_id, int) or next_id < 1:
        raise _Bad(f"next_id must be a positive whole number, not {next_id!r}")
    target_raw = raw.get("target")
    target = None if target_raw is None else decode_target(target_raw, tz)
    return ScheduleFile(events, target, next_id)


def load(path: Path, tz: ZoneInfo, now: datetime) -> tuple[ScheduleFile, str | None]:
    """The schedule in `path` (empty if absent) and a problem to report, if the file was moved aside."""
    raw, problem = load_json_or_quarantine(path, now)
    if raw is None:
        return ScheduleFile(), problem
    try:
        return decode(raw, tz), None
    except _Bad as exc:
        moved = quarantine(Path(path), now)
        return ScheduleFile(), f"{Path(path).name} held a bad entry ({exc}); moved aside to {moved.name}"


def save(path: Path, schedule: ScheduleFile) -> None:
    atomic_write_json(path, encode(schedule))
