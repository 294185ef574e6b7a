"""Soak (issue 10): a simulated week of the real engine on the simulated home, with a fault every few minutes.

    python benchmarks/soak.py                  # 7 simulated days, seed 1
    python benchmarks/soak.py --days 2 --seed 7 --keep /tmp/soak   # shorter, keep the data folder

Everything an owner's machine runs for months is in the loop: the engine, the scheduler and its file,
the state store saving once a simulated minute, and DEBUG file logging rotating at 2 MB x 5. Every 2-8
simulated minutes one fault or owner action is injected at random:

- charger polls fail, or its writes fail, for 5-120 s (the Modbus module stops answering);
- the meter freezes for 5-120 s (no new readings: the fail-safe must hold the charger at 0 A);
- the disk is full for 5-120 s (every state and schedule save fails);
- the car is unplugged for 1-30 minutes;
- the wall clock is stepped by up to 2 minutes either way (NTP);
- the owner changes mode, adds, toggles or deletes a scheduled event, sets or cancels a SoC target.

Pass criteria (exit status 1 otherwise): no exception escapes the loop and no `control loop error` is
logged; every command gets an answer; resident memory grows by less than 5 MB from the end of the first
simulated day to the end of the last; the log folder stays within its bound; every state file parses and
loads back without a problem; the whole week runs in under 10 minutes.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evse_tui import storage  # noqa: E402
from evse_tui.clock import LONDON  # noqa: E402
from evse_tui.config.schema import Config, LoggingConfig  # noqa: E402
from evse_tui.control.modes import CommandError, Mode, ModeCommand, parse_mode  # noqa: E402
from evse_tui.engine import commands as c  # noqa: E402
from evse_tui.engine.persist import StateStore  # noqa: E402
from evse_tui.engine.simulate import Simulation, simulation  # noqa: E402
from evse_tui.paths import DataPaths  # noqa: E402
from evse_tui.scheduler.events import ScheduleError  # noqa: E402
from evse_tui.scheduler.service import Scheduler  # noqa: E402
from evse_tui.scheduler.words import parse_schedule_command  # noqa: E402
from evse_tui.telemetry.logfile import setup_logging  # noqa: E402

DAY_S = 86_400
LOG_MAX_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5
RSS_GROWTH_LIMIT_MB = 5.0
TIME_LIMIT_S = 600.0
MODE_WORDS = ("s", "g", "f", "cosy", "c", "d", "p", "solar", "ph", "b", "u", "10", "-8", "16", "-3", "0")
EVENT_WORDS = ("c", "d", "p", "s", "ph", "b", "solar", "12", "-10")


def rss_mb() -> float:
    """Resident memory of this process now (MB), from /proc/self/statm."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@dataclass
