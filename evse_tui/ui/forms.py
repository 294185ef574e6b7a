"""The schedule and target forms' fields turned into engine commands, with a message per field.

The final command is built by the console's own parser (`scheduler.words`), so a form and a typed
`schedule ...` line can never disagree about what an event means; the per-field checks only say
which box is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from evse_tui.control.modes import CommandError, parse_mode
from evse_tui.engine.commands import AddEvent, SetTarget
from evse_tui.engine.snapshot import EventView, TargetView
from evse_tui.scheduler.events import ScheduledEvent, ScheduleError
from evse_tui.scheduler.target import check_target
from evse_tui.scheduler.words import parse_repeat, parse_schedule_command, parse_time
from evse_tui.tariffs.periods import parse_clock_time
from evse_tui.ui.format import mode_word

FORM = "form"  # errors that belong to no single field


class FormErrors(Exception):
    """Messages keyed by field name (FORM for the whole form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class EventFields:
    """What the owner typed into the schedule form."""

    when: str
    mode: str
    min_soc: str = ""
    until: str = ""
    repeat: str = ""


def _time_word(text: str) -> str:
    """ "2025-03-10 16:00" -> "2025-03-10T16:00" (the console's form); "16:00" stays."""
    return re.sub(r"^(\d{4}-\d{2}-\d{2})\s+", r"\1T", text.strip())


def event_from_fields(fields: EventFields, now: datetime, max_charge: int, max_discharge: int) -> ScheduledEvent:
    """The event the form describes, or FormErrors naming every wrong field."""
    errors: dict[str, str] = {}
    when_text = _time_word(fields.when)
    when: datetime | None = None
    if not when_text:
        errors["when"] = "write a time: YYYY-MM-DD HH:MM, or HH:MM for its next occurrence"
    else:
        try:
            when = parse_time(when_text, now)
        except ScheduleError as exc:
            errors["when"] = str(exc)
        else:
            if when <= now:
                errors["when"] = f"{when:%Y-%m-%d %H:%M} is in the past"
    mode_text = fields.mode.strip()
    if not mode_text:
        errors["mode"] = "write a mode word (charge, discharge, pause, smart, cosy, solar, ...) or amps"
    else:
        try:
            parse_mode(mode_text, max_charge, max_discharge)
        except CommandError as exc:
            errors["mode"] = str(exc)
    soc_text = fields.min_soc.strip().rstrip("%")
    if soc_text:
        if not re.fullmatch(r"-?\d+", soc_text):
            errors["min_soc"] = f'"{fields.min_soc.strip()}" is not a whole percentage'
        elif not 0 <= int(soc_text) <= 100:
            errors["min_soc"] = f"the SoC condition {int(soc_text)}% is outside 0..100"
    until_text = fields.until.strip()
    if until_text:
        try:
            minute = parse_clock_time(until_text)
        except ValueError as exc:
            errors["until"] = str(exc)
        else:
            if when is not None and minute == when.hour * 60 + when.minute:
                errors["until"] = "the window end is the same as the start; a window must last"
    repeat_text = fields.repeat.strip().lower()
    if repeat_text in ("once", "no", "none"):
        repeat_text = ""
    if repeat_text:
        try:
            parse_repeat(repeat_text)
        except ScheduleError as exc:
            errors["repeat"] = str(exc)
    if errors:
        raise FormErrors(errors)
    line = f"schedule {when_text} {mode_text}"
    if soc_text:
        line += f" if soc>={int(soc_text)}"
    if until_text:
        line += f" until {until_text}"
    if repeat_text:
        line += f" repeat {repeat_text}"
    try:
        command = parse_schedule_command(line, now, max_charge, max_discharge)
    except ScheduleError as exc:
        raise FormErrors({FORM: str(exc)}) from None
    assert isinstance(command, AddEvent)
    return command.event


_SOC = re.compile(r"if SoC >= (\d+)")
_UNTIL = re.compile(r"until (\d{1,2}:\d{2})")


def fields_from_view(view: EventView) -> EventFields:
    """The form's starting values for editing an event shown in the schedule table."""
    soc = _SOC.search(view.condition)
    until = _UNTIL.search(view.condition)
    return EventFields(
        when="" if view.when is None else f"{view.when:%Y-%m-%d %H:%M}",
        mode=mode_word(view.action),
        min_soc=soc.group(1) if soc else "",
        until=until.group(1) if until else "",
        repeat=view.repeat,
    )


def target_from_fields(soc_text: str, deadline_text: str, now: datetime, current_soc: float | None) -> SetTarget:
    """A SetTarget from "80" and "07:30" (its next occurrence) or "2025-03-11 07:30"; FormErrors otherwise."""
    errors: dict[str, str] = {}
    soc_word = soc_text.strip().rstrip("%")
    if not re.fullmatch(r"\d+", soc_word):
        errors["soc"] = f'"{soc_text.strip()}" is not a SoC; write a whole percentage 1..100'
    deadline_word = deadline_text.strip()
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})", deadline_word)
    clock_word, day_word = (match.group(2), match.group(1)) if match else (deadline_word, "")
    try:
        parse_clock_time(clock_word)
    except ValueError:
        errors["deadline"] = f'"{deadline_word}" is not a deadline; write HH:MM or YYYY-MM-DD HH:MM'
    if errors:
        raise FormErrors(errors)
    line = f"target {soc_word} {clock_word} {day_word}".strip()
    try:
        command = parse_schedule_command(line, now, 32, 32)
        assert isinstance(command, SetTarget)
        check_target(command.soc, command.deadline, now, current_soc)
    except ScheduleError as exc:
        text = str(exc)
        raise FormErrors({"deadline" if "deadline" in text or "date" in text else "soc": text}) from None
    return command


def target_fields(view: TargetView | None) -> tuple[str, str]:
    """The target form's starting values: the current target, else 80 % by 07:00."""
    if view is None:
        return "80", "07:00"
    return str(view.soc), f"{view.deadline:%Y-%m-%d %H:%M}"
