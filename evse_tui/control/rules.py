"""From a decision and the house's desire to the one current the charger should run at."""

from __future__ import annotations

from evse_tui.control.modes import MIN_CURRENT
from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision

FULL_SOC = 97.0
EMPTY_SOC = 5.0


def _bounds(decision: Decision, limit: int, default_min: int) -> tuple[int, int]:
    """(min, max) magnitudes for one direction, within the hardware minimum and the owner's limit."""
    high = limit if decision.max_current is None else min(decision.max_current, limit)
    low = default_min if decision.min_current is None else decision.min_current
    low = max(MIN_CURRENT, min(low, high))
    return low, max(high, low)


def target_current(
    decision: Decision,
    desired: int,
    soc: float | None,
    max_charge: int,
    max_discharge: int,
) -> int:
    """The signed target current (A) for a decision, the demand levels' `desired` current and the SoC."""
    state = decision.state
    if state is ControlState.DORMANT:
        target = 0
    elif state is ControlState.CHARGE:
        low, high = _bounds(decision, max_charge, default_min=max_charge)
        target = min(max(desired, low), high)
    elif state is ControlState.DISCHARGE:
        low, high = _bounds(decision, max_discharge, default_min=max_discharge)
        target = -min(max(-desired, low), high)
    elif state is ControlState.LOAD_FOLLOW_CHARGE:
        low, high = _bounds(decision, max_charge, default_min=MIN_CURRENT)
        target = 0 if desired < low else min(desired, high)
    elif state is ControlState.LOAD_FOLLOW_DISCHARGE:
        low, high = _bounds(decision, max_discharge, default_min=MIN_CURRENT)
        target = 0 if -desired < low else -min(-desired, high)
    else:  # LOAD_FOLLOW_BIDIRECTIONAL: a dead band between -min and +min
        if desired > 0:
            low, high = _bounds(decision, max_charge, default_min=MIN_CURRENT)
            target = 0 if desired < low else min(desired, high)
        else:
            low, high = _bounds(decision, max_discharge, default_min=MIN_CURRENT)
            target = 0 if -desired < low else -min(-desired, high)
    if soc is not None:
        if target > 0 and soc >= FULL_SOC:
            target = 0
        if target < 0 and soc <= EMPTY_SOC:
            target = 0
    return target


def soc_unknown_decision() -> Decision:
    """SMART cannot decide without a SoC; the Quasar reports it only while running, so run gently."""
    return Decision(
        ControlState.CHARGE, MIN_CURRENT, MIN_CURRENT, f"SoC unknown: charging at {MIN_CURRENT} A until the car reports it"
    )