class Injector:
    """Decides and applies one fault or owner action every few simulated minutes."""

    sim: Simulation
    rng: random.Random
    counts: Counter = field(default_factory=Counter)
    futures: list = field(default_factory=list)  # not answered yet
    answers: Counter = field(default_factory=Counter)  # "ok" / "refused"
    next_at: float = 0.0
    undo: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    disk_full: bool = False

    def __post_init__(self) -> None:
        self.next_at = self.sim.clock.monotonic() + self._gap()
        real_write = storage.atomic_write_text

        def write(path, text, mode=0o600):
            if self.disk_full:
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            return real_write(path, text, mode)

        storage.atomic_write_text = write

    def _gap(self) -> float:
        return self.rng.uniform(120, 480)

    def __call__(self, sim: Simulation) -> None:
        now = sim.clock.monotonic()
        if self.undo and self.undo[0][0] <= now:
            due = [u for u in self.undo if u[0] <= now]
            self.undo = [u for u in self.undo if u[0] > now]
            for _, action in due:
                action()
        if now < self.next_at:
            return
        self.next_at = now + self._gap()
        self._collect_answers()
        kind = self.rng.choice(
            ("polls", "writes", "meter", "disk", "unplug", "ntp", "mode", "mode", "event", "event", "target")
        )
        self.counts[kind] += 1
        getattr(self, f"_{kind}")(now)

    def _collect_answers(self) -> None:
        """Count the answers that came and forget those futures (the soak must not hold memory itself)."""
        waiting = []
        for future in self.futures:
            if future.done():
                self.answers["ok" if future.result().ok else "refused"] += 1
            else:
                waiting.append(future)
        self.futures = waiting

    def _later(self, at: float, action: Callable[[], None]) -> None:
        self.undo.append((at, action))
        self.undo.sort(key=lambda u: u[0])

    def _lasting(self) -> float:
        return self.rng.uniform(5, 120)

    def _polls(self, now: float) -> None:
        self.sim.charger.fail_polls = True
        self._later(now + self._lasting(), lambda: setattr(self.sim.charger, "fail_polls", False))

    def _writes(self, now: float) -> None:
        self.sim.charger.fail_writes = True
        self._later(now + self._lasting(), lambda: setattr(self.sim.charger, "fail_writes", False))

    def _meter(self, now: float) -> None:
        self.sim.monitor.frozen = True
        self._later(now + self._lasting(), lambda: setattr(self.sim.monitor, "frozen", False))

    def _disk(self, now: float) -> None:
        self.disk_full = True
        self._later(now + self._lasting(), lambda: setattr(self, "disk_full", False))

    def _unplug(self, now: float) -> None:
        home = self.sim.home
        with home.lock:
            home.advance()
            home.quasar.unplug()

        def plug() -> None:
            with home.lock:
                home.advance()
                home.quasar.plug()

        self._later(now + self.rng.uniform(60, 1800), plug)

    def _ntp(self, now: float) -> None:
        self.sim.clock.step_wall(self.rng.uniform(-120, 120))

    def _submit(self, command: c.Command) -> None:
        self.futures.append(self.sim.engine.submit(command))

    def _mode(self, now: float) -> None:
        try:
            self._submit(c.SetMode(parse_mode(self.rng.choice(MODE_WORDS), 32, 32)))
        except CommandError:
            self.counts["refused by the console"] += 1

    def _event(self, now: float) -> None:
        scheduler = self.sim.engine.scheduler
        events = scheduler.events() if scheduler is not None else ()
        roll = self.rng.random()
        if events and roll < 0.15:
            self._submit(c.DeleteEvent(self.rng.choice(events).id))
            return
        if events and roll < 0.3:
            self._submit(c.ToggleEvent(self.rng.choice(events).id))
            return
        when = self.sim.clock.now() + timedelta(minutes=self.rng.randint(5, 18 * 60))
        line = f"schedule {when:%Y-%m-%dT%H:%M} {self.rng.choice(EVENT_WORDS)}"
        extra = self.rng.random()
        if extra < 0.2:
            line += f" if soc>={self.rng.randint(20, 80)}"
        elif extra < 0.35:
            line += f" until {(when + timedelta(hours=2)):%H:%M}"
        elif extra < 0.45:
            line += " repeat daily"
        self._parse_and_submit(line)

    def _target(self, now: float) -> None:
        if self.rng.random() < 0.25:
            self._submit(c.CancelTarget())
            return
        deadline = self.sim.clock.now() + timedelta(hours=self.rng.randint(3, 30))
        self._parse_and_submit(f"target {self.rng.randint(40, 95)} {deadline:%H:%M} {deadline:%Y-%m-%d}")

    def _parse_and_submit(self, line: str) -> None:
        try:
            self._submit(parse_schedule_command(line, self.sim.clock.now(), 32, 32))
        except (ScheduleError, CommandError):
            self.counts["refused by the console"] += 1


