"""A register-level Wallbox Quasar with the car's battery behind it, on an injected monotonic time.

Time only moves through `advance(now)`; register writes take effect at the time of the last advance, so a
caller (the Modbus server, the in-process SimCharger) advances first and then writes.

Behaviour modelled on the real charger:
- a start (0x101 = 1) lets current flow only after `start_delay_s`; until then the state is WAITING (2);
- current ramps linearly to each new target over `ramp_s` (from 0 at the start, through 0 on a reversal);
- a stop (0x101 = 2) pauses at once: PAUSED (4), 0 A, whatever 0x102 holds;
- the car stops taking current at 97 % and giving it at 5 %: 0 A and WAITING FOR CAR DEMAND (2) while the
  setpoint asks for the blocked direction; a setpoint the other way flows again (after the ramp);
- a started charger with setpoint 0 also waits (2) with 0 A;
- unplugged is DISCONNECTED (0); plugging in gives PAUSED until the next start;
- 0x21A reports the SoC only while current flows, 0 otherwise;
- 0x101/0x102 writes are refused while the lockout 0x51 is 0;
- with a non-zero idle timeout (0x58) a started charger pauses itself when no write arrived for that long.
The AC side draws `standby_w` (about 13 W) for the electronics at all times, plus current x voltage.
"""

from __future__ import annotations

from evse_tui.control.states import ChargerState
from evse_tui.sim import registers as reg
from evse_tui.sim.battery import Battery

MAX_STEPS_PER_ADVANCE = 10_000_000  # a bound on the event loop; never reached in practice


class SimRegisterError(Exception):
    """A register access the charger refuses (the Modbus server answers it with an exception code)."""


