"""Fault injection end to end: the real `evse-tui --no-ui` on the simulated home served over real protocols.

Each test breaks one thing the home network or a device breaks in real life, then checks what the owner
cares about: the program did not crash, the charger ended in a safe, expected state with control handed
back to the Wallbox app, the log says what happened, and nothing the owner saved was lost.

The simulated home is served in this process (the same `start_sim_servers` behind `evse-tui sim-devices`)
so a test can break one server and look at the simulated charger's registers; one test runs the
`evse-tui sim-devices` command itself. The program runs in real time, so the charger's change delays
(21.9 s from 0 A) set the pace: most tests take 30-70 s.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from pymodbus.client import ModbusTcpClient

from evse_tui.clock import LONDON, ScaledClock
from evse_tui.config.schema import InfluxConfig
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.simulate import simulation
from evse_tui.sim import registers as reg
from evse_tui.sim.home import SimHome
from evse_tui.sim.house import House
from evse_tui.sim.quasar import SimQuasar
from evse_tui.sim.solar import Solar
from evse_tui.simserve.servers import SimServers, start_sim_servers
from evse_tui.simserve.shelly_server import ShellyHttpServer
from evse_tui.telemetry.influx import InfluxLogger
from test_reliability_harness import (
    EXIT_WITHIN_S,
    ROOT,
    Program,
    SlowModbusProxy,
    device_config,
    listening_sockets,
    log_text,
    write_config,
)

HOUSE_W = 2200.0  # a steady evening load: POWER_HOME asks for -9 A (2160..2400 W band)
DISCHARGE_A = -9
CHARGE_A = 8
CHANGE_FROM_ZERO_S = 21.9


class SteadyHouse(House):
    """A house drawing the same power all the time, so the expected current is known."""

    def power_w(self, local: datetime) -> float:
        return HOUSE_W

    def heat_pump_w(self, local: datetime) -> float:
        return 0.0


class ShellyFault:
    """Replaces a simulated Shelly's answers: `"500"` answers HTTP 500, `"slow"` answers after 2 s,
    `"gone"` hangs 5 s (longer than every timeout: a vanished host). Works on kept-alive connections too."""

    SLOW_S = 2.0
    GONE_S = 5.0

    def __init__(self, server: ShellyHttpServer) -> None:
        self.mode: str | None = None
        self._answer = server.answer
        server.answer = self.answer  # type: ignore[method-assign]
        server.handle_error = lambda request, address: None  # a late answer to a client that gave up: expected

    def answer(self, path: str) -> tuple[int, object]:
        mode = self.mode
        if mode == "500":
            return 500, {"code": -1, "message": "internal error (simulated)"}
        if mode in ("slow", "gone"):
            time.sleep(self.SLOW_S if mode == "slow" else self.GONE_S)
        return self._answer(path)


@dataclass
class Rig:
    """The served home, the program's data folder and the program once started."""

    home: SimHome
    servers: SimServers
    data: Path
    program: Program | None = None

    def start(self, config: dict) -> Program:
        write_config(self.data / "config" / "config.yaml", config)
        self.program = Program(["--no-ui", "--data-dir", str(self.data)])
        self.program.wait_for(r"\d \| PAUSE \|", 30)  # a new installation starts in PAUSE
        return self.program

    def config(self, **kwargs) -> dict:
        return device_config(self.servers.modbus_port, self.servers.http_port, **kwargs)

    def registers(self) -> dict[str, float]:
        with self.home.lock:
            self.home.advance()
            q = self.home.quasar
            return {"lockout": q.lockout, "action": q.action, "setpoint": q.setpoint, "state": q.state,
                    "current": q.actual_current}

    def wait_write(self, address: int, value: int, timeout: float, after: int = 0) -> int:
        """Index of the first write of `value` to `address` the charger received from `after` on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, (a, v) in enumerate(self.servers.recorder.writes()[after:], after):
                if (a, v) == (address, value):
                    return index
            time.sleep(0.05)
        raise AssertionError(f"no write 0x{address:X}={value} within {timeout} s: {self.servers.recorder.writes()}")

    def log(self) -> str:
        return log_text(self.data)

    def stop_program(self) -> None:
        """SIGTERM: exit 0 within 3 s, the charger paused at 0 A and handed back to the owner's app."""
        program = self.program
        assert program is not None
        assert program.proc.poll() is None, "the program died during the fault\n" + program.transcript()
        began = time.monotonic()
        program.signal(signal.SIGTERM)
        status = program.wait(15)
        took = time.monotonic() - began
        assert status == 0, program.transcript()
        assert took < EXIT_WITHIN_S, f"exit took {took:.1f} s"
        assert_handed_back(self.registers())
        text = self.log()
        assert "exit: charger stopped and control handed back" in text
        assert "Traceback" not in text and "control loop error" not in text, text[-3000:]


