"""The real program in a real terminal: `evse-tui --demo` inside tmux (TERM=screen, 80x24), driven with
send-keys and read with capture-pane. Slow and few: it proves the whole path a phone over SSH takes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

EVSE_TUI = Path(sys.executable).with_name("evse-tui")
EXIT_LINE = "exit: charger stopped and control handed back"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """A private tmux server (its own socket), so the test never touches the owner's sessions."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, check=check, timeout=10,
            env={**os.environ, "LANG": "C.UTF-8"},
        )

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "evse").stdout

    def header(self) -> str:
        return self.screen().splitlines()[0] if self.screen() else ""

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "evse", *keys)

    def alive(self) -> bool:
        return self.run("has-session", "-t", "evse", check=False).returncode == 0

    def wait(self, condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{self.screen()}")


@pytest.fixture
def tmux(tmp_path):
    server = Tmux(f"evse-tui-test-{os.getpid()}")
    yield server
    server.run("kill-server", check=False)


def charger_state(header: str) -> str:
    """The third field of the header: `MODE │ tariff rates │ STATE   clock`."""
    parts = header.split("│")
    return parts[2].rsplit("  ", 1)[0].strip() if len(parts) >= 3 else ""


def test_demo_in_tmux_charges_on_c_and_quits_cleanly(tmux, tmp_path):
    assert EVSE_TUI.exists(), f"{EVSE_TUI} is missing: pip install -e ."
    data = tmp_path / "data"
    rc_file = tmp_path / "rc"
    command = f"TERM=screen {EVSE_TUI} --demo --speed 10 --data-dir {data}; echo $? > {rc_file}"
    tmux.run("new-session", "-d", "-s", "evse", "-x", "80", "-y", "24", command)

    tmux.wait(lambda: "SMART · COSY" in tmux.header(), 20, "the first frame")
    screen = tmux.screen()
    for panel in ("Power", "Car", "Today", "Schedule", "Log", "c charge", "q quit"):
        assert panel in screen

    tmux.keys("p")
    tmux.wait(lambda: tmux.header().startswith(" PAUSE "), 10, "PAUSE in the header")
    tmux.wait(lambda: charger_state(tmux.header()) == "PAUSED", 30, "the charger to pause")

    tmux.keys("c")
    tmux.wait(lambda: tmux.header().startswith(" CHARGE "), 10, "CHARGE in the header")
    tmux.wait(lambda: charger_state(tmux.header()) not in ("PAUSED", ""), 30, "the charger to leave PAUSED")
    tmux.wait(lambda: "+32 A target" in tmux.screen(), 10, "the 32 A target")

    tmux.run("resize-window", "-t", "evse", "-x", "120", "-y", "40")
    tmux.wait(lambda: len(tmux.screen().splitlines()) >= 39 and "CHARGE" in tmux.header(), 10, "a redraw at 120x40")
    tmux.run("resize-window", "-t", "evse", "-x", "80", "-y", "24")
    tmux.wait(lambda: "q quit" in tmux.screen(), 10, "a redraw at 80x24")

    tmux.keys("C-c")  # Ctrl+C asks the same question as q
    tmux.wait(lambda: "Quit evse-tui?" in tmux.screen(), 10, "the quit question after Ctrl+C")
    tmux.keys("n")
    tmux.wait(lambda: "Quit evse-tui?" not in tmux.screen(), 10, "the question to go")

    tmux.keys("q")
    tmux.wait(lambda: "Quit evse-tui?" in tmux.screen(), 10, "the quit question")
    tmux.keys("y")
    tmux.wait(lambda: rc_file.exists(), 15, "the program to exit")
    assert rc_file.read_text().strip() == "0"
    log = (data / "demo" / "logs" / "evse.log").read_text()
    assert EXIT_LINE in log
    assert "Traceback" not in log


def pane_program_pid(tmux: Tmux) -> int:
    """The evse-tui process under the pane's shell."""
    shell = tmux.run("display-message", "-p", "-t", "evse", "#{pane_pid}").stdout.strip()
    children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    assert children, "evse-tui is not running in the pane"
    return int(children[0])


def test_detach_and_reattach_keep_it_running_and_sigterm_stops_it_cleanly(tmux, tmp_path):
    data = tmp_path / "data"
    rc_file = tmp_path / "rc"
    command = f"TERM=screen {EVSE_TUI} --demo --data-dir {data}; echo $? > {rc_file}"
    tmux.run("new-session", "-d", "-s", "evse", "-x", "80", "-y", "24", command)
    tmux.wait(lambda: "SMART · COSY" in tmux.header(), 20, "the first frame")

    for size in ((30, 100), (24, 80)):  # attach from a terminal of another size, then detach
        client = pexpect.spawn(
            "tmux", ["-u", "-L", tmux.socket, "attach", "-t", "evse"], dimensions=size,
            env={**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8"}, timeout=10,
        )
        rows = size[0] - 1  # tmux's status line takes one row of the client
        tmux.wait(lambda: len(tmux.screen().splitlines()) == rows, 10, f"a redraw at {size}")
        tmux.wait(lambda: "q quit" in tmux.screen(), 10, "the keys after the resize")
        client.send("\x02d")  # the tmux prefix, then d: detach
        client.expect(pexpect.EOF)
        client.close()
        assert tmux.alive()
        clock = tmux.header()[-10:]
        tmux.wait(lambda: tmux.header()[-10:] != clock, 5, "the clock to keep moving while detached")

    os.kill(pane_program_pid(tmux), 15)  # SIGTERM: no question, the charger is stopped first
    tmux.wait(lambda: rc_file.exists(), 15, "the program to exit")
    assert rc_file.read_text().strip() == "0"
    log = (data / "demo" / "logs" / "evse.log").read_text()
    assert "signal SIGTERM: stopping" in log
    assert EXIT_LINE in log
