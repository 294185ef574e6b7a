"""Figures for the terminal UI, printed (no pass/fail): run `python benchmarks/tui_bench.py`.

1. first frame: `evse-tui --demo` in a pseudo-terminal (80x24), from spawn to the first full frame;
2. idle: CPU (% of one core) and resident memory while live readings arrive at 1 Hz, against the
   same demo headless (`--no-ui`), and the bytes per second the screen sends to the terminal;
3. key to engine: in-process (App.run_test with the engine's loop running as the worker), from the
   key press to the engine having handled the command (its future resolved);
4. key to screen: in the real program, from sending `c`/`p` to the header showing the new mode.

Targets: first frame <= 1.5 s; idle < 5 % of a core and < 120 MB; key to engine < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

EVSE_TUI = Path(sys.executable).with_name("evse-tui")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount, _unit = line.split()
            values[key] = int(amount) / 1024
    return values["VmRSS:"], values["VmHWM:"]


def spawn(args: list[str], data: Path) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    return pexpect.spawn(str(EVSE_TUI), args + ["--data-dir", str(data)], dimensions=(24, 80), env=env, timeout=15,
                         encoding="utf-8", codec_errors="replace")


def drain(child: pexpect.spawn, seconds: float) -> int:
    """Read whatever the program writes for `seconds` (a terminal that stops reading would stall it)."""
    total = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            total += len(child.read_nonblocking(65536, timeout=0.1))
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            break
    return total


def idle(child: pexpect.spawn, seconds: float) -> tuple[float, float, float, float]:
    """(CPU % of one core, RSS MB, peak RSS MB, bytes/s to the terminal) over `seconds` after a warm-up."""
    drain(child, 3.0)
    cpu0, wall0 = cpu_seconds(child.pid), time.monotonic()
    written = drain(child, seconds)
    cpu1, wall1 = cpu_seconds(child.pid), time.monotonic()
    rss, peak = memory_mb(child.pid)
    return 100 * (cpu1 - cpu0) / (wall1 - wall0), rss, peak, written / (wall1 - wall0)


def stop(child: pexpect.spawn, keys: str | None) -> None:
    """Quit with `keys` (the TUI's q, y) or SIGTERM (headless), then wait for the exit."""
    if keys:
        for key in keys:
            child.send(key)
            time.sleep(0.3)
    else:
        child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF, timeout=15)
    child.close()


def measure_program(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        child = spawn(["--demo"], Path(tmp))
        child.expect("SMART · COSY")
        first_frame = time.monotonic() - start
        child.expect("commands")
        print(f"first frame (header)          {first_frame:6.2f} s   (target <= 1.5 s)")
        print(f"first frame (whole screen)    {time.monotonic() - start:6.2f} s")
        cpu, rss, peak, rate = idle(child, seconds)
        print(f"idle TUI, 1 Hz readings       {cpu:6.2f} % of a core over {seconds:.0f} s   (target < 5 %)")
        print(f"resident memory               {rss:6.1f} MB now, {peak:.1f} MB peak   (target < 120 MB)")
        print(f"terminal output               {rate:6.0f} bytes/s")
        delays = []
        for key, word in (("p", " PAUSE "), ("c", " CHARGE "), ("p", " PAUSE "), ("c", " CHARGE ")) * 3:
            drain(child, 0.5)
            sent = time.monotonic()
            child.send(key)
            child.expect(word)
            delays.append(time.monotonic() - sent)
        print(f"key to screen (real program)  {1000 * statistics.median(delays):6.0f} ms median, "
              f"{1000 * max(delays):.0f} ms max over {len(delays)} keys")
        stop(child, "qy")

    with tempfile.TemporaryDirectory() as tmp:
        child = spawn(["--demo", "--no-ui"], Path(tmp))
        child.expect("SMART")
        cpu, rss, peak, _ = idle(child, seconds)
        print(f"idle headless (same demo)     {cpu:6.2f} % of a core, {rss:.1f} MB   (the engine and simulated devices alone)")
        stop(child, None)


async def key_to_engine(presses: int) -> list[float]:
    from evse_tui.clock import ScaledClock
    from evse_tui.config.schema import Config
    from evse_tui.engine.engine import Engine
    from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home
    from evse_tui.ui.app import EvseApp

    clock = ScaledClock(1.0)
    home = build_demo_home(clock)
    engine = Engine(Config(), SimCharger(home), SimPowerMonitor(home), clock, None)
    handled: list[float] = []
    submit = engine.submit

    def timed(command):
        future = submit(command)
        future.add_done_callback(lambda _f: handled.append(time.perf_counter()))
        return future

    engine.submit = timed
    delays = []
    app = EvseApp(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.0)
        for i in range(presses):
            before = len(handled)
            start = time.perf_counter()
            await pilot.press("c" if i % 2 == 0 else "p")
            while len(handled) == before and time.perf_counter() - start < 2:
                await asyncio.sleep(0.001)
            delays.append(handled[-1] - start)
            await pilot.pause(0.2)
        await pilot.press("q", "y")
        for _ in range(100):
            if not app.is_running:
                break
            await pilot.pause(0.05)
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each idle measurement")
    parser.add_argument("--presses", type=int, default=20, help="keys for the key-to-engine figure")
    args = parser.parse_args()
    if not EVSE_TUI.exists():
        print(f"{EVSE_TUI} is missing: pip install -e .", file=sys.stderr)
        return 2
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    measure_program(args.seconds)
    delays = asyncio.run(key_to_engine(args.presses))
    print(f"key to engine (in-process)    {1000 * statistics.median(delays):6.1f} ms median, "
          f"{1000 * max(delays):.1f} ms max over {len(delays)} keys   (target < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
