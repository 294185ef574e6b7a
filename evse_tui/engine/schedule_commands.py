"""The owner's schedule and target commands, carried out on the engine's thread."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from evse_tui.engine import commands as c
from evse_tui.tariffs.base import Tariff

if TYPE_CHECKING:
    from datetime import datetime

    from evse_tui.scheduler.service import Scheduler

log = logging.getLogger("evse_tui.engine")


def handle_schedule_command(
    sched: Scheduler,
    command: c.Command,
    now_l: datetime,
    soc: float | None,
    tariff: Tariff,
    capacity_kwh: float,
    charge_power_w: float,
) -> c.CommandResult:
    """Raises ValueError (ScheduleError) with the owner's message when the command is refused."""
    if isinstance(command, c.AddEvent):
        event = sched.add(command.event, now_l)
        log.info("scheduled %s", event.id)
        return c.CommandResult(True, f"scheduled {event.id}")
    if isinstance(command, c.EditEvent):
        event = sched.edit(command.event_id, command.event, now_l)
        return c.CommandResult(True, f"changed {event.id}")
    if isinstance(command, c.DeleteEvent):
        sched.delete(command.event_id)
        return c.CommandResult(True, f"deleted {command.event_id}")
    if isinstance(command, c.ToggleEvent):
        event = sched.toggle(command.event_id)
        return c.CommandResult(True, f"{event.id} {'enabled' if event.enabled else 'disabled'}")
    if isinstance(command, c.SetTarget):
        plan = sched.set_target(command.soc, command.deadline, now_l, soc, tariff, capacity_kwh, charge_power_w)
        view = sched.target_view(now_l, tariff)
        log.info("target %d%% by %s set", command.soc, command.deadline.strftime("%Y-%m-%d %H:%M"))
        return c.CommandResult(True, view.status if view else str(plan))
    if isinstance(command, c.CancelTarget):
        return c.CommandResult(True, "target cancelled" if sched.cancel_target() else "there was no target")
    return c.CommandResult(False, f"unknown command {command!r}")
