"""A whole simulated day on the simulated house, through the real engine."""

from __future__ import annotations

from datetime import datetime

import pytest

from evse_tui.control.change_delay import LARGE_STEP_S
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.simulate import simulation

DAY = 86400
EXPORT_W = 100  # a grid export larger than this while the car discharges is car energy leaving the home
RAMP_S = 3.0  # the simulated charger ramps to a new current over 3 s
READING_S = 1.0  # a load drop is seen at the next reading


def balance(sim) -> tuple[float, float]:
    """(grid energy the engine measured, house + heat pump - solar + EVSE from the simulation's truth)."""
    grid = sim.engine.book.energy.since_start["grid"]
    measured = grid.import_wh - grid.export_wh
    h = sim.home
    truth = h.house_wh + h.heatpump_wh - h.solar_wh + h.evse_wh
    return measured, truth


@pytest.mark.parametrize(
    "mode, when, weather",
    [(Mode.POWER_HOME, datetime(2026, 1, 20), "cloudy"), (Mode.SOLAR, datetime(2026, 6, 10), "clear")],
)
def test_a_day_balances_within_one_percent(mode, when, weather):
    sim = simulation(when, ModeCommand(mode), soc=60, weather=weather)
    sim.run(DAY)
    measured, truth = balance(sim)
    scale = sim.home.house_wh + sim.home.heatpump_wh + sim.home.solar_wh
    assert abs(measured - truth) <= 0.01 * scale, (measured, truth)
    if mode is Mode.POWER_HOME:
        assert sim.home.quasar.discharged_wh > 5000  # the car really powered the house
    else:
        assert sim.home.quasar.charged_wh > 5000  # the car really soaked up the sun
        assert sim.engine.book.energy.since_start["grid"].import_wh < 0.5 * sim.home.quasar.charged_wh


def test_power_home_never_exports_car_energy_for_longer_than_a_change_delay():
    sim = simulation(datetime(2026, 1, 20), ModeCommand(Mode.POWER_HOME), soc=80, weather="none")
    runs: list[int] = []
    current = 0

    def watch(s):
        nonlocal current
        exporting_car_energy = s.home.grid_w < -EXPORT_W and s.home.evse_w < 0
        if exporting_car_energy:
            current += 1
        elif current:
            runs.append(current)
            current = 0

    sim.run(DAY, watch)
    assert sim.home.quasar.discharged_wh > 5000
    assert runs, "a day with kettles and ovens has load drops"
    assert max(runs) <= LARGE_STEP_S + READING_S + RAMP_S, runs
