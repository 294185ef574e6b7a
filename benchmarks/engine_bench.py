"""Engine benchmarks (issue 2): a simulated 24 h with the full engine, and the headless demo's footprint.

    python benchmarks/engine_bench.py            # both
    python benchmarks/engine_bench.py --day      # only the simulated day
    python benchmarks/engine_bench.py --headless 120   # only the demo, measured over 120 s

Targets: 24 h in under 5 s (>= 17,000x real time); headless demo at 1 Hz under 1 % of one core and
under 60 MB resident memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evse_tui.config.schema import LoggingConfig  # noqa: E402
from evse_tui.control.modes import Mode, ModeCommand  # noqa: E402
from evse_tui.engine.persist import StateStore  # noqa: E402
from evse_tui.engine.simulate import simulation  # noqa: E402
from evse_tui.telemetry.logfile import setup_logging  # noqa: E402


def simulated_day() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_logging(LoggingConfig(), Path(tmp) / "logs", (), console=False)  # STATE lines at DEBUG, as in real use
        for mode in (Mode.POWER_HOME, Mode.SOLAR, Mode.SMART):
            # No state store: saving once a simulated minute would measure the disk's fsync, not the engine.
            sim = simulation(datetime(2026, 3, 12), ModeCommand(mode), soc=60, weather="cloudy")
            start = time.perf_counter()
            sim.run(86400)
            took = time.perf_counter() - start
            log_mb = sum(p.stat().st_size for p in (Path(tmp) / "logs").iterdir()) / 1e6
            print(f"simulated 24 h, {mode.value:<10}: {took:5.2f} s  ({86400 / took:,.0f}x real time; log {log_mb:.1f} MB so far)")
        store = StateStore(Path(tmp) / "state")
        start = time.perf_counter()
        for _ in range(20):
            sim.engine.store = store
            sim.engine.save()
        print(f"one state save (evse_state.json + 300-reading history.json, fsynced): {(time.perf_counter() - start) / 20 * 1000:.1f} ms")


def _proc_stat(pid: int) -> tuple[float, float]:
    """(CPU seconds, resident MB) of a process and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss_pages = int(fields[21])
    return cpu, rss_pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def headless_demo(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evse_tui", "--demo", "--no-ui", "--data-dir", tmp],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        try:
            time.sleep(10)  # start-up (imports, servers) is not the steady state
            proc.stdin.write(b"ph\n")
            proc.stdin.flush()
            cpu0, _ = _proc_stat(proc.pid)
            t0 = time.monotonic()
            peak = 0.0
            while time.monotonic() - t0 < seconds:
                time.sleep(1)
                peak = max(peak, _proc_stat(proc.pid)[1])
            cpu1, rss = _proc_stat(proc.pid)
            share = (cpu1 - cpu0) / (time.monotonic() - t0) * 100
            print(f"headless demo at 1 Hz over {seconds:.0f} s: {share:.2f} % of one core, {rss:.1f} MB resident (peak {peak:.1f} MB)")
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", action="store_true")
    parser.add_argument("--headless", type=float, nargs="?", const=60.0)
    args = parser.parse_args()
    both = not args.day and args.headless is None
    if args.day or both:
        simulated_day()
    if args.headless is not None or both:
        headless_demo(args.headless or 60.0)


if __name__ == "__main__":
    main()
