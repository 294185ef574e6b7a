"""The owner's modes, the words that select them, and the decision each mode makes on its own."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from evse_tui.control.states import ControlState
from evse_tui.tariffs.base import Decision

MIN_CURRENT = 3


class Mode(StrEnum):
    SMART = "SMART"
    CHARGE = "CHARGE"
    DISCHARGE = "DISCHARGE"
    PAUSE = "PAUSE"
    FIXED = "FIXED"
    SOLAR = "SOLAR"
    POWER_HOME = "POWER_HOME"
    BALANCE = "BALANCE"
    PAUSE_UNTIL_DISCONNECT = "PAUSE_UNTIL_DISCONNECT"


class CommandError(ValueError):
    """A mode command the owner typed that cannot be obeyed; the message says why."""


@dataclass(frozen=True, slots=True)
class ModeCommand:
    """A request to change mode; `tariff` with SMART selects a tariff, `amps` goes with FIXED."""

    mode: Mode
    amps: int | None = None
    tariff: str | None = None

    def describe(self) -> str:
        if self.mode is Mode.FIXED:
            return f"FIXED {self.amps:+d} A"
        if self.tariff:
            return f"SMART {self.tariff}"
        return self.mode.value


_WORDS: dict[str, ModeCommand] = {}
for _words, _cmd in (
    (("s", "smart"), ModeCommand(Mode.SMART)),
    (("g", "go", "octgo"), ModeCommand(Mode.SMART, tariff="OCTGO")),
    (("f", "flux"), ModeCommand(Mode.SMART, tariff="FLUX")),
    (("cosy",), ModeCommand(Mode.SMART, tariff="COSY")),
    (("c", "charge"), ModeCommand(Mode.CHARGE)),
    (("d", "discharge"), ModeCommand(Mode.DISCHARGE)),
    (("p", "pause"), ModeCommand(Mode.PAUSE)),
    (("solar", "o"), ModeCommand(Mode.SOLAR)),
    (("ph", "power-home", "power_home"), ModeCommand(Mode.POWER_HOME)),
    (("b", "balance"), ModeCommand(Mode.BALANCE)),
    (("u", "unplug"), ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT)),
):
    for _w in _words:
        _WORDS[_w] = _cmd

MODE_WORDS = tuple(_WORDS)


def parse_mode(text: str, max_charge: int, max_discharge: int) -> ModeCommand:
    """Turn a command word or a signed integer into a ModeCommand, or raise CommandError."""
    word = text.strip().lower()
    if not word:
        raise CommandError("empty command")
    if word in _WORDS:
        return _WORDS[word]
    try:
        amps = int(word)
    except ValueError:
        raise CommandError(f"unknown command {text.strip()!r}") from None
    return fixed_command(amps, max_charge, max_discharge)


def fixed_command(amps: int, max_charge: int, max_discharge: int) -> ModeCommand:
    if amps == 0:
        return ModeCommand(Mode.PAUSE)
    if amps > max_charge or amps < -max_discharge:
        raise CommandError(
            f"{amps} A is outside -{max_discharge}..{max_charge} A (the configured discharge and charge limits)"
        )
    if abs(amps) < MIN_CURRENT:
        raise CommandError(f"{amps} A is below the charger's minimum of {MIN_CURRENT} A in either direction (use 0 to pause)")
    return ModeCommand(Mode.FIXED, amps=amps)


def mode_decision(command: ModeCommand, max_charge: int, max_discharge: int) -> Decision:
    """The decision of every mode but SMART (whose decision comes from the tariff strategy)."""
    mode = command.mode
    if mode is Mode.CHARGE:
        return Decision(ControlState.CHARGE, max_charge, max_charge, f"charge at {max_charge} A")
    if mode is Mode.DISCHARGE:
        return Decision(ControlState.DISCHARGE, max_discharge, max_discharge, f"discharge at {max_discharge} A")
    if mode is Mode.FIXED and command.amps:
        amps = command.amps
        if amps > 0:
            return Decision(ControlState.CHARGE, amps, amps, f"fixed charge at {amps} A")
        return Decision(ControlState.DISCHARGE, -amps, -amps, f"fixed discharge at {-amps} A")
    if mode is Mode.SOLAR:
        return Decision(ControlState.LOAD_FOLLOW_CHARGE, MIN_CURRENT, max_charge, "solar: charge from surplus only")
    if mode is Mode.POWER_HOME:
        return Decision(
            ControlState.LOAD_FOLLOW_DISCHARGE, MIN_CURRENT, max_discharge, "power home: cover the house from the car"
        )
    if mode is Mode.BALANCE:
        return Decision(
            ControlState.LOAD_FOLLOW_BIDIRECTIONAL,
            MIN_CURRENT,
            max(max_charge, max_discharge),
            "balance: soak up surplus, cover demand",
        )
    if mode is Mode.PAUSE_UNTIL_DISCONNECT:
        return Decision(ControlState.DORMANT, reason="paused until the car is unplugged and plugged in again")
    if mode is Mode.SMART:
        raise ValueError("SMART decisions come from the tariff strategy")
    return Decision(ControlState.DORMANT, reason="paused by the owner")
