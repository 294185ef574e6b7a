"""Reliability without real drivers: one controller per data folder, kill -9 at any moment, a full or
read-only disk, wall-clock steps, signals, and secrets kept out of help text, logs and crash reports.

The process tests run the real `evse-tui --demo --no-ui`; the rest run the real engine on the simulated
home on a manual clock.
"""

from __future__ import annotations

import errno
import json
import logging
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from evse_tui import storage
from evse_tui.clock import LONDON
from evse_tui.config.schema import Config, InfluxConfig, LoggingConfig, WallboxConfig
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine import commands as c
from evse_tui.engine.persist import StateStore
from evse_tui.engine.simulate import Simulation, simulation
from evse_tui.scheduler.service import Scheduler
from evse_tui.scheduler.words import parse_schedule_command
from evse_tui.telemetry.logfile import setup_logging
from test_reliability_harness import EXIT_WITHIN_S, ROOT, Program, log_text

DEMO = ["--demo", "--no-ui"]
FIRST_STATUS = r" \| (SMART|PAUSE|CHARGE|DISCHARGE|FIXED|SOLAR|POWER_HOME|BALANCE|PAUSE_UNTIL)"


# ----- helpers ---------------------------------------------------------------------------------------


class LogLines(logging.Handler):
    """Every `evse_tui` log record's text, whatever other tests did to the logger's propagation."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")

    def matching(self, text: str, level: str | None = None) -> list[str]:
        return [line for line in self.lines if text in line and (level is None or line.startswith(level))]


@pytest.fixture
def logs():
    handler = LogLines()
    root = logging.getLogger("evse_tui")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


class CountingCharger:
    """Wraps a SimCharger's set_current to record (monotonic time, amps) of every command that went out."""

    def __init__(self, sim: Simulation) -> None:
        self.calls: list[tuple[float, int]] = []
        inner = sim.charger.set_current

        def set_current(amps: int) -> None:
            inner(amps)
            self.calls.append((sim.clock.monotonic(), amps))

        sim.charger.set_current = set_current  # type: ignore[method-assign]

    def since(self, t: float) -> list[tuple[float, int]]:
        return [call for call in self.calls if call[0] >= t]


def schedule(sim: Simulation, line: str) -> c.CommandResult:
    command = parse_schedule_command(line, sim.clock.now(), 32, 32)
    future = sim.engine.submit(command)
    sim.run(0.5)
    return future.result(timeout=0)


def set_mode(sim: Simulation, command: ModeCommand) -> None:
    sim.engine.submit(c.SetMode(command))
    sim.run(0.5)


def demo_state(data_dir: Path) -> Path:
    return data_dir / "demo" / "state"


