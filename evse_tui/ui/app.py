"""The Textual app: runs the engine's control loop in a thread watched by a worker, and renders its snapshots.

Keys become engine commands (`Engine.submit`); snapshots come back through a mailbox that keeps only
the newest, and the screen redraws at most a few times a second. Every way out (q, Ctrl+C, Ctrl+Q,
SIGTERM, SIGINT, SIGHUP, `--duration`) goes through one path that stops the charger and hands it back
to its own control before the app exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.actions import OwnerCommands
from evse_tui.ui.bridge import EngineFailed, ExitRequested, SnapshotMailbox, SnapshotReady
from evse_tui.ui.main_screen import MainScreen
from evse_tui.ui.screens import ConfirmScreen
from evse_tui.ui.trouble import Trouble, troubles

if TYPE_CHECKING:
    from evse_tui.app_setup import Home
    from evse_tui.engine.engine import Engine

log = logging.getLogger("evse_tui.ui")

MIN_REDRAW_S = 0.25  # at most four redraws a second; readings arrive at 1 Hz
EXIT_WITHIN_S = 5.0
RESTART_AFTER_S = 2.0
QUIET_AFTER_S = 2.0
QUIT_TEXT = (
    "The charger will be stopped (0 A) and handed back to its own control (the Wallbox app and its "
    "schedule). Nothing is controlled again until evse-tui is started again."
)


class EvseApp(OwnerCommands, App[int]):
    """`engine` runs in a worker unless `run_engine` is False; `snapshot` alone renders a fixed picture."""

    CSS_PATH = "app.tcss"
    TITLE = "evse-tui"
    BINDINGS = [
        Binding("ctrl+c", "request_quit", "quit", show=False, priority=True),
        Binding("ctrl+q", "request_quit", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        snapshot: Snapshot | None = None,
        run_engine: bool = True,
        duration: float | None = None,
        handle_signals: bool = False,
        min_redraw_s: float = MIN_REDRAW_S,
    ) -> None:
        super().__init__()
        if engine is None and snapshot is None:
            raise ValueError("give an engine, a snapshot, or both")
        self.engine = engine
        self.snapshot: Snapshot = snapshot if snapshot is not None else engine.snapshot  # type: ignore[union-attr]
        self.run_engine = run_engine and engine is not None
        self.duration = duration
        self.handle_signals = handle_signals
        self.min_redraw_s = min_redraw_s
        self.mailbox = SnapshotMailbox()
        self.main = MainScreen()
        self.stop_event = threading.Event()
        self.engine_done = threading.Event()
        if not self.run_engine:
            self.engine_done.set()
        self._exiting = False
        self._last_render = -1e9
        self._received = time.monotonic()  # real time: a fast demo clock must not make a busy screen look stalled
        self._seen_troubles: set[str] = set()
        self._seen_errors: tuple[str, ...] = ()
        self._ui_troubles: dict[str, Trouble] = {}
        self._note = ""
        self._signals: list[int] = []
        self._started = self._clock_mono()

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Messages here carry device errors and owner input: never read them as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ----- start and render -------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        self.show(self.snapshot)
        if self.engine is not None:
            self.engine.subscribe(self._from_engine)
        if self.run_engine:
            self._start_engine()
            self.set_interval(1.0, self._tick)
        if self.duration is not None:
            self.set_interval(0.2, self._check_duration)
        if self.handle_signals:
            self._install_signals()

    def on_unmount(self) -> None:
        self.stop_event.set()  # whatever ended the app, the control loop must stop and stop the charger
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()

    def _clock_mono(self) -> float:
        return self.engine.clock.monotonic() if self.engine is not None else time.monotonic()

    def now(self) -> datetime:
        """Local wall time for the forms: the engine's clock, or the fixed snapshot's time."""
        return self.engine.clock.now() if self.engine is not None else self.snapshot.time

    def _from_engine(self, snap: Snapshot) -> None:
        """Engine thread: keep the newest snapshot; wake the screen only if it is not already waking."""
        if self.mailbox.put(snap):
            try:
                self.post_message(SnapshotReady())
            except RuntimeError:
                pass  # the event loop has closed: the app is gone

    def on_snapshot_ready(self, _message: SnapshotReady) -> None:
        wait = self._last_render + self.min_redraw_s - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._render_newest)
        else:
            self._render_newest()

    def _render_newest(self) -> None:
        snap = self.mailbox.take()
        if snap is not None:
            self.show(snap)

    def show(self, snap: Snapshot, quiet_s: float = 0.0, *, fresh: bool = True) -> None:
        """Render `snap`. `fresh` False re-renders the current one (a note, or `quiet_s` seconds since it came)."""
        if fresh:
            self.snapshot = snap
            self._received = time.monotonic()
            self._ui_troubles.pop("engine", None)
        found = troubles(snap, quiet_s) + list(self._ui_troubles.values())
        self._notify_new(found, snap)
        self.main.show(snap, found, quiet_s if quiet_s >= QUIET_AFTER_S else 0.0, self._note)
        self._last_render = time.monotonic()

    def _tick(self) -> None:
        """Once a second: if no snapshot came for a while, let the ages on screen keep counting."""
        quiet = time.monotonic() - self._received
        if quiet >= QUIET_AFTER_S and not self._exiting:
            self.show(self.snapshot, quiet_s=quiet, fresh=False)

    def _notify_new(self, found: list[Trouble], snap: Snapshot) -> None:
        kinds = {t.kind for t in found}
        for trouble in found:
            if trouble.notify and trouble.kind not in self._seen_troubles:
                self.notify(trouble.text, severity=trouble.severity, timeout=8)
        self._seen_troubles = kinds
        for error in snap.errors:
            if error not in self._seen_errors:
                self.notify(error, title="device", severity="warning", timeout=8)
        self._seen_errors = snap.errors

    # ----- the control loop -------------------------------------------------------------------
    def _start_engine(self) -> None:
        self.engine_done.clear()
        self.run_worker(self._engine_worker(), name="control loop", group="engine", exit_on_error=False)

    async def _engine_worker(self) -> None:
        """The loop runs in a daemon thread that this worker waits for.

        Not Textual's thread worker: that one runs in asyncio's default executor, which the interpreter
        joins without a time limit at exit, so a driver stuck in the loop would stop the program from
        ever exiting. A daemon thread lets the exit path give up after EXIT_WITHIN_S and say so.
        """
        loop = asyncio.get_running_loop()
        finished = asyncio.Event()

        def target() -> None:
            try:
                self._engine_loop()
            finally:
                try:
                    loop.call_soon_threadsafe(finished.set)
                except RuntimeError:
                    pass  # the app's loop has closed

        threading.Thread(target=target, name="control loop", daemon=True).start()
        await finished.wait()

    def _engine_loop(self) -> None:
        """Worker thread: run the engine; if it raises, say so and start it again until told to stop."""
        engine = self.engine
        assert engine is not None
        retry = RESTART_AFTER_S
        try:
            while not self.stop_event.is_set():
                try:
                    engine.run(self.stop_event)
                except Exception as exc:
                    log.exception("control loop stopped: %s (restarting in %.0f s)", exc, retry)
                    try:
                        self.post_message(EngineFailed(f"{type(exc).__name__}: {exc}", retry))
                    except RuntimeError:
                        pass
                    if self.stop_event.wait(retry):
                        break
                    retry = min(retry * 2, 60.0)
                    log.info("control loop restarting")
                else:
                    if not self.stop_event.is_set():
                        self.stop_event.wait(1.0)  # run() only returns when told to stop; never spin
        finally:
            self.engine_done.set()

    def on_engine_failed(self, message: EngineFailed) -> None:
        text = f"control loop stopped: {message.text}; restarting in {message.retry_s:.0f} s"
        self._ui_troubles["engine"] = Trouble("engine", text, "error")
        self.main.add_log_line(f"{datetime.now():%H:%M:%S} ERROR {text}")
        self.show(self.snapshot, fresh=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failure that escaped `_engine_loop` (it catches Exception): show it and start again."""
        if event.worker.group != "engine" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(f"control loop failed: {error!r}; restarting", severity="error")
        if not self._exiting and not self.stop_event.is_set():
            self.set_timer(RESTART_AFTER_S, self._start_engine)

    # ----- leaving ----------------------------------------------------------------------------
    def action_request_quit(self) -> None:
        """q, Ctrl+C, Ctrl+Q: ask first (a second Ctrl+C answers yes)."""
        if self._exiting:
            return
        top = self.screen
        if isinstance(top, ConfirmScreen) and top.kind == "quit":
            top.dismiss(True)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.begin_exit("owner")

        self.push_screen(ConfirmScreen("Quit evse-tui?", QUIT_TEXT, "Quit", "Stay", kind="quit"), answer)

    async def action_quit(self) -> None:
        self.action_request_quit()

    def on_exit_requested(self, message: ExitRequested) -> None:
        self.begin_exit(message.reason)

    def begin_exit(self, reason: str) -> None:
        """Stop the control loop (which stops the charger and hands it back), then exit."""
        if self._exiting:
            return
        self._exiting = True
        log.info("quitting (%s): stopping the charger and handing control back", reason)
        self._note = "stopping the charger and handing control back…"
        self.show(self.snapshot, fresh=False)
        self.run_worker(self._exit_cleanly(), group="exit")

    async def _exit_cleanly(self) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + EXIT_WITHIN_S
        while not self.engine_done.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not self.engine_done.is_set():
            log.error("the control loop did not stop within %.0f s", EXIT_WITHIN_S)
            self.exit(1)
            return
        self.exit(0)

    def _check_duration(self) -> None:
        if self.duration is not None and self._clock_mono() - self._started >= self.duration:
            self.begin_exit("duration reached")

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (RuntimeError, ValueError, NotImplementedError):
                continue  # not the main thread, or no such signal here
            self._signals.append(sig)

    def _on_signal(self, sig: int) -> None:
        log.info("signal %s: stopping", signal.Signals(sig).name)
        self.post_message(ExitRequested(signal.Signals(sig).name))


def run_tui(home: Home, duration: float | None = None) -> int:
    """Run the screen on a built home until the owner quits; 0 when the charger was stopped cleanly."""
    app = EvseApp(home.engine, duration=duration, handle_signals=True)
    try:
        code = app.run()
    finally:
        app.stop_event.set()
        stopped = app.engine_done.wait(EXIT_WITHIN_S)
    if not stopped:
        log.error("the control loop did not stop within %.0f s", EXIT_WITHIN_S)
        return 1
    if isinstance(code, int):
        return code
    return app.return_code or 0