def check_state_files(paths: DataPaths, now: datetime) -> list[str]:
    """Problems with the state files: each must parse, and load back without being moved aside."""
    problems = []
    for path in sorted(paths.state_dir.glob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{path.name}: {exc}")
    store = StateStore(paths.state_dir)
    store.load(now)
    problems += store.problems
    scheduler = Scheduler(paths.schedule_file, LONDON, now)
    if scheduler.load_problem:
        problems.append(scheduler.load_problem)
    problems += [f"left behind: {p.name}" for p in paths.state_dir.glob("*.corrupt-*")]
    return problems


def soak(days: int, seed: int, data_root: Path) -> bool:
    paths = DataPaths(data_root)
    paths.create()
    start = datetime(2026, 1, 12, 0, 0, tzinfo=LONDON)  # a winter Monday
    log_cfg = LoggingConfig(max_bytes=LOG_MAX_BYTES, backup_count=LOG_BACKUPS, file_level="DEBUG")
    setup_logging(log_cfg, paths.logs_dir, (), console=False)
    errors = Counter()
    error_kinds = Counter()

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                errors[record.levelname] += 1
            if record.levelno >= logging.ERROR:
                error_kinds[re.sub(r"\d+", "N", record.getMessage())[:90]] += 1
            if "control loop error" in record.getMessage():
                errors["control loop error"] += 1

    logging.getLogger("evse_tui").addHandler(Count(logging.WARNING))
    scheduler = Scheduler(paths.schedule_file, LONDON, start)
    sim = simulation(start, ModeCommand(Mode.SMART), config=Config(), soc=55, weather="cloudy", seed=seed,
                     store=StateStore(paths.state_dir), scheduler=scheduler)
    # The simulator keeps three days of precomputed house and solar curves (about 2 MB a day); build them
    # now so the memory figures show the engine's growth, not that cache filling up on day 3.
    for offset in (-1, 0, 1):
        moment = start + timedelta(days=offset)
        sim.home.house.day(moment.date())
        sim.home.solar.power_w(moment)
    injector = Injector(sim, random.Random(seed))
    bound = LOG_MAX_BYTES * (LOG_BACKUPS + 1)
    rss_by_day: list[float] = []
    blocks_by_day: list[int] = []
    began = time.perf_counter()
    ok = True
    print(f"soak: {days} simulated days, seed {seed}, data folder {data_root}")
    print(f"{'day':>3} {'real s':>7} {'faults':>6} {'RSS MB':>7} {'logs MB':>8} {'state KB':>8} {'SoC %':>6}")
    try:
        for day in range(1, days + 1):
            day_began = time.perf_counter()
            sim.run(DAY_S, injector)
            gc.collect()
            rss_by_day.append(rss_mb())
            blocks_by_day.append(sys.getallocatedblocks())
            logs = folder_bytes(paths.logs_dir)
            state = folder_bytes(paths.state_dir)
            soc = sim.home.quasar.soc
            print(f"{day:>3} {time.perf_counter() - day_began:7.1f} {sum(injector.counts.values()):6d} "
                  f"{rss_by_day[-1]:7.1f} {logs / 1e6:8.2f} {state / 1e3:8.1f} {soc:6.1f}", flush=True)
            if logs > bound:
                print(f"FAIL: log folder {logs} bytes is over its bound {bound}")
                ok = False
    except Exception as exc:  # the point of the soak: report it, do not hide it
        import traceback

        traceback.print_exc()
        print(f"FAIL: an exception escaped the control loop: {exc!r}")
        return False
    took = time.perf_counter() - began
    sim.run(1)  # the commands of the last injection are handled
    sim.engine.shutdown()
    injector._collect_answers()
    unanswered = injector.futures
    problems = check_state_files(paths, sim.clock.now())
    growth = rss_by_day[-1] - rss_by_day[0]
    logs = folder_bytes(paths.logs_dir)
    files = sorted(p.name for p in paths.logs_dir.iterdir())

    print()
    print(f"simulated {days} days in {took:.1f} s ({days * DAY_S / took:,.0f}x real time)")
    print("faults and owner actions: " + ", ".join(f"{k} {v}" for k, v in sorted(injector.counts.items())))
    answered = sum(injector.answers.values())
    print(f"commands answered: {answered} of {answered + len(unanswered)} "
          f"({injector.answers['ok']} ok, {injector.answers['refused']} refused with a reason)")
    print(f"log lines at WARNING or above: {errors['WARNING']} warnings, {errors['ERROR']} errors; "
          f"control loop errors: {errors['control loop error']}")
    for text, count in error_kinds.most_common(5):
        print(f"  error x{count}: {text}")
    print(f"resident memory: {rss_by_day[0]:.1f} MB after day 1, {rss_by_day[-1]:.1f} MB after day {days} "
          f"(growth {growth:+.1f} MB, limit {RSS_GROWTH_LIMIT_MB:.0f} MB); Python heap blocks "
          f"{blocks_by_day[0]:,} -> {blocks_by_day[-1]:,}")
    print(f"log folder: {logs / 1e6:.2f} MB in {len(files)} files (bound {bound / 1e6:.1f} MB = "
          f"{LOG_MAX_BYTES / 1e6:.1f} MB x {LOG_BACKUPS + 1})")
    print(f"state files: {', '.join(sorted(p.name for p in paths.state_dir.glob('*.json')))}: "
          + ("all parse and load back" if not problems else "; ".join(problems)))
    checks = {
        "no control loop error": errors["control loop error"] == 0,
        "every command answered": not unanswered,
        f"memory growth < {RSS_GROWTH_LIMIT_MB:.0f} MB": days < 2 or growth < RSS_GROWTH_LIMIT_MB,
        "log folder within its bound": logs <= bound,
        "state files parse": not problems,
        f"under {TIME_LIMIT_S / 60:.0f} minutes for a week": took * 7 / days < TIME_LIMIT_S,
    }
    for name, passed in checks.items():
        print(f"{'pass' if passed else 'FAIL'}: {name}")
    return ok and all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=7, help="simulated days (default 7)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the faults and the house (default 1)")
    parser.add_argument("--keep", metavar="DIR", help="use (and keep) this data folder instead of a temporary one")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    if args.keep:
        folder = Path(args.keep)
        if folder.exists() and any(folder.iterdir()):
            parser.error(f"--keep {folder}: the folder is not empty")
        return 0 if soak(args.days, args.seed, folder) else 1
    with tempfile.TemporaryDirectory(prefix="evse-soak-") as tmp:
        return 0 if soak(args.days, args.seed, Path(tmp)) else 1


if __name__ == "__main__":
    sys.exit(main())
