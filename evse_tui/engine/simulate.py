"""Run the real engine on the simulated home as fast as the CPU allows (tests, benchmarks, tariff days).

The clock is a ManualClock: each pass advances it to the engine's next wake time or the next whole
second, whichever is sooner, so change delays are honoured to the millisecond and a reading arrives
every simulated second, exactly as in real time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from evse_tui.clock import LONDON, ManualClock
from evse_tui.config.schema import Config
from evse_tui.control.modes import ModeCommand
from evse_tui.engine.engine import Engine
from evse_tui.engine.persist import StateStore
from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home
from evse_tui.sim.home import SimHome


@dataclass
class Simulation:
    engine: Engine
    home: SimHome
    clock: ManualClock
    charger: SimCharger
    monitor: SimPowerMonitor

    def run(self, seconds: float, each_second: Callable[[Simulation], None] | None = None) -> None:
        """Advance `seconds` of simulated time; `each_second` is called after every whole second."""
        clock, engine = self.clock, self.engine
        end = clock.monotonic() + seconds
        next_second = math.floor(clock.monotonic()) + 1
        while True:
            now = clock.monotonic()
            if now >= end:
                break
            wake = engine.step()
            step_to = min(wake, next_second, end)
            clock.advance(max(step_to - now, 1e-6))
            if each_second is not None and clock.monotonic() >= next_second:
                each_second(self)
            if clock.monotonic() >= next_second:
                next_second = math.floor(clock.monotonic()) + 1


def simulation(
    start: datetime,
    mode: ModeCommand,
    *,
    config: Config | None = None,
    soc: float = 55.0,
    weather: str = "clear",
    seed: int = 1,
    tariff: str | None = None,
    store: StateStore | None = None,
    scheduler=None,
) -> Simulation:
    """An engine in `mode` on a simulated home starting at local time `start`."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=LONDON)
    clock = ManualClock(start)
    config = config or Config()
    if tariff:
        from dataclasses import replace

        config = replace(config, charging=replace(config.charging, default_tariff=tariff))
    home = build_demo_home(clock, seed=seed, soc=soc, weather=weather)
    charger, monitor = SimCharger(home), SimPowerMonitor(home)
    engine = Engine(config, charger, monitor, clock, store, scheduler=scheduler, initial_mode=mode)
    return Simulation(engine, home, clock, charger, monitor)
