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
    """When the next change is allowed (monotonic seconds), given the last change made."""

    allowed_at: float = float("-inf")

    def after_change(self, now: float, from_amps: int, to_amps: int) -> ChangeGate:
        return ChangeGate(now + change_delay(from_amps, to_amps))

    def wait_s(self, now: float) -> float:
        return max(0.0, self.allowed_at - now)

    def allows(self, now: float) -> bool:
        return now >= self.allowed_at
