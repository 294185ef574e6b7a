"""In-process simulated devices behind the engine's charger and power-monitor interfaces.

SimCharger speaks to the SimQuasar through the same register sequences as the Modbus driver, and
SimPowerMonitor reads the SimHome's clamps; both have switches to inject the failures the engine must survive.
"""

from __future__ import annotations

from dataclasses import replace

from evse_tui.clock import Clock
from evse_tui.drivers.base import Charger, ChargerError, ChargerStatus, Listener, MeterReading, PowerMonitor
from evse_tui.sim import registers as reg
from evse_tui.sim.home import SimHome
from evse_tui.sim.house import House
from evse_tui.sim.quasar import SimQuasar, SimRegisterError
from evse_tui.sim.solar import Solar

COMMS_FAILURE_POLLS = 10
SOC_VALID = (5, 100)


class SimCharger(Charger):
    """The simulated Quasar as the engine sees a charger; polls happen inside `status()`."""

    def __init__(self, home: SimHome) -> None:
        self.home = home
        self.fail_polls = False  # every poll fails (the Modbus module stopped answering)
        self.fail_writes = False  # every command fails after taking the lockout
        self._status = ChargerStatus()
        self._listener: Listener | None = None

    def start(self, listener: Listener | None = None) -> None:
        self._listener = listener

    def status(self) -> ChargerStatus:
        last = self._status
        if self.fail_polls:
            failures = last.failures + 1
            self._status = replace(
                last,
                failures=failures,
                comms_failure=failures >= COMMS_FAILURE_POLLS,
                error="no answer from the charger (simulated)",
            )
            return self._status
        with self.home.lock:
            self.home.advance()
            self._status = self._poll(last)
        return self._status

    def _poll(self, last: ChargerStatus) -> ChargerStatus:
        q = self.home.quasar
        mono = self.home.clock.monotonic()
        soc, soc_time = last.soc, last.soc_time
        raw_soc = q.read_register(reg.SOC)
        if SOC_VALID[0] <= raw_soc <= SOC_VALID[1]:
            soc, soc_time = float(raw_soc), mono
        return ChargerStatus(
            state=q.read_register(reg.STATE),
            soc=soc,
            soc_time=soc_time,
            setpoint=reg.from_twos(q.read_register(reg.SETPOINT)),
            power_w=float(reg.from_twos(q.read_register(reg.AC_POWER))),
            poll_time=mono,
        )

    def set_current(self, amps: int) -> None:
        """stop: 0x51=1, 0x101=2, 0x102=0, 0x51=0; set I: 0x51=1, 0x102=twos(I), 0x101=1, 0x51=0."""
        if not -reg.MAX_AMPS <= amps <= reg.MAX_AMPS:
            raise ChargerError(f"{amps} A is outside -{reg.MAX_AMPS}..{reg.MAX_AMPS} A")
        with self.home.lock:
            self.home.advance()
            self._write_sequence(amps)

    def _write_sequence(self, amps: int) -> None:
        q = self.home.quasar
        try:
            q.write_register(reg.LOCKOUT, 1)
            if self.fail_writes:
                raise ChargerError(f"setting {amps} A failed: no answer from the charger (simulated)")
            if amps == 0:
                q.write_register(reg.ACTION, reg.ACTION_STOP)
                q.write_register(reg.SETPOINT, 0)
            else:
                q.write_register(reg.SETPOINT, reg.to_twos(amps))
                q.write_register(reg.ACTION, reg.ACTION_START)
        except SimRegisterError as exc:
            raise ChargerError(f"setting {amps} A failed: {exc}") from exc
        finally:
            q.write_register(reg.LOCKOUT, 0)

    def close(self) -> None:
        self._listener = None


class SimPowerMonitor(PowerMonitor):
    """The simulated home's meter: one new reading per simulated second."""

    def __init__(self, home: SimHome, evse_metered: bool = True) -> None:
        self.home = home
        self.evse_metered = evse_metered
        self.frozen = False  # the meter stops answering: no new readings, last_error() says why
        self._latest: MeterReading | None = None
        self._listener: Listener | None = None

    def start(self, listener: Listener | None = None) -> None:
        self._listener = listener

    def latest(self) -> MeterReading | None:
        if self.frozen:
            if self._latest is None:
                return None
            return replace(self._latest, error=self.last_error())
        home = self.home
        with home.lock:
            home.advance()
            if self._latest is not None and self._latest.seq == home.reading_seq:
                return self._latest
            channels = home.channels()
            seq, mono, local = home.reading_seq, home.mono, home.local
        self._latest = MeterReading(
            seq=seq,
            time=local.timestamp(),
            mono=mono,
            grid=channels["grid"],
            evse=channels["evse"] if self.evse_metered else None,
            aux=(("heatpump", channels["heatpump"]), ("solar", channels["solar"])),
        )
        return self._latest

    def last_error(self) -> str | None:
        return "timeout (simulated)" if self.frozen else None

    def close(self) -> None:
        self._listener = None


def build_demo_home(clock: Clock, seed: int = 1, soc: float = 55.0, weather: str = "clear") -> SimHome:
    """A 4 kWp home with a heat pump and a 40 kWh car on a Quasar, plugged in and paused."""
    return SimHome(clock, House(seed), Solar(4.0, weather, seed), SimQuasar(soc=soc))
