"""The engine logs one InfluxDB point per reading to a real server, and an outage never touches control."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from evse_tui.clock import LONDON
from evse_tui.config.schema import InfluxConfig
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.simulate import simulation
from evse_tui.telemetry.influx import InfluxLogger

START = (datetime.now(LONDON) - timedelta(hours=2)).replace(microsecond=0)  # inside the server's retention


def engine_with_influx(url: str):
    sim = simulation(START, ModeCommand(Mode.CHARGE), soc=70, weather="none")
    logger = InfluxLogger(
        InfluxConfig(enabled=True, url=url, token="tok-123456", org="home", bucket="powerlog"),
        sim.clock,
        flush_interval=0.2,
        retry_initial=0.2,
        retry_max=1.0,
    )
    sim.engine.influx = logger
    return sim, logger


def stored(server, sim) -> dict[str, dict[int, float]]:
    start = START.timestamp() - 1
    return server.export(start, start + sim.clock.monotonic() + 2)


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_every_reading_arrives_with_its_fields(victoria):
    sim, logger = engine_with_influx(victoria.url)
    sim.run(120)
    logger.close(timeout=5)
    got = stored(victoria, sim)
    history = {round(p.time * 1000): p for p in sim.engine.book.history}
    assert len(got["measurement_grid"]) == len(history) >= 119
    for stamp, point in history.items():
        assert got["measurement_grid"][stamp] == pytest.approx(point.grid_w)
        assert got["measurement_evse"][stamp] == pytest.approx(point.evse_w)
    with_soc = {stamp: p.soc for stamp, p in history.items() if p.soc is not None}
    assert len(with_soc) > 60  # the charging car reports its SoC
    assert got.get("measurement_batteryChargeLevel", {}) == pytest.approx(with_soc)
    for field in ("grid_pf", "voltage", "evseTargetCurrent", "evseDesiredCurrent", "heatpump", "solar"):
        assert len(got[f"measurement_{field}"]) == len(history), field


def test_an_outage_loses_no_point_and_never_slows_a_control_step(victoria):
    sim, logger = engine_with_influx(victoria.url)
    sim.run(30)
    victoria.stop()
    slowest = 0.0
    step = sim.engine.step

    def timed_step() -> float:
        nonlocal slowest
        began = time.perf_counter()
        wake = step()
        slowest = max(slowest, time.perf_counter() - began)
        return wake

    sim.engine.step = timed_step
    sim.run(90)  # 90 readings while the server is down
    sim.engine.step = step
    assert wait_for(lambda: "unreachable" in (logger.status() or ""))  # the writer noticed, in its own time
    assert "unreachable" in " ".join(sim.engine.snapshot.warnings)
    assert slowest < 0.010  # no control step waited on the dead server (the 10 ms)
    victoria.start()
    sim.run(10)
    assert wait_for(lambda: logger.buffered == 0, timeout=20)
    logger.close(timeout=5)
    got = stored(victoria, sim)
    assert len(got["measurement_grid"]) == len(sim.engine.book.history) >= 129
