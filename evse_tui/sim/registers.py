"""The Quasar's Modbus holding registers as the simulation serves them, and 16-bit signed encoding."""

from __future__ import annotations

LOCKOUT = 0x51  # 1 = remote (Modbus) control, 0 = the owner's app
IDLE_TIMEOUT = 0x58  # seconds without a write before the charger stops itself (0 = off)
ACTION = 0x101  # 1 = start, 2 = stop (pause)
SETPOINT = 0x102  # signed amps, two's complement
AC_POWER = 0x20E  # signed W, two's complement
STATE = 0x219  # charger state (ChargerState values)
SOC = 0x21A  # % while (dis)charging, 0 otherwise

ACTION_START = 1
ACTION_STOP = 2
MAX_AMPS = 32

READABLE = frozenset({LOCKOUT, IDLE_TIMEOUT, ACTION, SETPOINT, AC_POWER, STATE, SOC})
WRITABLE = frozenset({LOCKOUT, IDLE_TIMEOUT, ACTION, SETPOINT})


def to_twos(value: int) -> int:
    """A signed value in -32768..32767 as the unsigned 16-bit register holds it (-10 -> 65526)."""
    if not -0x8000 <= value <= 0x7FFF:
        raise ValueError(f"{value} does not fit a signed 16-bit register")
    return value & 0xFFFF


def from_twos(raw: int) -> int:
    """The signed value of an unsigned 16-bit register (65526 -> -10)."""
    if not 0 <= raw <= 0xFFFF:
        raise ValueError(f"{raw} is not a 16-bit register value")
    return raw - 0x10000 if raw & 0x8000 else raw


def clamp16(value: float) -> int:
    """Round a signed reading and clamp it to what a signed 16-bit register can report."""
    return max(-0x8000, min(0x7FFF, round(value)))
