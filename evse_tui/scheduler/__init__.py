"""Scheduled mode changes and the "reach N % by a time" target: pure rules, persistence, console words."""

from evse_tui.scheduler.events import Firing, ScheduledEvent, ScheduleError
from evse_tui.scheduler.planner import TargetPlan, battery_charge_power_w, plan_target, usable_capacity_kwh
from evse_tui.scheduler.service import Scheduler
from evse_tui.scheduler.words import format_schedule, format_target, is_schedule_word, parse_schedule_command

__all__ = [
    "Firing",
    "ScheduleError",
    "ScheduledEvent",
    "Scheduler",
    "TargetPlan",
    "battery_charge_power_w",
    "format_schedule",
    "format_target",
    "is_schedule_word",
    "parse_schedule_command",
    "plan_target",
    "usable_capacity_kwh",
]
