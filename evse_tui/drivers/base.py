"""The two device interfaces the engine sees: a charger and a power monitor.

Real drivers (Modbus Quasar, HTTP Shelly) and the simulated devices implement these, so the demo
exercises the same engine as a real home.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

Listener = Callable[[], None]


class ChargerError(Exception):
    """A command could not be delivered to the charger (the message says why)."""


@dataclass(frozen=True, slots=True)
class ChargerStatus:
    """What the charger last told us. `state` is the raw 0x219 value (None before the first poll)."""

    state: int | None = None
    soc: float | None = None  # %, last value in 5..100
    soc_time: float | None = None  # monotonic time the SoC was last read valid
    setpoint: int = 0  # signed A held in 0x102
    power_w: float | None = None  # 0x20E where the firmware has it
    poll_time: float | None = None  # monotonic time of the last successful poll
    failures: int = 0  # consecutive failed polls
    comms_failure: bool = False  # failures reached the limit (10)
    error: str | None = None  # reason of the last failure, for the screen and the log


@dataclass(frozen=True, slots=True)
class ChannelReading:
    power_w: float
    pf: float | None = None
    voltage: float | None = None
    import_wh: float | None = None  # cumulative, as the meter counts it
    export_wh: float | None = None


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One grid reading with the other channels; `time` is wall-clock epoch seconds, `mono` monotonic."""

    seq: int  # increases with every new reading, so the engine can tell new from repeated
    time: float
    mono: float
    grid: ChannelReading
    evse: ChannelReading | None = None  # None: the EVSE is not metered and is modelled instead
    aux: tuple[tuple[str, ChannelReading], ...] = ()
    error: str | None = None  # why the newest poll failed (the reading itself is then older)


class Charger(ABC):
    """A bidirectional charger driven by a signed current."""

    @abstractmethod
    def status(self) -> ChargerStatus:
        """The latest status; never blocks on the device."""

    @abstractmethod
    def set_current(self, amps: int) -> None:
        """Command a signed current (0 = stop and pause). Raises ChargerError on failure.

        Control is always handed back to the owner's app afterwards, also on failure.
        """

    def start(self, listener: Listener | None = None) -> None:
        """Begin polling; `listener` is called after each poll so the engine can wake."""

    def close(self) -> None:
        """Stop polling and release the connection."""


class PowerMonitor(ABC):
    """One or two energy meters seen as a grid channel, an optional EVSE channel and named extras."""

    @abstractmethod
    def latest(self) -> MeterReading | None:
        """The newest good reading (None before the first); never blocks on the device."""

    def last_error(self) -> str | None:
        """Why the newest poll failed, or None when it succeeded."""
        return None

    def start(self, listener: Listener | None = None) -> None:
        """Begin polling; `listener` is called after each new reading."""

    def close(self) -> None:
        """Stop polling."""
