"""The console vocabulary shared by headless mode (and the TUI's command line): text in, action out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from evse_tui.control.modes import CommandError, parse_mode
from evse_tui.engine import commands as c
from evse_tui.engine.snapshot import Snapshot

HELP = """\
Commands (one per line):
  s, smart              SMART: the active tariff strategy decides
  g, go, octgo | f, flux | cosy
                        select that tariff and enter SMART
  c, charge             charge at the maximum charge current
  d, discharge          discharge at the maximum discharge current
  p, pause              pause (the charger rests)
  N (e.g. 10 or -8)     charge (+) or discharge (-) at exactly N A; 0 pauses
  solar, o              charge from solar surplus only
  ph, power-home        power the house from the car (load following)
  b, balance            both ways: soak up surplus, cover demand
  u, unplug             pause until the car is unplugged and plugged in again
  schedule YYYY-MM-DDTHH:MM[:SS] MODE [if soc>=N] [until HH:MM] [repeat daily|weekdays|mon,tue,...]
  list-schedule         show the scheduled events
  unschedule ID | toggle ID
  target N HH:MM [YYYY-MM-DD]   reach N % by that time, cheaply
  cancel-target
  status                print the status now
  help, h, ?            this help"""

SCHEDULE_WORDS = ("schedule", "unschedule", "toggle", "target", "cancel-target")


@dataclass(frozen=True, slots=True)
class ConsoleAction:
    """What a line asks for: a command for the engine, or text to print (with `ok` False for refusals)."""

    command: c.Command | None = None
    text: str = ""
    ok: bool = True


def interpret(line: str, now: datetime, snapshot: Snapshot, max_charge: int, max_discharge: int) -> ConsoleAction:
    words = line.strip().split()
    if not words:
        return ConsoleAction()
    head = words[0].lower()
    if head in ("help", "h", "?"):
        return ConsoleAction(text=HELP)
    if head == "status":
        return ConsoleAction(text=status_line(snapshot))
    if head == "list-schedule":
        from evse_tui.scheduler.words import format_schedule

        text = format_schedule(snapshot.events)
        if snapshot.target is not None:
            text += f"\ntarget: {snapshot.target.soc}% by {snapshot.target.deadline:%Y-%m-%d %H:%M}: {snapshot.target.status}"
        return ConsoleAction(text=text)
    if head in SCHEDULE_WORDS:
        from evse_tui.scheduler.events import ScheduleError
        from evse_tui.scheduler.words import parse_schedule_command

        try:
            return ConsoleAction(command=parse_schedule_command(line, now, max_charge, max_discharge))
        except (ScheduleError, CommandError) as exc:
            return ConsoleAction(text=f"refused: {exc}", ok=False)
    if len(words) > 1:
        return ConsoleAction(text=f"refused: unknown command {line.strip()!r}\n{HELP}", ok=False)
    try:
        return ConsoleAction(command=c.SetMode(parse_mode(head, max_charge, max_discharge)))
    except CommandError as exc:
        if str(exc).startswith("unknown command"):
            return ConsoleAction(text=f"refused: {exc}\n{HELP}", ok=False)
        return ConsoleAction(text=f"refused: {exc}", ok=False)


def _watts(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} W"


def status_line(s: Snapshot) -> str:
    """One line with what the owner checks first."""
    soc = "?" if s.soc is None else f"{s.soc:.0f}%"
    parts = [
        s.time.strftime("%Y-%m-%d %H:%M:%S"),
        s.mode_text,
        s.control_state.value,
        f"grid {_watts(s.grid_w)}",
        f"EVSE {_watts(s.evse_w)}",
        f"home {_watts(s.home_w)}",
        f"SoC {soc}",
        s.charger_state_name,
        f"target {s.target_current:+d} A actual {s.actual_current:+d} A",
    ]
    if s.next_change_s > 0:
        parts.append(f"next change {s.next_change_s:.0f} s")
    if s.meter_age_s is None:
        parts.append("no meter reading yet")
    elif s.meter_stale:
        parts.append(f"METER STALE ({s.meter_age_s:.0f} s old)")
    if s.failsafe:
        parts.append("FAILSAFE 0 A")
    return " | ".join(parts)
