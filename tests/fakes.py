"""Small scripted devices for engine tests: the test sets what they report and reads what was commanded."""

from __future__ import annotations

from dataclasses import replace

from evse_tui.control.states import ChargerState
from evse_tui.drivers.base import Charger, ChargerError, ChargerStatus, ChannelReading, MeterReading, PowerMonitor


class FakeCharger(Charger):
    def __init__(self, clock, state: int = ChargerState.PAUSED, soc: float | None = 50.0) -> None:
        self.clock = clock
        self.commands: list[tuple[float, int]] = []  # (monotonic time, amps)
        self.fail = False
        self._status = ChargerStatus(state=state, soc=soc, soc_time=0.0 if soc is not None else None, poll_time=0.0)

    def set(self, **changes) -> None:
        self._status = replace(self._status, **changes)

    def status(self) -> ChargerStatus:
        return replace(self._status, poll_time=self.clock.monotonic())

    def set_current(self, amps: int) -> None:
        if self.fail:
            raise ChargerError("timeout (scripted)")
        self.commands.append((self.clock.monotonic(), amps))
        state = ChargerState.PAUSED if amps == 0 else (ChargerState.CHARGING if amps > 0 else ChargerState.DISCHARGING)
        if self._status.state == ChargerState.DISCONNECTED:
            state = ChargerState.DISCONNECTED
        self._status = replace(self._status, setpoint=amps, state=state)

    @property
    def amps(self) -> list[int]:
        return [a for _, a in self.commands]


class FakeMonitor(PowerMonitor):
    """Produces a new reading on every latest() call unless frozen; grid = house + EVSE."""

    def __init__(self, clock, charger: FakeCharger, house_w: float = 500.0, voltage: float = 240.0) -> None:
        self.clock = clock
        self.charger = charger
        self.house_w = house_w
        self.voltage = voltage
        self.frozen = False
        self._seq = 0
        self._last: MeterReading | None = None
        self._last_second: int | None = None

    def latest(self) -> MeterReading | None:
        second = int(self.clock.monotonic())
        if self.frozen or second == self._last_second:
            return self._last
        self._last_second = second
        self._seq += 1
        status = self.charger._status
        running = status.state in (ChargerState.CHARGING, ChargerState.DISCHARGING)
        evse_w = status.setpoint * self.voltage if running else 13.0
        self._last = MeterReading(
            seq=self._seq,
            time=self.clock.now().timestamp(),
            mono=self.clock.monotonic(),
            grid=ChannelReading(self.house_w + evse_w, 0.98, self.voltage),
            evse=ChannelReading(evse_w, 0.99, self.voltage),
        )
        return self._last

    def last_error(self) -> str | None:
        return "timeout (scripted)" if self.frozen else None
