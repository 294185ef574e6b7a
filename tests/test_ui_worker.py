"""The control loop as the app's worker, in real time on the simulated home: keys reach the running
engine, every way out stops the charger first, and a crashing loop is shown and restarted."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading

import pytest
from test_ui_support import screen_text

from evse_tui.clock import ScaledClock
from evse_tui.config.schema import Config
from evse_tui.control.modes import Mode
from evse_tui.engine.engine import Engine
from evse_tui.sim import registers as reg
from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home
from evse_tui.ui import app as app_module
from evse_tui.ui.app import EvseApp
from evse_tui.ui.widgets import LogPanel

EXIT_LINE = "exit: charger stopped and control handed back"


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def engine_log():
    """The engine's own log lines (the `evse_tui` logger may not propagate to pytest's capture)."""
    handler = LogLines()
    logger = logging.getLogger("evse_tui.engine")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def live_engine(engine_class=Engine, speed: float = 1.0) -> Engine:
    clock = ScaledClock(speed)
    home = build_demo_home(clock, soc=55.0)
    return engine_class(Config(), SimCharger(home), SimPowerMonitor(home), clock, None)


def setpoint(engine: Engine) -> int:
    return reg.from_twos(engine.charger.home.quasar.read_register(reg.SETPOINT))


async def wait_for(pilot, condition, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def run(scenario):
    return asyncio.run(scenario())


def test_a_key_reaches_the_running_loop_and_quit_stops_the_charger(engine_log):
    engine = live_engine(speed=10.0)  # the charger's 21.9 s start delay passes in about 2 s

    async def scenario():
        app = EvseApp(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            assert await wait_for(pilot, lambda: engine.snapshot.grid_w is not None)
            await pilot.press("c")
            assert await wait_for(pilot, lambda: engine.mode.mode is Mode.CHARGE)
            assert await wait_for(pilot, lambda: setpoint(engine) == 32)
            assert await wait_for(pilot, lambda: "CHARGE" in screen_text(app).splitlines()[0])
            await pilot.press("q", "y")
            await wait_for(pilot, lambda: not app.is_running, 6.0)
        assert app.return_code == 0
        assert app.engine_done.is_set()

    run(scenario)
    assert setpoint(engine) == 0
    assert any(EXIT_LINE in line for line in engine_log)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_charger_and_exits_without_a_question(engine_log, sig):
    engine = live_engine()

    async def scenario():
        app = EvseApp(engine, handle_signals=True)
        async with app.run_test(size=(80, 24)) as pilot:
            assert await wait_for(pilot, lambda: engine.snapshot.grid_w is not None)
            os.kill(os.getpid(), sig)
            await wait_for(pilot, lambda: not app.is_running, 6.0)
        assert app.return_code == 0
        assert app.engine_done.is_set()

    previous = signal.getsignal(sig)
    run(scenario)
    assert signal.getsignal(sig) == previous  # handlers are given back
    assert any(EXIT_LINE in line for line in engine_log)


def test_duration_ends_the_app_cleanly_by_itself(engine_log):
    engine = live_engine()

    async def scenario():
        app = EvseApp(engine, duration=1.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: not app.is_running, 8.0)
        assert app.return_code == 0

    run(scenario)
    assert any(EXIT_LINE in line for line in engine_log)


class FlakyEngine(Engine):
    """Its loop raises the first time it is run (a bug outside the engine's own step guard)."""

    runs = 0

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("driver thread could not start")
        super().run(stop)


def test_a_crashing_loop_is_shown_and_restarted(monkeypatch, engine_log):
    monkeypatch.setattr(app_module, "RESTART_AFTER_S", 0.2)
    engine = live_engine(FlakyEngine)

    async def scenario():
        app = EvseApp(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            said = "control loop stopped: RuntimeError: driver thread could not start"
            assert await wait_for(pilot, lambda: any(said in n.message for n in app._notifications))
            assert any(said in line for line in app.main.query_one(LogPanel).local)  # also in the log panel
            assert "Traceback" not in screen_text(app)
            assert await wait_for(pilot, lambda: engine.runs == 2 and engine.snapshot.grid_w is not None)
            assert await wait_for(pilot, lambda: "engine" not in app._ui_troubles)  # the banner line goes on restart
            assert app.is_running
            await pilot.press("q", "enter")
            await wait_for(pilot, lambda: not app.is_running, 6.0)
        assert app.return_code == 0

    run(scenario)
    assert any(EXIT_LINE in line for line in engine_log)
