"""`--no-ui`: the engine in the foreground, commands from stdin, a status line on every change."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TextIO

from evse_tui.console import interpret, status_line
from evse_tui.engine.engine import Engine
from evse_tui.engine.snapshot import Snapshot

log = logging.getLogger("evse_tui.headless")

STATUS_EVERY_S = 30.0
EXIT_WITHIN_S = 3.0


class StatusPrinter:
    """Prints a status line when the mode, control state, charger state or target changes, else every 30 s."""

    def __init__(self, out: TextIO, clock_monotonic) -> None:
        self.out = out
        self._mono = clock_monotonic
        self._last_key: tuple | None = None
        self._last_time = -1e18
        self.lock = threading.Lock()

    def __call__(self, snap: Snapshot) -> None:
        key = (snap.mode_text, snap.control_state, snap.charger_state_name, snap.target_current, snap.failsafe)
        now = self._mono()
        if key != self._last_key or now - self._last_time >= STATUS_EVERY_S:
            self._last_key, self._last_time = key, now
            self.write(status_line(snap))

    def write(self, text: str) -> None:
        with self.lock:
            self.out.write(text + "\n")
            self.out.flush()


def read_commands(engine: Engine, stream: TextIO, printer: StatusPrinter, stop: threading.Event) -> None:
    """Obey lines from `stream` until it closes; control goes on without it (systemd has no stdin)."""
    cfg = engine.config.wallbox
    while not stop.is_set():
        try:
            line = stream.readline()
        except (OSError, ValueError):
            return
        if not line:
            return
        action = interpret(line, engine.clock.now(), engine.snapshot, cfg.max_charge_current, cfg.max_discharge_current)
        if action.text:
            printer.write(action.text)
        if action.command is not None:
            try:
                result = engine.submit(action.command).result(timeout=5)
            except TimeoutError:
                printer.write("the engine did not answer within 5 s")
                continue
            printer.write(("ok: " if result.ok else "refused: ") + result.message)


def run_headless(engine: Engine, *, stdin: TextIO | None = None, out: TextIO | None = None, duration: float | None = None) -> int:
    stdin = sys.stdin if stdin is None else stdin
    out = sys.stdout if out is None else out
    stop = threading.Event()
    printer = StatusPrinter(out, engine.clock.monotonic)
    engine.subscribe(printer)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    def on_hangup(_signum: int, _frame: object) -> None:
        log.warning("SIGHUP received and ignored: headless control goes on (stop it with SIGTERM)")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    # A closed SSH session must not stop control; say so in the log so the owner knows why nothing happened.
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, on_hangup)
    worker = threading.Thread(target=engine.run, args=(stop,), name="engine", daemon=True)
    worker.start()
    if stdin is not None and not stdin.closed:
        threading.Thread(target=read_commands, args=(engine, stdin, printer, stop), name="console", daemon=True).start()
    try:
        if duration is not None:
            start = engine.clock.monotonic()
            while not stop.is_set() and engine.clock.monotonic() - start < duration:
                engine.clock.wait(stop, min(1.0, duration - (engine.clock.monotonic() - start)))
            stop.set()
        while not stop.wait(0.5):
            pass
    finally:
        stop.set()
        worker.join(EXIT_WITHIN_S)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if worker.is_alive():
        log.error("the engine did not stop within %.0f s", EXIT_WITHIN_S)
        return 1
    printer.write("stopped: charger at 0 A, control handed back")
    return 0