def assert_handed_back(regs: dict[str, float]) -> None:
    assert regs["lockout"] == 0, f"control not handed back to the app: {regs}"
    assert regs["action"] == reg.ACTION_STOP and regs["setpoint"] == 0, regs
    assert regs["current"] == 0, regs


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


@pytest.fixture
def rig(tmp_path) -> Iterator[Rig]:
    clock = ScaledClock(1.0, start=datetime(2026, 1, 14, 18, 0, tzinfo=LONDON))
    home = SimHome(clock, SteadyHouse(), Solar(4.0, "none"), SimQuasar(soc=60.0))
    servers = start_sim_servers(home, gen=1, aux_http_port=0)
    rig = Rig(home, servers, tmp_path / "data")
    try:
        yield rig
    finally:
        if rig.program is not None:
            rig.program.close()
        servers.close()


def owner_mode(data: Path) -> dict:
    return json.loads((data / "state" / "evse_state.json").read_text())["mode"]


def test_a_second_controller_on_the_same_data_folder_is_refused_with_status_2(rig):
    program = rig.start(rig.config())
    second = subprocess.run([sys.executable, "-m", "evse_tui", "--no-ui", "--data-dir", str(rig.data)],
                            cwd=ROOT, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert second.returncode == 2
    assert second.stderr.startswith(f"evse-tui: error: another evse-tui (pid {program.pid}) is already controlling")
    assert second.stdout == ""
    writes = len(rig.servers.recorder.writes())
    time.sleep(1.5)
    assert len(rig.servers.recorder.writes()) == writes, "the refused instance wrote to the charger"
    rig.stop_program()


# ----- Modbus ------------------------------------------------------------------------------------------


def test_modbus_server_gone_for_60_s(rig):
    program = rig.start(rig.config())
    first_stop = rig.wait_write(reg.LOCKOUT, 0, 10)  # the start-up stop went through, control handed back
    rig.servers.stop_modbus()
    gone_at = time.monotonic()
    assert program.command(str(CHARGE_A)).startswith("ok: mode FIXED +8 A")  # the owner acts meanwhile
    program.wait_for(r"COMMS FAILURE", 20)
    time.sleep(max(0.0, 60 - (time.monotonic() - gone_at)))
    assert program.proc.poll() is None, program.transcript()
    mark = len(rig.servers.recorder.writes())
    assert mark == first_stop + 1, "writes arrived while the server was gone"
    rig.servers.start_modbus()
    # Within the 5 s retry the command the owner gave during the outage reaches the charger, handed back after.
    index = rig.wait_write(reg.SETPOINT, CHARGE_A, 15, after=mark)
    rig.wait_write(reg.LOCKOUT, 0, 5, after=index)
    program.wait_for(r"\| FIXED \+8 A \|.*CHARGING", 30)
    text = rig.log()
    assert "poll failed: connection closed by the charger" in text  # the open connection broke first
    assert "poll 2 failed: connection refused" in text
    assert "COMMS FAILURE after 10 failed polls" in text
    # the command waits while the charger is unreachable instead of failing every few seconds for a minute
    assert text.count("ADJUST failed") <= 1
    assert "answering again after" in text
    assert text.count("poll failed:") == 1, "each failed poll was logged as a warning"
    rig.stop_program()
    assert owner_mode(rig.data) == {"mode": "FIXED", "amps": 8, "tariff": None}


def test_modbus_replies_slower_than_the_timeout(rig):
    proxy = SlowModbusProxy(rig.servers.modbus_port)
    try:
        program = rig.start(device_config(proxy.port, rig.servers.http_port))
        rig.wait_write(reg.LOCKOUT, 0, 10)
        assert program.command(str(CHARGE_A)).startswith("ok:")
        proxy.delay_s = 1.5  # the driver gives up after 1 s
        slow_from = time.monotonic()
        program.wait_for(r"COMMS FAILURE", 25)
        time.sleep(max(0.0, CHANGE_FROM_ZERO_S + 6 - (time.monotonic() - slow_from)))  # the command came due meanwhile
        proxy.delay_s = 0.0
        index = rig.wait_write(reg.SETPOINT, CHARGE_A, 20)
        rig.wait_write(reg.LOCKOUT, 0, 5, after=index)
        program.wait_for(r"\| FIXED \+8 A \|.*CHARGING", 30)
        text = rig.log()
        assert "poll failed: timeout reading 0x" in text
        assert "answering again after" in text
        # while the charger is in COMMS FAILURE the command waits instead of failing again and again
        assert text.count("ADJUST failed") <= 1
        rig.stop_program()
    finally:
        proxy.close()
    assert owner_mode(rig.data) == {"mode": "FIXED", "amps": 8, "tariff": None}


def test_sigterm_during_a_modbus_write_against_sim_devices(tmp_path):
    """`evse-tui sim-devices` serves the charger; SIGTERM lands while a command's writes are in flight."""
    sim = Program(["sim-devices", "--modbus-port", "0", "--http-port", "0"])
    proxy = None
    program = None
    try:
        _, line = sim.wait_for(r'url: "127\.0\.0\.1:\d+"', 30)
        modbus_port = int(line.split(":")[-1].rstrip('"'))
        _, line = sim.wait_for(r'primary_url: "127\.0\.0\.1:\d+"', 10)
        http_port = int(line.split(":")[-1].rstrip('"'))
        assert {port for _, port in listening_sockets(sim.pid)} >= {modbus_port, http_port}
        assert {host for host, _ in listening_sockets(sim.pid)} == {"127.0.0.1"}, "sim-devices must bind loopback"
        proxy = SlowModbusProxy(modbus_port)
        proxy.delay_s = 0.1  # each answer late enough that a command's four writes take a while
        data = tmp_path / "data"
        write_config(data / "config" / "config.yaml", device_config(proxy.port, http_port))
        program = Program(["--no-ui", "--data-dir", str(data)])
        program.wait_for(r"\d \| PAUSE \|", 30)
        assert listening_sockets(program.pid) == [], "the controller listens on a network port"
        assert program.command(str(CHARGE_A)).startswith("ok:")
        deadline = time.monotonic() + 40
        while (reg.SETPOINT, CHARGE_A) not in proxy.writes_seen:
            assert time.monotonic() < deadline, f"the 8 A command never came: {proxy.writes_seen}"
            time.sleep(0.005)
        began = time.monotonic()
        program.signal(signal.SIGTERM)  # mid-command: 0x51=1, 0x102=8 sent; 0x101=1, 0x51=0 still to go
        assert program.wait(15) == 0, program.transcript()
        assert time.monotonic() - began < EXIT_WITHIN_S
        writes = proxy.writes_seen[proxy.writes_seen.index((reg.SETPOINT, CHARGE_A)):]
        assert writes == [(reg.SETPOINT, 8), (reg.ACTION, 1), (reg.LOCKOUT, 0),  # the command finished whole
                          (reg.LOCKOUT, 1), (reg.ACTION, 2), (reg.SETPOINT, 0), (reg.LOCKOUT, 0)], writes
        client = ModbusTcpClient("127.0.0.1", port=modbus_port, timeout=2)
        try:
            values = {a: client.read_holding_registers(a, count=1, device_id=1).registers[0]
                      for a in (reg.LOCKOUT, reg.ACTION, reg.SETPOINT, reg.STATE)}
        finally:
            client.close()
        assert values == {reg.LOCKOUT: 0, reg.ACTION: 2, reg.SETPOINT: 0, reg.STATE: 4}, values
        text = log_text(data)
        assert "signal SIGTERM: stopping" in text
        assert "exit: charger stopped and control handed back" in text
        assert json.loads((data / "state" / "evse_state.json").read_text())["mode"]["amps"] == CHARGE_A
    finally:
        if program is not None:
            program.close()
        if proxy is not None:
            proxy.close()
        sim.stop()
        sim.close()


# ----- Shelly -------------------------------------------------------------------------------------------


def start_discharging(rig: Rig, config: dict) -> Program:
    """POWER_HOME on the steady house: -9 A is commanded once the start-up delay has passed."""
    program = rig.start(config)
    assert program.command("ph").startswith("ok: mode POWER_HOME")
    rig.wait_write(reg.SETPOINT, reg.to_twos(DISCHARGE_A), 40)
    return program


def test_shelly_http_500_then_2_s_replies_for_most_of_a_minute_never_leave_the_car_discharging_blind(rig):
    fault = ShellyFault(rig.servers.shelly)
    program = start_discharging(rig, rig.config())
    commanded_at = time.monotonic()
    mark = len(rig.servers.recorder.writes())
    fault.mode = "500"
    program.wait_for(r"FAILSAFE 0 A", 15)
    fault.mode = "slow"
    # Blind: the car is stopped as soon as the change delay allows, never left discharging.
    index = rig.wait_write(reg.ACTION, reg.ACTION_STOP, CHANGE_FROM_ZERO_S + 5 - (time.monotonic() - commanded_at),
                           after=mark)
    rig.wait_write(reg.LOCKOUT, 0, 5, after=index)
    wait_until(lambda: rig.registers()["current"] == 0, 5, "the car stopped discharging")
    time.sleep(5)  # still slow: the car stays stopped
    assert rig.registers()["current"] == 0
    mark = len(program.lines)
    fault.mode = None
    program.wait_for(r"\| POWER_HOME \| LOAD_FOLLOW_DISCHARGE \|.*target -9 A(?!.*FAILSAFE)", 15, after=mark)
    text = rig.log()
    assert "Shelly: no grid reading: primary: HTTP 500" in text
    assert "primary: timeout" in text
    assert "FAILSAFE meter reading" in text and "FAILSAFE ended" in text
    rig.stop_program()
    assert owner_mode(rig.data)["mode"] == "POWER_HOME"


def test_secondary_shelly_gone_while_the_primary_works(rig):
    gone = ShellyFault(rig.servers.aux_shelly)
    program = rig.start(rig.config(secondary_port=rig.servers.aux_http_port))
    assert program.command("ph").startswith("ok: mode POWER_HOME")
    fresh, _ = program.wait_for(r"grid -?\d+ W", 10)
    gone.mode = "gone"  # the secondary meter's host vanishes: every request hangs until it times out
    # Control carries on from the primary's grid reading: the discharge is commanded when the delay allows.
    rig.wait_write(reg.SETPOINT, reg.to_twos(DISCHARGE_A), 40)
    program.wait_for(r"\| POWER_HOME \|.*target -9 A", 10)
    assert not any("FAILSAFE" in line or "METER STALE" in line for line in program.lines[fresh:]), program.transcript()
    gone.mode = None
    wait_until(lambda: "all readings complete again" in rig.log(), 15, "the secondary's return is logged")
    text = rig.log()
    assert "Shelly: reading incomplete: secondary: timeout" in text
    assert "FAILSAFE" not in text
    rig.stop_program()


# ----- InfluxDB -----------------------------------------------------------------------------------------

TOKEN = "tok-faults-7731-secret"


def test_influxdb_down_then_back_does_not_touch_control_and_loses_no_point(rig, tmp_path):
    from victoria_server import VictoriaMetrics, find_binary, free_port

    binary = find_binary()
    if binary is None:
        pytest.skip("victoria-metrics binary not found (apt-get install victoria-metrics)")
    victoria = VictoriaMetrics(binary, tmp_path / "vm-data", free_port())
    config = rig.config(influxdb={"enabled": True, "url": victoria.url, "token": TOKEN, "org": "home"})
    started = time.time()
    program = rig.start(config)  # InfluxDB is down from the start
    try:
        assert program.command(str(CHARGE_A)).startswith("ok:")
        wait_until(lambda: "InfluxDB unreachable since" in rig.log(), 15, "the outage is logged")
        time.sleep(8)
        victoria.start()
        back = time.time()
        rig.wait_write(reg.SETPOINT, CHARGE_A, 30)  # control went on as if nothing happened
        wait_until(lambda: "InfluxDB back since" in rig.log(), 40, "the recovery is logged")
        rig.stop_program()
        samples = victoria.export(started - 5, time.time() + 5).get("measurement_grid", {})
    finally:
        victoria.stop()
    assert samples, "no reading reached InfluxDB"
    assert min(samples) / 1000 < back - 8, "the readings of the outage were lost"
    seconds = (max(samples) - min(samples)) / 1000
    assert len(samples) >= 0.8 * seconds, f"{len(samples)} samples over {seconds:.0f} s: readings were lost"
    text = rig.log()
    assert text.count("InfluxDB unreachable since") == 1
    assert TOKEN not in text


def test_influxdb_silent_for_10_simulated_minutes_never_stalls_control_and_catches_up(tmp_path):
    """The InfluxDB host stops answering (connections hang) for 10 minutes of readings, then comes back."""
    from victoria_server import VictoriaMetrics, find_binary

    hole = socket.create_server(("127.0.0.1", 0), backlog=1024)  # accepts, never answers
    port = hole.getsockname()[1]
    start = datetime(2026, 1, 14, 17, 0, tzinfo=LONDON)
    sim = simulation(start, ModeCommand(Mode.FIXED, -6))
    cfg = InfluxConfig(enabled=True, url=f"http://127.0.0.1:{port}", token=TOKEN, org="home")
    influx = InfluxLogger(cfg, sim.clock)
    sim.engine.influx = influx
    try:
        began = time.monotonic()
        while sim.clock.monotonic() < 600 and time.monotonic() - began < 30:
            sim.run(1)
        took = time.monotonic() - began
        assert sim.clock.monotonic() >= 600, f"control stalled: {sim.clock.monotonic():.0f} s simulated in {took:.0f} s"
        assert sim.home.quasar.actual_current == -6, "the charger was not commanded"
        assert influx.buffered >= 590, "readings of the outage were not kept"
        wait_until(lambda: (influx.status() or "").startswith("InfluxDB unreachable since 17:"), 20,
                   "the screen says InfluxDB is unreachable")
        binary = find_binary()
        if binary is None:
            pytest.skip("victoria-metrics binary not found: the catch-up half was not run")
        hole.close()
        victoria = VictoriaMetrics(binary, tmp_path / "vm-data", port)
        victoria.start()
        try:
            sim.run(60)
            wait_until(lambda: influx.buffered == 0, 90, "the buffered readings are written")
            samples = victoria.export(start.timestamp() - 1, start.timestamp() + 700).get("measurement_grid", {})
        finally:
            victoria.stop()
        assert len(samples) >= 655, f"only {len(samples)} of about 660 readings arrived"
    finally:
        influx.close(timeout=1)
        hole.close()
