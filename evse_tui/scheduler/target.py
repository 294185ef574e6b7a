"""The owner's one "reach N % by a time" target: its state, when it charges, and when it ends.

Until the plan's first cheap slot the normal mode runs. Inside a chosen slot the target asks for
CHARGE. Once a slot has started it is kept to its end (unless the target is reached) even if a
re-plan would drop it, so small SoC or estimate changes never make charging flap. A target that
cannot be met charges at full power at once and keeps doing so (it does not flip back to planning
when an estimate wobbles).

From the plan's start until the deadline, discharging is forbidden while the SoC is at or below the
target. Reaching the target is logged and ends the charging, but the target is kept (holding the
car at or above it, with no discharging below it) until the deadline, when it ends and is logged: an
owner who asked for 80 % at 07:30 wants 80 % at 07:30, not 80 % at 03:10 and 76 % by breakfast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from evse_tui.control.states import ControlState
from evse_tui.engine.snapshot import TargetView
from evse_tui.scheduler.events import ScheduleError, utc
from evse_tui.scheduler.planner import MAX_HORIZON, TargetPlan, goal_soc, plan_target, when_text
from evse_tui.tariffs.base import Decision, Tariff

log = logging.getLogger(__name__)

REARM_BELOW = 2  # a reached target charges again only if the SoC falls this many % below it
RESTATE_SHARE = 0.03  # capacity or charge power is re-recorded (and re-planned) when it moves this much


def _moved(new: float, recorded: float) -> bool:
    """True for a real change of an estimate, not the wobble of the mains voltage from second to second."""
    return new > 0 and abs(new - recorded) > RESTATE_SHARE * recorded


@dataclass(frozen=True, slots=True)
class SocTarget:
    """What is persisted about the target; the plan itself is recomputed from it."""

    soc: int
    deadline: datetime
    set_at: datetime
    last_soc: float | None = None
    capacity_kwh: float = 40.0
    charge_power_w: float = 6624.0
    committed_until: datetime | None = None  # end of the slot that started charging
    rushing: bool = False  # cannot be met: charging at full power until reached or the deadline
    reached_at: datetime | None = None  # when the SoC first reached the target


def check_target(soc: int, deadline: datetime, now: datetime, current_soc: float | None) -> None:
    """Raise ScheduleError for a target the owner cannot mean."""
    if isinstance(soc, bool) or not isinstance(soc, int):
        raise ScheduleError(f"the target must be a whole percentage, not {soc!r}")
    if soc > 100:
        raise ScheduleError(f"a target of {soc}% is above 100%")
    if soc < 1:
        raise ScheduleError(f"a target of {soc}% is below 1%")
    if deadline.tzinfo is None:
        raise ScheduleError(f"the deadline {deadline.isoformat()} has no time zone")
    if utc(deadline) <= utc(now):
        raise ScheduleError(f"the deadline {deadline:%Y-%m-%d %H:%M} is in the past")
    if utc(deadline) - utc(now) > MAX_HORIZON:
        raise ScheduleError(f"the deadline {deadline:%Y-%m-%d %H:%M} is more than 7 days ahead")
    if current_soc is not None and soc <= current_soc:
        raise ScheduleError(f"a target of {soc}% is not above the current SoC of {current_soc:.0f}%")


class TargetKeeper:
    """Holds the target and answers the engine's questions about it; `save` persists a change."""

    def __init__(self, state: SocTarget | None, save: Callable[[], None], notify: Callable[[str], None]) -> None:
        self.state = state
        self._save = save
        self._notify = notify
        self._cache_key: tuple | None = None
        self._cache_plan: TargetPlan | None = None
        self.last_plan: TargetPlan | None = None

    # -- owner requests

    def set(
        self,
        soc: int,
        deadline: datetime,
        now: datetime,
        current_soc: float | None,
        tariff: Tariff,
        capacity_kwh: float,
        charge_power_w: float,
    ) -> TargetPlan:
        check_target(soc, deadline, now, current_soc)
        if capacity_kwh <= 0 or charge_power_w <= 0:
            raise ScheduleError(
                f"cannot plan with a capacity of {capacity_kwh} kWh and {charge_power_w} W of charge power"
            )
        self.state = SocTarget(soc, deadline.astimezone(now.tzinfo), now, current_soc, capacity_kwh, charge_power_w)
        plan = self._plan(now, tariff)
        if plan.charge_now:
            self.state = replace(self.state, rushing=True)
        self._save()
        log.info("%s", plan.message)
        return plan

    def cancel(self) -> bool:
        if self.state is None:
            return False
        log.info("target %d%% by %s cancelled by the owner", self.state.soc, f"{self.state.deadline:%H:%M}")
        self._end()
        return True

    # -- engine questions

    def decision(
        self, now: datetime, soc: float | None, tariff: Tariff, capacity_kwh: float, charge_power_w: float
    ) -> Decision | None:
        if not self._still_active(now, soc):
            return None
        state = self.state
        assert state is not None
        if _moved(capacity_kwh, state.capacity_kwh) or _moved(charge_power_w, state.charge_power_w):
            self._update(capacity_kwh=capacity_kwh, charge_power_w=charge_power_w)
        state = self.state
        assert state is not None
        level, goal = state.last_soc, goal_soc(state.soc)
        if level is None:
            return None
        label = f"target {state.soc}% by {when_text(state.deadline, now)}"
        if level >= goal:
            if state.reached_at is None:
                self._update(reached_at=now, committed_until=None, rushing=False)
                self._notify(f"{label} reached at {now:%H:%M} (SoC {level:.0f}%); no discharging below it until then")
            return None
        if state.reached_at is not None:
            if level > goal - REARM_BELOW:
                return None
            self._update(reached_at=None)
        plan = self._plan(now, tariff)
        if state.rushing or plan.charge_now:
            if not state.rushing:
                self._update(rushing=True)
                self._notify(plan.message)
            by = when_text(state.deadline, now)
            reason = f"target {state.soc}% cannot be met by {by}: charging at full power now"
            return Decision(ControlState.CHARGE, None, None, reason)
        committed = state.committed_until
        if committed is not None and utc(now) < utc(committed):
            return Decision(ControlState.CHARGE, None, None, f"{label}: charging until {committed:%H:%M}")
        slot = plan.slot_at(now)
        if slot is None:
            return None
        self._update(committed_until=slot.end)
        reason = f"{label}: cheap slot {slot.start:%H:%M}-{slot.end:%H:%M} at {slot.import_p:g}p"
        return Decision(ControlState.CHARGE, None, None, reason)

    def forbids_discharge(self, now: datetime, soc: float | None) -> bool:
        state = self.state
        if state is None or utc(now) >= utc(state.deadline):
            return False
        level = soc if soc is not None else state.last_soc
        if level is not None and level > goal_soc(state.soc):
            return False
        if state.rushing or state.reached_at is not None or level is None or self.last_plan is None:
            return True
        start = self.last_plan.start
        return start is None or utc(now) >= utc(start)

    def view(self, now: datetime, tariff: Tariff) -> TargetView | None:
        state = self.state
        if state is None:
            return None
        plan = self._plan(now, tariff)
        by = when_text(state.deadline, now)
        if state.reached_at is not None:
            status = f"reached at {state.reached_at:%H:%M}; no discharging below {state.soc}% until {by}"
            return TargetView(state.soc, state.deadline, None, None, status)
        if state.rushing:
            status = f"cannot be met by {by}: charging at full power now"
        elif state.committed_until is not None and utc(now) < utc(state.committed_until):
            status = f"charging now: {plan.status}"
        else:
            status = plan.status
        return TargetView(state.soc, state.deadline, plan.start, plan.expected_cost_p, status)

    # -- inside

    def _still_active(self, now: datetime, soc: float | None) -> bool:
        """False (and the target ended) once the deadline has come; records a new SoC."""
        state = self.state
        if state is None:
            return False
        if utc(now) >= utc(state.deadline):
            level = soc if soc is not None else state.last_soc
            words = "unknown" if level is None else f"{level:.0f}%"
            self._notify(f"target {state.soc}% by {state.deadline:%H:%M} ended at the deadline, SoC {words}")
            self._end()
            return False
        if soc is not None and soc != state.last_soc:
            self._update(last_soc=soc)
        return True

    def _plan(self, now: datetime, tariff: Tariff) -> TargetPlan:
        state = self.state
        assert state is not None
        key = (utc(now).replace(second=0, microsecond=0), state, id(tariff))
        if key != self._cache_key or self._cache_plan is None:
            self._cache_plan = plan_target(
                now, state.last_soc, state.soc, state.deadline, tariff, state.capacity_kwh, state.charge_power_w
            )
            self._cache_key = key
        self.last_plan = self._cache_plan
        return self._cache_plan

    def _update(self, **changes: object) -> None:
        assert self.state is not None
        new = replace(self.state, **changes)
        if new != self.state:
            self.state = new
            self._save()

    def _end(self) -> None:
        self.state = None
        self.last_plan = None
        self._cache_key = self._cache_plan = None
        self._save()
