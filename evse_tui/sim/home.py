"""The simulated home behind one meter: house, heat pump, solar and the charger, on an injected clock.

grid = house + heat pump - solar + charger AC power (W, + import). The meter channels are what clamps would
see: grid (+ import), evse (+ into the car), heatpump (+), solar (a clamp on the solar feed: - when
generating). Energies are integrated on every advance, second by second when the clock jumps further, with
the charger's energy taken from its own exact counters.

The simulated servers (Modbus, HTTP) and the engine may run in different threads: `lock` guards the home and
its Quasar, so hold it around an advance and the register accesses that belong with it.
"""

from __future__ import annotations

import math
import random
import threading
from datetime import datetime, timedelta

from evse_tui.clock import Clock
from evse_tui.drivers.base import ChannelReading
from evse_tui.sim.house import House
from evse_tui.sim.quasar import SimQuasar
from evse_tui.sim.solar import Solar

NOMINAL_VOLTAGE = 241.0
MAX_SUBSTEPS = 86_400  # a jump longer than a day is integrated in coarser steps


class SimHome:
    """The house, solar and charger behind one meter: grid = house + heat pump - solar + charger AC power."""

    def __init__(
        self,
        clock: Clock,
        house: House | None = None,
        solar: Solar | None = None,
        quasar: SimQuasar | None = None,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.house = house or House()
        self.solar = solar or Solar()
        self.quasar = quasar or SimQuasar()
        # cumulative energies since the home was created (Wh)
        self.house_wh = 0.0
        self.heatpump_wh = 0.0
        self.solar_wh = 0.0
        self.grid_import_wh = 0.0
        self.grid_export_wh = 0.0
        self.reading_seq = 0
        # powers at the last advance (W)
        self.house_w = self.heatpump_w = self.solar_w = self.evse_w = 0.0
        self.voltage = NOMINAL_VOLTAGE
        self._mono: float | None = None
        self._local: datetime | None = None
        self._evse0 = (0.0, 0.0)
        self._channels: dict[str, ChannelReading] | None = None
        jitter = random.Random(f"voltage:{self.house.seed}")
        self._jitter = [jitter.uniform(-0.4, 0.4) for _ in range(257)]

    @property
    def mono(self) -> float | None:
        """The monotonic time the home was last advanced to (None before the first advance)."""
        return self._mono

    @property
    def local(self) -> datetime | None:
        """The local wall time of the last advance."""
        return self._local

    # ---- energies for balance checks
    @property
    def evse_wh(self) -> float:
        """Net AC energy into the charger since the home was created (+ into the car)."""
        return (self.quasar.charged_wh - self._evse0[0]) - (self.quasar.discharged_wh - self._evse0[1])

    @property
    def grid_w(self) -> float:
        return self.house_w + self.heatpump_w - self.solar_w + self.evse_w

    # ---- time
    def advance(self) -> None:
        """Bring house, solar and charger up to the clock; a second call at the same time does nothing."""
        with self.lock:
            self._advance()

    def _advance(self) -> None:
        mono = self.clock.monotonic()
        if mono == self._mono:
            return
        local = self.clock.now()
        if self._mono is None:
            self.quasar.advance(mono)
            self._evse0 = (self.quasar.charged_wh, self.quasar.discharged_wh)
            self.reading_seq = 1
        elif mono > self._mono:
            q = self.quasar
            charged, discharged = q.charged_wh, q.discharged_wh
            q.advance(mono)
            evse_wh = (q.charged_wh - charged) - (q.discharged_wh - discharged)
            self._integrate(mono - self._mono, evse_wh)
            self.reading_seq += max(0, math.floor(mono) - math.floor(self._mono))
        else:
            return  # monotonic time never runs backwards; ignore a confused clock
        self._mono, self._local = mono, local
        self.house_w = self.house.power_w(local)
        self.heatpump_w = self.house.heat_pump_w(local)
        self.solar_w = self.solar.power_w(local)
        self.evse_w = self.quasar.ac_power_w
        second = local.hour * 3600 + local.minute * 60 + local.second
        self.voltage = (
            NOMINAL_VOLTAGE
            + 1.5 * math.sin(second * (2 * math.pi / 28_800))
            - 0.0005 * self.grid_w
            + self._jitter[int(mono) % 257]
        )
        self._channels = None

    def _integrate(self, dt: float, evse_wh: float) -> None:
        """Add the energy of the last `dt` seconds: the loads held at their last values, second by second."""
        if dt <= 1.0 or self._local is None:
            self._add(dt, self.house_w, self.heatpump_w, self.solar_w, evse_wh)
            return
        steps = min(MAX_SUBSTEPS, math.ceil(dt))
        step = dt / steps
        evse_step = evse_wh / steps
        house, solar, local = self.house, self.solar, self._local
        for k in range(steps):
            at = local + timedelta(seconds=k * step) if k else local
            if k:
                self._add(step, house.power_w(at), house.heat_pump_w(at), solar.power_w(at), evse_step)
            else:
                self._add(step, self.house_w, self.heatpump_w, self.solar_w, evse_step)

    def _add(self, dt: float, house_w: float, heatpump_w: float, solar_w: float, evse_wh: float) -> None:
        hours = dt / 3600.0
        house_wh, heatpump_wh, solar_wh = house_w * hours, heatpump_w * hours, solar_w * hours
        self.house_wh += house_wh
        self.heatpump_wh += heatpump_wh
        self.solar_wh += solar_wh
        grid_wh = house_wh + heatpump_wh - solar_wh + evse_wh
        if grid_wh >= 0:
            self.grid_import_wh += grid_wh
        else:
            self.grid_export_wh -= grid_wh

    # ---- what the meter shows
    def channels(self) -> dict[str, ChannelReading]:
        """The four clamps as a meter reads them now (call `advance` first)."""
        with self.lock:
            return dict(self._readings())

    def _readings(self) -> dict[str, ChannelReading]:
        if self._channels is None:
            q = self.quasar
            v = round(self.voltage, 1)
            grid_w = self.grid_w
            evse_w = self.evse_w
            self._channels = {
                "grid": ChannelReading(
                    grid_w, _pf(grid_w, 0.97, 300.0), v, self.grid_import_wh, self.grid_export_wh
                ),
                "evse": ChannelReading(
                    evse_w, 0.99 if abs(q.actual_current) >= 1 else 0.35, v, q.charged_wh, q.discharged_wh
                ),
                "heatpump": ChannelReading(
                    self.heatpump_w, 0.93 if self.heatpump_w > 100 else 0.45, v, self.heatpump_wh, 0.0
                ),
                "solar": ChannelReading(-self.solar_w, _pf(self.solar_w, 0.99, 100.0), v, 0.0, self.solar_wh),
            }
        return self._channels


def _pf(watts: float, full: float, knee_w: float) -> float:
    """A clamp's power factor: near `full` for a real load, falling away for small ones (0 at no load)."""
    size = abs(watts)
    return full if size >= knee_w else round(full * size / knee_w, 2)