def parse_state_files(state_dir: Path) -> dict[str, object]:
    """Every state file parsed; none may be empty, truncated or quarantined."""
    parsed = {}
    for path in sorted(state_dir.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text.strip(), f"{path.name} is empty"
        parsed[path.name] = json.loads(text)
    corrupt = sorted(p.name for p in state_dir.glob("*.corrupt-*"))
    assert not corrupt, f"files were found corrupt and moved aside: {corrupt}"
    return parsed


# ----- 1. one controller per data folder -------------------------------------------------------------


def test_second_instance_refuses_with_status_2_and_a_killed_one_is_taken_over(tmp_path):
    first = Program([*DEMO, "--data-dir", str(tmp_path)])
    try:
        first.wait_for(FIRST_STATUS, 30)
        second = subprocess.run(
            [sys.executable, "-m", "evse_tui", *DEMO, "--data-dir", str(tmp_path), "--duration", "5"],
            cwd=ROOT, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )
        assert second.returncode == 2, second.stderr
        assert "already controlling the charger" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert first.proc.poll() is None, "the refused second start disturbed the running one"
        assert first.command("ph").startswith("ok: mode POWER_HOME")  # the first still obeys

        first.kill9()  # the kernel drops its flock; the lock file stays behind with its pid
        lock_file = tmp_path / "demo" / "evse-tui.lock"
        assert lock_file.read_text().strip() == str(first.pid)

        third = Program([*DEMO, "--data-dir", str(tmp_path), "--duration", "2"])
        try:
            third.wait_for(r"^stopped: charger at 0 A", 30)
            assert third.wait(10) == 0, third.transcript()
        finally:
            third.close()
        assert lock_file.read_text().strip() == str(third.pid)
    finally:
        first.close()


# ----- 2. kill -9 at any moment -------------------------------------------------------------------------

# (console word, mode it leaves, tariff it selects or None)
MODE_WORDS = [
    ("f", ("SMART", None), "FLUX"),
    ("g", ("SMART", None), "OCTGO"),
    ("cosy", ("SMART", None), "COSY"),
    ("ph", ("POWER_HOME", None), None),
    ("b", ("BALANCE", None), None),
    ("solar", ("SOLAR", None), None),
    ("10", ("FIXED", 10), None),
    ("-8", ("FIXED", -8), None),
    ("p", ("PAUSE", None), None),
    ("d", ("DISCHARGE", None), None),
]


def saved_mode(state: dict) -> tuple[tuple[str, int | None], str]:
    mode = state["mode"]
    return (mode["mode"], mode["amps"]), state["tariff"]


def test_kill_9_at_random_moments_loses_nothing_the_owner_saved(tmp_path):
    rng = random.Random(20261124)
    when = datetime.now(LONDON) + timedelta(days=2)
    acked_events: dict[str, str] = {}  # id -> the time it was scheduled for
    acked_target: str | None = None
    possible: list[tuple[tuple[str, int | None], str]] | None = None  # states the file may hold
    mode, tariff = ("SMART", None), "COSY"  # the demo's first start
    for cycle in range(12):
        program = Program([*DEMO, "--data-dir", str(tmp_path)])
        try:
            program.wait_for(FIRST_STATUS, 30)
            if possible is not None:
                state = parse_state_files(demo_state(tmp_path))["evse_state.json"]
                assert saved_mode(state) in possible, (cycle, saved_mode(state), possible)
                mode, tariff = saved_mode(state)
                mark = len(program.lines)
                program.send("status")
                _, line = program.wait_for(r"\d \| ", 10, after=mark)
                expected = f"SMART · {tariff}" if mode[0] == "SMART" else (
                    f"FIXED {mode[1]:+d} A" if mode[0] == "FIXED" else mode[0])
                assert line.split(" | ")[1] == expected, (line, expected)
                mark = len(program.lines)
                program.send("list-schedule")
                if acked_target:
                    program.wait_for(rf"target: {acked_target}%", 10, after=mark)
                for event_id in acked_events:
                    program.wait_for(rf"\b{event_id}\b", 10, after=mark)
            # The owner's changes, then kill -9 at a random moment (sometimes before the answer arrives).
            possible = [(mode, tariff)]
            pending: list[tuple[tuple[str, int | None], str]] = []
            for _ in range(rng.randint(2, 6)):
                choice = rng.random()
                if choice < 0.2:
                    at = (when + timedelta(hours=rng.randint(0, 40))).strftime("%Y-%m-%dT%H:00")
                    answer = program.command(f"schedule {at} discharge")
                    assert answer.startswith("ok: scheduled e"), answer
                    acked_events[answer.split()[-1]] = at
                    continue
                if choice < 0.3:
                    soc = rng.randint(60, 90)
                    answer = program.command(f"target {soc} 07:30")
                    assert answer.startswith("ok:"), answer
                    acked_target = str(soc)
                    continue
                word, mode, new_tariff = rng.choice(MODE_WORDS)
                tariff = new_tariff or tariff
                pending.append((mode, tariff))
                if rng.random() < 0.3:  # fire and kill without waiting for the answer
                    program.send(word)
                    time.sleep(rng.uniform(0, 0.05))
                    break
                answer = program.command(word)
                assert answer.startswith("ok: mode"), answer
                possible = [(mode, tariff)]
                pending = []
            possible += pending
            time.sleep(rng.uniform(0, 0.3))
            program.kill9()
        finally:
            program.close()
        parse_state_files(demo_state(tmp_path))
        if acked_events or acked_target:
            schedule_file = json.loads((demo_state(tmp_path) / "schedule.json").read_text())
            assert set(acked_events) <= {e["id"] for e in schedule_file["events"]}
            assert (schedule_file["target"] is not None) == (acked_target is not None)
    assert acked_events or acked_target, "the random walk never exercised the schedule"


# ----- 2b. disk full / read-only data folder --------------------------------------------------------


def failing_writes(monkeypatch, code: int, reason: str) -> dict[str, bool]:
    """Make every state write fail with OSError(code) while the returned switch's "on" is True."""
    real_write = storage.atomic_write_text
    failing = {"on": True}

    def write(path, text, mode=0o600):
        if failing["on"]:
            raise OSError(code, reason, str(path))
        return real_write(path, text, mode)

    monkeypatch.setattr(storage, "atomic_write_text", write)
    return failing


def test_disk_full_warns_once_control_goes_on_and_saving_resumes(tmp_path, logs, monkeypatch):
    start = datetime(2026, 1, 14, 11, 0, tzinfo=LONDON)
    state_dir = tmp_path / "state"
    sim = simulation(start, ModeCommand(Mode.PAUSE), store=StateStore(state_dir))
    sim.run(70)  # a first save happens
    failing = failing_writes(monkeypatch, errno.ENOSPC, "No space left on device")
    set_mode(sim, ModeCommand(Mode.FIXED, 10))
    sim.run(600)
    set_mode(sim, ModeCommand(Mode.FIXED, -6))
    sim.run(300)
    warnings = logs.matching("could not save state", "WARNING")
    assert len(warnings) == 1, warnings
    assert "No space left on device" in warnings[0]
    assert "cannot save state" in " ".join(sim.engine.snapshot.warnings)
    # control went on: the charger follows the owner's last word
    assert sim.home.quasar.actual_current == pytest.approx(-6, abs=0.5)
    assert json.loads((state_dir / "evse_state.json").read_text())["mode"]["mode"] == "PAUSE"

    failing["on"] = False
    sim.run(61)
    assert len(logs.matching("saving state works again", "WARNING")) == 1
    saved = json.loads((state_dir / "evse_state.json").read_text())
    assert saved["mode"] == {"mode": "FIXED", "amps": -6, "tariff": None}
    assert not any("cannot save state" in w for w in sim.engine.snapshot.warnings)
    assert not list(state_dir.glob(".*.tmp")), "a failed save left a temporary file behind"


def test_read_only_folder_while_scheduling_keeps_the_event_once_saving_works(tmp_path, logs, monkeypatch):
    """An event added while the folder is read-only must reach schedule.json once writing works again."""
    start = datetime(2026, 1, 14, 11, 0, tzinfo=LONDON)
    state_dir = tmp_path / "state"
    scheduler = Scheduler(state_dir / "schedule.json", LONDON, start)
    sim = simulation(start, ModeCommand(Mode.PAUSE), store=StateStore(state_dir), scheduler=scheduler)
    sim.run(5)
    failing = failing_writes(monkeypatch, errno.EROFS, "Read-only file system")
    assert schedule(sim, "schedule 2026-01-14T18:00 discharge").ok
    assert schedule(sim, "schedule 2026-01-14T19:00 pause").ok
    sim.run(120)
    failing["on"] = False
    sim.run(180)  # three minutes of normal running with a writable folder
    saved = json.loads((state_dir / "schedule.json").read_text())
    assert {e["id"] for e in saved["events"]} == {"e1", "e2"}, "events added while saving failed were lost"


# ----- 3. wall-clock steps -------------------------------------------------------------------------------


def fired(logs: LogLines) -> list[str]:
    return [line.split()[2] for line in logs.matching("fires:") if line.split()[1] == "schedule"]


def test_wall_clock_jump_forward_fires_only_the_latest_skipped_event(tmp_path, logs):
    start = datetime(2026, 1, 14, 12, 0, tzinfo=LONDON)
    scheduler = Scheduler(tmp_path / "schedule.json", LONDON, start)
    sim = simulation(start, ModeCommand(Mode.PAUSE), store=StateStore(tmp_path), scheduler=scheduler)
    for line in ("schedule 2026-01-14T13:00 charge", "schedule 2026-01-14T14:00 discharge",
                 "schedule 2026-01-14T14:30 10", "schedule 2026-01-14T16:00 pause"):
        assert schedule(sim, line).ok
    sim.run(600)
    commands = CountingCharger(sim)
    jump_at = sim.clock.monotonic()
    sim.clock.step_wall(3 * 3600)  # NTP steps the clock to 15:10
    sim.run(60)
    assert fired(logs) == ["e3"], logs.matching("schedule")
    assert sim.engine.mode == ModeCommand(Mode.FIXED, 10)
    assert len(commands.since(jump_at)) <= 1, commands.calls


def test_wall_clock_jump_forward_keeps_events_exactly_once_and_delays_on_monotonic_time(tmp_path, logs):
    start = datetime(2026, 1, 14, 12, 0, tzinfo=LONDON)
    scheduler = Scheduler(tmp_path / "schedule.json", LONDON, start)
    sim = simulation(start, ModeCommand(Mode.PAUSE), store=StateStore(tmp_path), scheduler=scheduler)
    for line in ("schedule 2026-01-14T13:00 charge", "schedule 2026-01-14T14:00 -6",
                 "schedule 2026-01-14T16:00 pause", "schedule 2026-01-14T12:30 8 repeat daily"):
        assert schedule(sim, line).ok
    sim.run(600)
    commands = CountingCharger(sim)
    readings = []
    jump_at = sim.clock.monotonic()
    sim.clock.step_wall(3 * 3600)
    sim.run(3000, lambda s: readings.append(s.engine.snapshot.grid_w))  # to 16:00 wall and past it
    names = fired(logs)
    assert len(names) == len(set(names)), f"an event fired twice: {names}"
    assert "e3" in names and names[-1] == "e3", names  # 16:00 fired on time after the jump
    assert sim.engine.mode == ModeCommand(Mode.PAUSE)
    calls = commands.since(jump_at)
    gaps = [b[0] - a[0] for a, b in zip(calls, calls[1:])]
    assert all(gap >= 5.9 - 1e-6 for gap in gaps), calls  # the change delays still hold
    assert len(readings) >= 2990 and all(r is not None for r in readings[-2900:])  # control never stalled


def test_wall_clock_jump_backward_fires_nothing_twice_and_control_goes_on(tmp_path, logs):
    start = datetime(2026, 1, 14, 12, 50, tzinfo=LONDON)
    scheduler = Scheduler(tmp_path / "schedule.json", LONDON, start)
    sim = simulation(start, ModeCommand(Mode.PAUSE), store=StateStore(tmp_path), scheduler=scheduler)
    for line in ("schedule 2026-01-14T13:00 charge", "schedule 2026-01-14T13:05 -6 repeat daily",
                 "schedule 2026-01-14T17:00 pause"):
        assert schedule(sim, line).ok
    sim.run(1200)  # 13:10: e1 and e2 fired
    assert fired(logs) == ["e1", "e2"]
    commands = CountingCharger(sim)
    jump_at = sim.clock.monotonic()
    sim.clock.step_wall(-3 * 3600)  # NTP steps back to 10:10
    set_mode(sim, ModeCommand(Mode.FIXED, 12))  # the owner acts just after the step
    readings: list[float | None] = []
    sim.run(4 * 3600, lambda s: readings.append(s.engine.snapshot.grid_w))  # 10:10 -> 14:10 wall
    assert fired(logs) == ["e1", "e2"], "an occurrence fired a second time after the clock went back"
    calls = commands.since(jump_at)
    assert calls and calls[0][1] == 12 and calls[0][0] - jump_at < 25, calls  # no stall: within the 21.9 s delay
    assert sim.engine.mode == ModeCommand(Mode.FIXED, 12)
    assert sim.home.quasar.actual_current == pytest.approx(12, abs=0.5)
    assert all(r is not None for r in readings[5:])


@pytest.mark.parametrize("jump_h", [-26, 26])
def test_day_long_wall_clock_steps_keep_smart_control_and_saving_working(tmp_path, logs, jump_h):
    start = datetime(2026, 1, 14, 15, 0, tzinfo=LONDON)
    state_dir = tmp_path / "state"
    sim = simulation(start, ModeCommand(Mode.SMART), tariff="COSY", store=StateStore(state_dir))
    sim.run(600)
    sim.clock.step_wall(jump_h * 3600)
    steps = []
    sim.run(1800, lambda s: steps.append(s.engine.snapshot.control_state))
    assert not logs.matching("control loop error")
    assert len(logs.matching("CONTROL ")) < 20  # re-evaluated, not re-decided every pass
    saved = json.loads((state_dir / "evse_state.json").read_text())
    assert saved["mode"]["mode"] == "SMART"
    assert sim.engine.snapshot.time.date() == (start + timedelta(hours=jump_h, seconds=2400)).date()


def test_a_ten_minute_meter_outage_is_logged_when_it_starts_and_ends_not_every_second(logs):
    sim = simulation(datetime(2026, 1, 14, 18, 0, tzinfo=LONDON), ModeCommand(Mode.POWER_HOME))
    sim.run(120)
    sim.monitor.frozen = True
    sim.run(600)
    assert sim.engine.snapshot.failsafe and sim.home.quasar.actual_current == 0
    sim.monitor.frozen = False
    sim.run(30)
    failsafe = logs.matching("FAILSAFE", "WARNING")
    assert len(failsafe) == 2, f"{len(failsafe)} FAILSAFE warnings for one outage, e.g. {failsafe[:3]}"


# ----- 4. signals (the demo needs no drivers) --------------------------------------------------------------


def test_sigterm_while_running_exits_0_within_3_s_with_the_charger_stopped(tmp_path):
    program = Program([*DEMO, "--data-dir", str(tmp_path)])
    try:
        program.wait_for(FIRST_STATUS, 30)
        assert program.command("-8").startswith("ok: mode FIXED -8 A")
        program.wait_for(r"target -8 A", 30)
        began = time.monotonic()
        program.signal(signal.SIGTERM)
        status = program.wait(10)
        took = time.monotonic() - began
        assert status == 0, program.transcript()
        assert took < EXIT_WITHIN_S, f"exit took {took:.1f} s"
        program.wait_for(r"^stopped: charger at 0 A, control handed back", 5)
    finally:
        program.close()
    text = log_text(tmp_path / "demo")
    assert "signal SIGTERM: stopping" in text
    assert "exit: charger stopped and control handed back" in text
    state = parse_state_files(demo_state(tmp_path))["evse_state.json"]
    assert state["mode"] == {"mode": "FIXED", "amps": -8, "tariff": None}


def test_sighup_does_not_stop_control(tmp_path):
    program = Program([*DEMO, "--data-dir", str(tmp_path)])
    try:
        program.wait_for(FIRST_STATUS, 30)
        program.signal(signal.SIGHUP)
        time.sleep(1.0)
        assert program.proc.poll() is None, program.transcript()
        assert program.command("ph").startswith("ok: mode POWER_HOME")
        assert program.stop() == 0
    finally:
        program.close()
    assert "exit: charger stopped and control handed back" in log_text(tmp_path / "demo")


def test_sighup_is_logged_so_the_owner_knows_why_nothing_happened(tmp_path):
    program = Program([*DEMO, "--data-dir", str(tmp_path)])
    try:
        program.wait_for(FIRST_STATUS, 30)
        program.signal(signal.SIGHUP)
        time.sleep(1.0)
        assert program.stop() == 0
    finally:
        program.close()
    assert "SIGHUP" in log_text(tmp_path / "demo"), "the log does not say a SIGHUP arrived and was ignored"


# ----- 7. secrets and private files -----------------------------------------------------------------------

PASSWORD = "pw-Zq83-never-shown"
TOKEN = "tok-Xv51-never-shown"


def owner_data_dir(tmp_path: Path) -> Path:
    from test_reliability_harness import write_config

    data = tmp_path / "data"
    write_config(data / "config" / "config.yaml", {
        "wallbox": {"url": "127.0.0.1:1", "username": "owner@example.com", "password": PASSWORD, "serial": 12345},
        "shelly": {"primary_url": "127.0.0.1:1"},
        "influxdb": {"enabled": True, "url": "http://127.0.0.1:1", "token": TOKEN, "org": "home"},
    })
    return data


HELP_COMMANDS = [[], ["plan"], ["sim-devices"], ["export-influx"], ["configure"], ["discover"]]


@pytest.mark.parametrize("sub", HELP_COMMANDS, ids=lambda s: " ".join(s) or "main")
def test_help_output_never_shows_a_configured_secret(tmp_path, sub):
    data = owner_data_dir(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--data-dir", str(data), *sub, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={"EVSE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    for secret in (PASSWORD, TOKEN):
        assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize("section, key", [("wallbox", "password"), ("influxdb", "token")])
def test_a_config_error_on_a_secret_does_not_print_it(tmp_path, section, key):
    from test_reliability_harness import write_config

    data = tmp_path / "data"
    write_config(data / "config" / "config.yaml",
                 {"wallbox": {"url": "127.0.0.1:1"}, section: {key: [PASSWORD]}})  # a list where text belongs
    result = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--data-dir", str(data), "--no-ui", "--duration", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and f"{section}.{key}" in result.stderr, result.stderr
    assert PASSWORD not in result.stderr + result.stdout, result.stderr


class ExplodingCharger:
    """A charger whose poll raises an error carrying the secrets, as a buggy driver or library might."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.raised = 0

    def status(self):
        if self.raised < 2:  # twice, then it recovers so the screen gets a fresh picture
            self.raised += 1
            raise RuntimeError(f"login failed for password={PASSWORD} token={TOKEN}")
        return self.inner.status()

    def set_current(self, amps: int) -> None:
        self.inner.set_current(amps)

    def start(self, listener=None) -> None:
        pass

    def close(self) -> None:
        pass


def test_crash_reports_in_the_log_and_on_screen_redact_secrets(tmp_path):
    config = Config(
        wallbox=WallboxConfig(url="127.0.0.1:1", username="owner", password=PASSWORD, serial="1"),
        influxdb=InfluxConfig(enabled=False, token=TOKEN),
    )
    tail = setup_logging(LoggingConfig(), tmp_path, config.secrets(), console=False)
    try:
        sim = simulation(datetime(2026, 1, 14, 12, 0, tzinfo=LONDON), ModeCommand(Mode.PAUSE), config=config)
        sim.engine.charger = ExplodingCharger(sim.charger)
        screens = []
        sim.engine.subscribe(screens.append)
        stop = threading.Event()
        runner = threading.Thread(target=sim.engine.run, args=(stop,), daemon=True)
        runner.start()
        deadline = time.monotonic() + 10
        while not (screens and screens[-1].errors) and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        runner.join(10)
        for handler in logging.getLogger("evse_tui").handlers:
            handler.flush()
        text = (tmp_path / "evse.log").read_text()
    finally:
        for handler in list(logging.getLogger("evse_tui").handlers):
            logging.getLogger("evse_tui").removeHandler(handler)
            handler.close()
    assert "control loop error" in text and "Traceback" in text, text[-2000:]
    places = {
        "log file (the traceback)": text,
        "screen log panel": "\n".join(tail.lines),
        "screen error list (snapshot.errors)": "\n".join(screens[-1].errors),
    }
    leaks = [where for where, shown in places.items() for secret in (PASSWORD, TOKEN) if secret in shown]
    assert not leaks, f"secrets shown in: {sorted(set(leaks))}"


def test_data_files_are_private_to_the_owner(tmp_path):
    program = Program([*DEMO, "--data-dir", str(tmp_path)])
    try:
        program.wait_for(FIRST_STATUS, 30)
        assert program.command("ph").startswith("ok")
        assert program.stop() == 0
    finally:
        program.close()
    root = tmp_path / "demo"
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "evse_state.json" for p in files) and any(p.suffix == ".log" for p in files)
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others: {oct(path.stat().st_mode)}"
    for folder in (root / "config", root / "state", root / "logs"):
        assert folder.stat().st_mode & 0o077 == 0, f"{folder} is open to others"


def test_configure_writes_a_config_only_the_owner_can_read(tmp_path):
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--data-dir", str(data), "configure", "--non-interactive",
         "--set", f"wallbox.password={PASSWORD}", "--set", "wallbox.username=owner",
         "--set", f"influxdb.token={TOKEN}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = data / "config" / "config.yaml"
    assert config.stat().st_mode & 0o077 == 0, oct(config.stat().st_mode)
    assert PASSWORD in config.read_text()
    for secret in (PASSWORD, TOKEN):
        assert secret not in result.stdout + result.stderr, "configure printed a secret"
