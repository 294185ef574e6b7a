"""The real program, headless on the simulated home: piped commands change the mode, the charger follows."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SPEED = "20"  # the simulated clock runs 20x: a 21.9 s change delay passes in about a second


class Headless:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "evse_tui", "--demo", "--no-ui", "--speed", SPEED, "--data-dir", str(data_dir), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def expect(self, *parts: str, timeout: float = 20.0) -> str:
        """The first new line containing every part (fails after `timeout` real seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if all(p in line for p in parts):
                return line
        raise AssertionError(f"no line with {parts} within {timeout} s; last lines:\n" + "\n".join(self.seen[-15:]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass


@pytest.fixture
def headless(tmp_path):
    runs: list[Headless] = []

    def start(*extra: str) -> Headless:
        run = Headless(tmp_path, *extra)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()


def test_status_lines_show_grid_evse_soc_mode_and_charger_state(headless):
    h = headless()
    line = h.expect("SMART · COSY", "grid", "EVSE", "SoC", "W")
    assert " | " in line


@pytest.mark.parametrize(
    "word, mode, charger",
    [
        ("c", "| CHARGE |", "CHARGING"),
        ("d", "| DISCHARGE |", "DISCHARGING"),
        ("-10", "| FIXED -10 A |", "DISCHARGING"),
        ("10", "| FIXED +10 A |", "CHARGING"),
    ],
)
def test_explicit_modes_and_the_simulated_charger_follows(headless, word, mode, charger):
    h = headless()
    h.expect("SMART")
    h.send(word)
    h.expect("ok: mode")
    h.expect(mode, charger, timeout=30)


def test_every_mode_word_is_obeyed_and_bad_currents_are_refused(headless):
    h = headless()
    h.expect("SMART")
    for word, shown in (
        ("p", "| PAUSE | DORMANT"),
        ("ph", "| POWER_HOME | LOAD_FOLLOW_DISCHARGE"),
        ("solar", "| SOLAR | LOAD_FOLLOW_CHARGE"),
        ("b", "| BALANCE | LOAD_FOLLOW_BIDIRECTIONAL"),
        ("u", "| PAUSE_UNTIL_DISCONNECT | DORMANT"),
        ("s", "| SMART · COSY |"),
        ("flux", "| SMART · FLUX |"),
    ):
        h.send(word)
        h.expect(shown)
    h.send("40")
    assert "40 A is outside -32..32 A" in h.expect("refused")
    h.send("2")
    assert "below the charger's minimum of 3 A" in h.expect("refused")
    h.send("frobnicate")
    h.expect("refused: unknown command")
    h.expect("Commands (one per line)")  # unknown input prints the help
    h.send("status")
    h.expect("| SMART · FLUX |")


def test_sigterm_stops_the_charger_hands_back_and_exits_0_within_3_s(headless, tmp_path):
    h = headless()
    h.expect("SMART")
    h.send("c")
    h.expect("| CHARGE |", "CHARGING", timeout=30)
    began = time.monotonic()
    h.proc.send_signal(signal.SIGTERM)
    assert h.proc.wait(timeout=10) == 0
    assert time.monotonic() - began < 3.0
    log = (tmp_path / "demo" / "logs" / "evse.log").read_text()
    assert "exit: charger stopped and control handed back" in log
    assert "0x51=1, 0x101=2, 0x102=0, 0x51=0" in log.split("signal SIGTERM")[-1]


def test_closed_stdin_keeps_control_running(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--demo", "--no-ui", "--speed", SPEED, "--data-dir", str(tmp_path), "--duration", "120"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0
    status_lines = [line for line in proc.stdout.splitlines() if "| SMART" in line]
    assert len(status_lines) >= 4  # at least every 30 simulated seconds, after stdin closed at once
    assert "stopped: charger at 0 A, control handed back" in proc.stdout


def test_a_second_instance_on_the_same_data_folder_is_refused(headless, tmp_path):
    h = headless()
    h.expect("SMART")
    second = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--demo", "--no-ui", "--data-dir", str(tmp_path), "--duration", "5"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )
    assert second.returncode == 2
    assert "already controlling the charger" in second.stderr
    assert "Traceback" not in second.stderr


def test_send_reaches_a_controller_that_has_no_console(tmp_path):
    """systemd gives headless no stdin: `evse-tui send` talks to it over a private Unix socket."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "evse_tui", "--demo", "--no-ui", "--speed", SPEED, "--data-dir", str(tmp_path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    sock = tmp_path / "demo" / "evse-tui.sock"
    try:
        deadline = time.monotonic() + 20
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert oct(sock.stat().st_mode & 0o777) == "0o600"

        def send(*words: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "evse_tui", "--demo", "--data-dir", str(tmp_path), "send", *words],
                capture_output=True, text=True, timeout=30,
            )

        ok = send("ph")
        assert ok.returncode == 0 and "ok: mode POWER_HOME" in ok.stdout
        refused = send("40")
        assert refused.returncode == 2 and "outside -32..32 A" in refused.stdout
        status = send("status")
        assert "| POWER_HOME |" in status.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
    assert not sock.exists()  # removed at exit
    gone = subprocess.run(
        [sys.executable, "-m", "evse_tui", "--demo", "--data-dir", str(tmp_path), "send", "ph"],
        capture_output=True, text=True, timeout=30,
    )
    assert gone.returncode == 2 and "no evse-tui is running" in gone.stderr
