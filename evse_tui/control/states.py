"""Control states (what the engine allows) and charger states (what the Quasar reports)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ControlState(StrEnum):
    DORMANT = "DORMANT"
    CHARGE = "CHARGE"
    DISCHARGE = "DISCHARGE"
    LOAD_FOLLOW_CHARGE = "LOAD_FOLLOW_CHARGE"
    LOAD_FOLLOW_DISCHARGE = "LOAD_FOLLOW_DISCHARGE"
    LOAD_FOLLOW_BIDIRECTIONAL = "LOAD_FOLLOW_BIDIRECTIONAL"


class ChargerState(IntEnum):
    """Values of the Quasar's register 0x219."""

    DISCONNECTED = 0
    CHARGING = 1
    WAITING_FOR_CAR_DEMAND = 2
    WAITING_FOR_SCHEDULE = 3
    PAUSED = 4
    END_OF_SCHEDULE = 5
    LOCKED = 6
    ERROR = 7
    POWER_SHARING_1 = 8
    POWER_SHARING_2 = 9
    POWER_DEMAND_TOO_HIGH = 10
    DISCHARGING = 11


_NAMES = {
    0: "DISCONNECTED",
    1: "CHARGING",
    2: "WAITING (car demand)",
    3: "WAITING (schedule)",
    4: "PAUSED",
    5: "END OF SCHEDULE",
    6: "LOCKED",
    7: "ERROR / WAITING",
    8: "POWER SHARING",
    9: "POWER SHARING",
    10: "POWER DEMAND TOO HIGH",
    11: "DISCHARGING",
}

COMMS_FAILURE = "COMMS FAILURE"


def charger_state_name(code: int | None) -> str:
    """A name for any register value; unknown values are shown, never treated as failures."""
    if code is None:
        return "UNKNOWN"
    return _NAMES.get(code, f"unknown ({code})")


def is_running(code: int | None) -> bool:
    return code in (ChargerState.CHARGING, ChargerState.DISCHARGING)