class SimQuasar:
    """Register-level model of a Wallbox Quasar with its car battery."""

    def __init__(
        self,
        capacity_kwh: float = 40.0,
        soc: float = 55.0,
        efficiency: float = 0.9,
        start_delay_s: float = 12.0,
        ramp_s: float = 3.0,
        voltage: float = 240.0,
        plugged: bool = True,
        standby_w: float = 13.0,
    ) -> None:
        if start_delay_s < 0 or ramp_s < 0:
            raise ValueError("start delay and ramp time must not be negative")
        self.battery = Battery(capacity_kwh, soc, efficiency)
        self.start_delay_s = start_delay_s
        self.ramp_s = ramp_s
        self.voltage = voltage
        self.standby_w = standby_w
        self.plugged = plugged
        self.charged_wh = 0.0  # cumulative AC energy into the charger (including its standby draw)
        self.discharged_wh = 0.0  # cumulative AC energy out of the charger
        self.lockout = 0
        self.action = reg.ACTION_STOP
        self.setpoint = 0  # signed A as held in 0x102
        self.idle_timeout_s = 0
        self._t = 0.0
        self._clock_set = False  # until the first advance, times are relative to 0
        self._started = False
        self._flow_at: float | None = None  # when current may start flowing after a start
        self._last_write = 0.0
        # the current is linear from (r_t0, r_i0) to (r_t1, r_i1), constant after r_t1
        self._r_t0 = self._r_t1 = 0.0
        self._r_i0 = self._r_i1 = 0.0

    # ---- what the simulation always knows
    @property
    def soc(self) -> float:
        return self.battery.soc

    @soc.setter
    def soc(self, value: float) -> None:
        self.battery.soc = value

    @property
    def now(self) -> float:
        """The monotonic time the model has been advanced to."""
        return self._t

    @property
    def actual_current(self) -> float:
        return self._current_at(self._t)

    @property
    def ac_power_w(self) -> float:
        return self.standby_w + self.actual_current * self.voltage

    @property
    def state(self) -> int:
        if not self.plugged:
            return ChargerState.DISCONNECTED
        if not self._started:
            return ChargerState.PAUSED
        current = self.actual_current
        if current > 0:
            return ChargerState.CHARGING
        if current < 0:
            return ChargerState.DISCHARGING
        return ChargerState.WAITING_FOR_CAR_DEMAND

    # ---- the cable
    def plug(self) -> None:
        self.plugged = True

    def unplug(self) -> None:
        self._stop()
        self.plugged = False

    # ---- registers
    def read_register(self, address: int) -> int:
        if address == reg.STATE:
            return int(self.state)
        if address == reg.SOC:
            return round(self.battery.soc) if self.state in (ChargerState.CHARGING, ChargerState.DISCHARGING) else 0
        if address == reg.AC_POWER:
            return reg.to_twos(reg.clamp16(self.ac_power_w))
        if address == reg.SETPOINT:
            return reg.to_twos(self.setpoint)
        if address == reg.ACTION:
            return self.action
        if address == reg.LOCKOUT:
            return self.lockout
        if address == reg.IDLE_TIMEOUT:
            return self.idle_timeout_s
        raise SimRegisterError(f"register 0x{address:X} is not readable")

    def write_register(self, address: int, value: int) -> None:
        if address not in reg.WRITABLE:
            raise SimRegisterError(f"register 0x{address:X} is not writable")
        if not 0 <= value <= 0xFFFF:
            raise SimRegisterError(f"{value} is not a 16-bit register value")
        if address in (reg.ACTION, reg.SETPOINT) and self.lockout != 1:
            raise SimRegisterError(f"register 0x{address:X} refused: remote control is locked out (0x51 = 0)")
        if address == reg.LOCKOUT:
            if value not in (0, 1):
                raise SimRegisterError(f"lockout must be 0 or 1, not {value}")
            self.lockout = value
        elif address == reg.IDLE_TIMEOUT:
            self.idle_timeout_s = value
        elif address == reg.SETPOINT:
            amps = reg.from_twos(value)
            if not -reg.MAX_AMPS <= amps <= reg.MAX_AMPS:
                raise SimRegisterError(f"setpoint {amps} A is outside -{reg.MAX_AMPS}..{reg.MAX_AMPS} A")
            self.setpoint = amps
            if self._flowing:
                self._ramp_to(self._target())
        else:
            if value not in (reg.ACTION_START, reg.ACTION_STOP):
                raise SimRegisterError(f"action must be 1 (start) or 2 (stop), not {value}")
            self.action = value
            if value == reg.ACTION_STOP:
                self._stop()
            elif self.plugged and not self._started:
                self._started = True
                self._flow_at = self._t + self.start_delay_s
                if self.start_delay_s == 0:
                    self._begin_flow()
        self._last_write = self._t

    # ---- time
    def advance(self, now: float) -> None:
        """Integrate the battery and the energy counters up to monotonic time `now`."""
        if not self._clock_set:
            self._clock_set = True
            self._shift_times(now - self._t)
            self._t = now
            return
        for _ in range(MAX_STEPS_PER_ADVANCE):
            self._handle_events()
            if self._t >= now:
                break
            end = min(now, self._next_event())
            self._integrate(end)

    # ---- internals
    @property
    def _flowing(self) -> bool:
        return self._started and self._flow_at is None

    def _shift_times(self, offset: float) -> None:
        self._r_t0 += offset
        self._r_t1 += offset
        self._last_write += offset
        if self._flow_at is not None:
            self._flow_at += offset

    def _current_at(self, t: float) -> float:
        if t >= self._r_t1:
            return self._r_i1
        if t <= self._r_t0:
            return self._r_i0
        return self._r_i0 + (self._r_i1 - self._r_i0) * (t - self._r_t0) / (self._r_t1 - self._r_t0)

    def _set_current(self, amps: float) -> None:
        self._r_t0 = self._r_t1 = self._t
        self._r_i0 = self._r_i1 = amps

    def _target(self) -> float:
        """The current the charger heads for now: the setpoint unless paused, waiting or blocked by the car."""
        if not (self.plugged and self._flowing) or self.battery.blocks(self.setpoint):
            return 0.0
        return float(self.setpoint)

    def _ramp_to(self, target: float) -> None:
        if target == self._r_i1:
            return  # already there or on the way
        current = self._current_at(self._t)
        if self.ramp_s == 0:
            self._set_current(target)
            return
        self._r_t0, self._r_i0 = self._t, current
        self._r_t1, self._r_i1 = self._t + self.ramp_s, target

    def _begin_flow(self) -> None:
        self._flow_at = None
        self._set_current(0.0)
        self._ramp_to(self._target())

    def _stop(self) -> None:
        self._started = False
        self._flow_at = None
        self._set_current(0.0)

    def _handle_events(self) -> None:
        """Apply whatever falls due at the current time: the end of the start delay, the idle timeout, the
        battery's own limits."""
        t = self._t
        if self._flow_at is not None and t >= self._flow_at:
            self._begin_flow()
        if self._started and self.idle_timeout_s and t >= self._last_write + self.idle_timeout_s:
            self._stop()
        current = self._current_at(t)
        heading = current if current != 0 else (self._r_i1 if t < self._r_t1 else 0.0)
        if heading != 0 and self.battery.blocks(heading):
            self._set_current(0.0)
            self._ramp_to(self._target())

    def _next_event(self) -> float:
        """The first time after now at which the model changes its way (or must look again)."""
        t = self._t
        times = [float("inf")]
        if self._flow_at is not None:
            times.append(self._flow_at)
        if self._started and self.idle_timeout_s:
            times.append(self._last_write + self.idle_timeout_s)
        if t < self._r_t1:
            times.append(self._r_t1)
            if self._r_i0 * self._r_i1 < 0:  # the ramp reverses: split where it crosses 0 A
                times.append(self._r_t0 + (self._r_t1 - self._r_t0) * self._r_i0 / (self._r_i0 - self._r_i1))
        else:
            current = self._r_i1
            if current != 0:
                room_wh = self.battery.ac_room_wh(current > 0)
                times.append(t + room_wh * 3600.0 / (abs(current) * self.voltage))
        return min(x for x in times if x > t) if any(x > t for x in times) else float("inf")

    def _integrate(self, end: float) -> None:
        """Move from now to `end` (no event in between, current linear and of one sign)."""
        t = self._t
        i0, i1 = self._current_at(t), self._current_at(end)
        flow_wh = (i0 + i1) / 2.0 * self.voltage * (end - t) / 3600.0
        if flow_wh != 0:
            room_wh = self.battery.ac_room_wh(flow_wh > 0)
            if abs(flow_wh) >= room_wh:  # the battery reaches its limit inside this step: stop there
                fraction = room_wh / abs(flow_wh)
                end = t + (end - t) * fraction
                flow_wh *= fraction
                self.battery.apply_ac(flow_wh)
                self.battery.soc = self.battery.full_soc if flow_wh > 0 else self.battery.empty_soc
            else:
                self.battery.apply_ac(flow_wh)
        net_wh = flow_wh + self.standby_w * (end - t) / 3600.0
        if net_wh >= 0:
            self.charged_wh += net_wh
        else:
            self.discharged_wh -= net_wh
        self._t = end
