"""What the readings add up to: energy per channel, today's money, recent history and the battery's size.

The engine hands every new reading here; the half-hour ENERGY/DELTA lines and the CHANGE_SoC lines come
from here too, because they are sums over readings.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime

from evse_tui.drivers.base import ChannelReading, MeterReading
from evse_tui.engine.energy import DayLedger, EnergyBook
from evse_tui.engine.persist import HISTORY_LENGTH, SavedState
from evse_tui.engine.snapshot import HistoryPoint
from evse_tui.tariffs.base import Tariff

log = logging.getLogger("evse_tui.engine")

CHARGE_EFFICIENCY = 0.9


class MeterBook:
    def __init__(self, saved: SavedState, history: list[HistoryPoint], now_l: datetime) -> None:
        self.energy = EnergyBook.from_json(saved.energy)
        self.ledger = DayLedger.from_json(saved.day, now_l.date())
        self.wh_per_percent = saved.wh_per_percent
        self.history: deque[HistoryPoint] = deque(history, maxlen=HISTORY_LENGTH)
        self._last_mono: float | None = None
        self._half_hour: int | None = None
        self._soc_mark: tuple[int, float] | None = None  # (whole %, EVSE net Wh then) for CHANGE_SoC
        self._evse_net_wh = 0.0

    def record(
        self, reading: MeterReading, evse_w: float, home_w: float, soc: float | None, tariff: Tariff, now_l: datetime
    ) -> None:
        dt = 0.0 if self._last_mono is None else reading.mono - self._last_mono
        self._last_mono = reading.mono
        grid_in, grid_out = self.energy.add("grid", reading.grid, dt)
        evse_in, evse_out = self.energy.add("evse", reading.evse or ChannelReading(evse_w), dt)
        self._evse_net_wh += evse_in - evse_out
        for name, channel in reading.aux:
            self.energy.add(name, channel, dt)
        self.ledger = self.ledger.add(now_l, tariff, grid_in, grid_out, evse_in, evse_out)
        half_hour = int(reading.time // 1800)
        if self._half_hour is not None and half_hour != self._half_hour:
            for line in self.energy.half_hour_lines():
                log.info(line)
        self._half_hour = half_hour
        self._track_soc_energy(soc)
        self.history.append(HistoryPoint(reading.time, reading.grid.power_w, evse_w, home_w, soc))

    def _track_soc_energy(self, soc: float | None) -> None:
        if soc is None:
            return
        whole = int(soc)
        if self._soc_mark is None:
            self._soc_mark = (whole, self._evse_net_wh)
            return
        last, wh_then = self._soc_mark
        if whole == last:
            return
        moved = self._evse_net_wh - wh_then
        steps = whole - last
        per_percent = moved / steps
        log.info("CHANGE_SoC %d%% -> %d%% energy=%.0fWh (%.0f Wh per 1%%)", last, whole, moved, per_percent)
        if abs(steps) == 1 and 50 <= abs(per_percent) <= 2500:
            # AC energy per 1 %: on charge it includes losses, on discharge it excludes them; both refine the size
            sample = abs(per_percent) * (CHARGE_EFFICIENCY if steps > 0 else 1 / CHARGE_EFFICIENCY)
            self.wh_per_percent = sample if self.wh_per_percent is None else 0.8 * self.wh_per_percent + 0.2 * sample
        self._soc_mark = (whole, self._evse_net_wh)

    def capacity_kwh(self, configured_kwh: float) -> float:
        """The usable battery size: measured from CHANGE_SoC once seen, the configured size until then."""
        if self.wh_per_percent is not None:
            return self.wh_per_percent * 100 / 1000
        return configured_kwh
