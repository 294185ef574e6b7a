"""End to end: the simulated home served on loopback, driven through the real Quasar and Shelly drivers."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from evse_tui.clock import ScaledClock
from evse_tui.config.schema import ChannelRef, ShellyConfig, WallboxConfig
from evse_tui.control.states import ChargerState
from evse_tui.drivers.factory import make_charger, make_monitor
from evse_tui.drivers.quasar import QuasarCharger
from evse_tui.drivers.shelly import ShellyMonitor
from evse_tui.sim.devices import build_demo_home
from evse_tui.simserve import cli as sim_cli
from evse_tui.simserve.servers import start_sim_servers

SPEED = 60.0  # the charger's 12 s start delay passes in 0.2 s
ROOT = Path(__file__).resolve().parents[1]


def poll_until(quasar: QuasarCharger, wanted, timeout: float = 10.0):
    """Poll (bounded by real time) until `wanted(status)`; returns the last status."""
    deadline = time.monotonic() + timeout
    status = quasar.poll_once()
    while not wanted(status) and time.monotonic() < deadline:
        time.sleep(0.01)
        status = quasar.poll_once()
    return status


@pytest.fixture
def clock():
    return ScaledClock(SPEED)


@pytest.fixture
def servers(clock):
    running = start_sim_servers(build_demo_home(clock, soc=60.0), gen=1)
    yield running
    running.close()


@pytest.fixture
def quasar(servers, clock):
    charger = QuasarCharger("127.0.0.1", servers.modbus_port, clock)
    yield charger
    charger.close()


@pytest.fixture
def shelly(servers, clock):
    monitor = ShellyMonitor(f"127.0.0.1:{servers.http_port}", clock, evse=ChannelRef("primary", 2))
    yield monitor
    monitor.close()


def test_charge_discharge_and_pause_through_the_real_drivers(servers, quasar, shelly):
    assert quasar.poll_once().state == ChargerState.PAUSED
    quasar.set_current(10)
    assert servers.recorder.writes() == [(0x51, 1), (0x102, 10), (0x101, 1), (0x51, 0)]
    status = poll_until(quasar, lambda s: s.state == ChargerState.CHARGING and s.power_w > 2300)
    assert status.state == ChargerState.CHARGING and status.setpoint == 10 and status.soc is not None
    assert shelly.poll_once().evse.power_w > 2300  # the meter sees the car charging

    quasar.set_current(-8)
    status = poll_until(quasar, lambda s: s.state == ChargerState.DISCHARGING and s.power_w < -1800)
    assert status.state == ChargerState.DISCHARGING and status.setpoint == -8
    reading = shelly.poll_once()
    assert reading.evse.power_w < -1800

    quasar.set_current(0)
    status = poll_until(quasar, lambda s: s.state == ChargerState.PAUSED)
    assert status.state == ChargerState.PAUSED and status.setpoint == 0
    assert abs(shelly.poll_once().evse.power_w - 13.0) < 1.0  # standby draw only
    assert servers.home.quasar.lockout == 0  # control handed back to the owner's app


def test_dead_modbus_counts_to_comms_failure_and_recovers_on_the_same_port(servers, quasar):
    assert quasar.poll_once().failures == 0
    servers.stop_modbus()
    statuses = [quasar.poll_once() for _ in range(10)]
    assert [s.failures for s in statuses] == list(range(1, 11))
    assert statuses[-1].comms_failure and not statuses[-2].comms_failure
    servers.start_modbus()
    status = quasar.poll_once()
    assert (status.failures, status.comms_failure, status.error) == (0, False, None)
    assert status.state == ChargerState.PAUSED


def test_poll_threads_follow_the_home(servers, quasar, shelly):
    readings = threading.Event()
    polls = threading.Event()
    shelly.start(readings.set)
    quasar.start(polls.set)
    assert readings.wait(5) and polls.wait(5)
    quasar.set_current(6)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and quasar.status().state != ChargerState.CHARGING:
        time.sleep(0.02)
    assert quasar.status().state == ChargerState.CHARGING
    first = shelly.latest().seq
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and shelly.latest().evse.power_w < 1000:
        time.sleep(0.02)
    assert shelly.latest().evse.power_w > 1000 and shelly.latest().seq > first


def test_gen2_meter_with_aux_channels(clock):
    running = start_sim_servers(build_demo_home(clock), gen=2, aux_http_port=0)
    try:
        monitor = make_monitor(ShellyConfig(
            primary_url=f"http://127.0.0.1:{running.http_port}", secondary_url=f"127.0.0.1:{running.aux_http_port}",
            grid=ChannelRef("primary", 1), evse=ChannelRef("primary", 2),
            channels={"secondary.1": "heatpump", "secondary.2": "solar"}), clock)
        reading = monitor.poll_once()
        assert reading.error is None and abs(reading.evse.power_w - 13.0) < 1.0
        assert [name for name, _ in reading.aux] == ["heatpump", "solar"]
        assert reading.grid.import_wh is not None and reading.grid.voltage > 200
        monitor.close()
    finally:
        running.close()


def test_sim_devices_prints_config_lines_that_work(clock, capsys):
    stop = threading.Event()
    args = argparse.Namespace(modbus_port=0, http_port=0, aux_http_port=None, gen=1, host="127.0.0.1",
                              speed=SPEED, soc=50.0, seed=3, weather="cloudy")
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(sim_cli.run(args, stop)))
    runner.start()
    try:
        deadline = time.monotonic() + 5
        out = ""
        while "evse: {device: primary, channel: 2}" not in out and time.monotonic() < deadline:
            time.sleep(0.02)
            out += capsys.readouterr().out
        config = yaml.safe_load("\n".join(line for line in out.splitlines() if not line.startswith("#")))
        wallbox = WallboxConfig(url=config["wallbox"]["url"])
        shelly_cfg = config["shelly"]
        monitor = make_monitor(ShellyConfig(primary_url=shelly_cfg["primary_url"],
                                            grid=ChannelRef(**shelly_cfg["grid"]),
                                            evse=ChannelRef(**shelly_cfg["evse"])), clock)
        charger = make_charger(wallbox, clock)
        assert charger.poll_once().state == ChargerState.PAUSED
        assert monitor.poll_once().evse is not None
        charger.close()
        monitor.close()
    finally:
        stop.set()
        runner.join(5)
    assert result == [0]


def test_sim_devices_refuses_a_port_in_use(servers, capsys):
    args = argparse.Namespace(modbus_port=0, http_port=servers.http_port, aux_http_port=None, gen=1,
                              host="127.0.0.1", speed=1.0, soc=50.0, seed=1, weather="clear")
    assert sim_cli.run(args, threading.Event()) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_sim_devices_command_stops_cleanly_on_sigterm():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "evse_tui", "sim-devices", "--modbus-port", "0",
                             "--http-port", "0", "--gen", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for _ in range(20):
            line = proc.stdout.readline()
            lines.append(line)
            if "evse:" in line or not line:
                break
        assert any("primary_url" in line for line in lines), "".join(lines) + proc.stderr.read()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "stopped" in out
