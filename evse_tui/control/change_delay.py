"""How long the Quasar needs after a change before it accepts the next one (learned on real hardware)."""

from __future__ import annotations

from dataclasses import dataclass

FROM_ZERO_S = 21.9
SMALL_STEP_S = 5.9  # |change| <= 1 A
MEDIUM_STEP_S = 7.9  # |change| <= 2 A
LARGE_STEP_S = 10.9


def change_delay(from_amps: int, to_amps: int) -> float:
    """Seconds to wait after changing the current from `from_amps` to `to_amps`."""
    if from_amps == 0:
        return FROM_ZERO_S
    step = abs(to_amps - from_amps)
    if step <= 1:
        return SMALL_STEP_S
    if step <= 2:
        return MEDIUM_STEP_S
    return LARGE_STEP_S


@dataclass(frozen=True, slots=True)
class ChangeGate:
    """When the charger accepts its next change.

    The delay after a change is read both ways, so neither reading of the hardware rule is broken:
    the next change waits for the delay of the change just made *and* for its own delay.
    """

    changed_at: float = float("-inf")  # monotonic time of the last change
    delay: float = 0.0  # the delay that change imposed

    def after_change(self, now: float, from_amps: int, to_amps: int) -> ChangeGate:
        return ChangeGate(now, change_delay(from_amps, to_amps))

    def allowed_at(self, from_amps: int, to_amps: int) -> float:
        return self.changed_at + max(self.delay, change_delay(from_amps, to_amps))

    def wait_s(self, now: float, from_amps: int | None = None, to_amps: int | None = None) -> float:
        """Seconds until a change is allowed (the given one, or any change when none is given)."""
        if from_amps is None or to_amps is None:
            return max(0.0, self.changed_at + self.delay - now)
        return max(0.0, self.allowed_at(from_amps, to_amps) - now)

    def allows(self, now: float, from_amps: int, to_amps: int) -> bool:
        return now >= self.allowed_at(from_amps, to_amps)
