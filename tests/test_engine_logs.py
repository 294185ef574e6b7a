"""The log lines the owner greps: STATE, ADJUST, CONTROL, ENERGY/DELTA on the half hour, CHANGE_SoC."""

from __future__ import annotations

import logging
import re
from datetime import datetime

import pytest

from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.simulate import simulation


class Lines(logging.Handler):
    def __init__(self, sim) -> None:
        super().__init__(logging.DEBUG)
        self.sim = sim
        self.lines: list[tuple[datetime, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((self.sim.clock.now(), record.getMessage()))

    def starting(self, word: str) -> list[tuple[datetime, str]]:
        return [(t, m) for t, m in self.lines if m.startswith(word)]


@pytest.fixture
def logged():
    engine_log = logging.getLogger("evse_tui.engine")
    handlers: list[Lines] = []
    level = engine_log.level

    def attach(sim) -> Lines:
        handler = Lines(sim)
        engine_log.addHandler(handler)
        engine_log.setLevel(logging.DEBUG)
        handlers.append(handler)
        return handler

    yield attach
    for handler in handlers:
        engine_log.removeHandler(handler)
    engine_log.setLevel(level)


def test_state_adjust_control_lines(logged):
    sim = simulation(datetime(2026, 1, 20, 9, 0), ModeCommand(Mode.CHARGE), soc=50, weather="none")
    lines = logged(sim)
    sim.run(60)
    states = lines.starting("STATE")
    assert len(states) == 60  # one per reading
    assert re.fullmatch(
        r"STATE home=-?\d+W grid=-?\d+W evse=-?\d+W aux=heatpump:\d+W,solar:-?\d+W voltage=[\d.]+V "
        r"actual=-?\d+A target=-?\d+A soc=(\d+%|-) charger=\S+ next_change=[\d.]+s",
        states[-1][1],
    ), states[-1][1]
    assert "target=32A" in states[-1][1] and "charger=CHARGING" in states[-1][1]
    assert [m for _, m in lines.starting("ADJUST")] == ["ADJUST 0A -> 32A (CHARGE, desired 0A, next change in 21.9 s)"]
    assert lines.starting("CONTROL")[0][1].startswith("CONTROL mode=CHARGE state=CHARGE min=32 max=32")


def test_energy_and_delta_every_half_hour_on_the_half_hour(logged):
    sim = simulation(datetime(2026, 1, 20, 9, 10), ModeCommand(Mode.CHARGE), soc=40, weather="none")
    lines = logged(sim)
    sim.run(3600)
    energy, delta = lines.starting("ENERGY"), lines.starting("DELTA")
    assert [t.strftime("%H:%M:%S") for t, _ in energy] == ["09:30:00", "10:00:00"]
    assert [t.strftime("%H:%M:%S") for t, _ in delta] == ["09:30:00", "10:00:00"]
    first, second = energy[0][1], energy[1][1]
    grid = [float(x) for x in re.findall(r"grid import=([\d.]+)Wh", first + second)]
    assert grid[1] > grid[0] > 1000  # cumulative since start: a 32 A charge imports > 1 kWh in 20 min
    grid_delta = float(re.search(r"grid import=([\d.]+)Wh", delta[1][1]).group(1))
    assert grid_delta == pytest.approx(grid[1] - grid[0], abs=0.2)  # DELTA is the half hour's share
    assert "evse import=" in first and "heatpump import=" in first


def test_change_soc_reveals_the_energy_per_percent(logged):
    sim = simulation(datetime(2026, 1, 20, 9, 0), ModeCommand(Mode.CHARGE), soc=40, weather="none")
    lines = logged(sim)
    sim.run(2 * 3600)
    changes = [m for _, m in lines.starting("CHANGE_SoC")]
    assert len(changes) >= 10
    per_percent = [float(re.search(r"\((\d+) Wh per 1%\)", m).group(1)) for m in changes[1:]]
    # 40 kWh battery, 90 % charging efficiency: about 444 Wh of AC per 1 %
    assert all(380 <= wh <= 520 for wh in per_percent), per_percent
    assert sim.engine.capacity_kwh == pytest.approx(40, rel=0.1)
