"""The control loop shared by the TUI worker and headless mode: read, decide, command, record.

One thread runs `run()` (or a simulation calls `step()`); other threads talk to it only through
`submit()` and see it only through the immutable `Snapshot` it publishes after every reading.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from evse_tui.clock import Clock
from evse_tui.config.schema import Config
from evse_tui.control.change_delay import ChangeGate
from evse_tui.control.demand import DEFAULT_LEVELS, DemandChoice, DemandLevels, choose_band
from evse_tui.control.modes import CommandError, Mode, ModeCommand, mode_decision
from evse_tui.control.rules import soc_unknown_decision, target_current
from evse_tui.control.states import ChargerState, ControlState, charger_state_name, is_running
from evse_tui.drivers.base import Charger, ChargerError, ChargerStatus, MeterReading, PowerMonitor
from evse_tui.engine import commands as c
from evse_tui.engine.loglines import control_line, state_line
from evse_tui.engine.meter_book import CHARGE_EFFICIENCY, MeterBook
from evse_tui.engine.persist import SavedState, StateStore
from evse_tui.engine.schedule_commands import handle_schedule_command
from evse_tui.engine.snapshot import Channel, Snapshot
from evse_tui.tariffs.base import Decision, StrategyContext, Tariff
from evse_tui.tariffs.registry import canonical_name, tariff_from_config

if TYPE_CHECKING:
    from evse_tui.scheduler.service import Scheduler
    from evse_tui.telemetry.influx import InfluxLogger, PowerPoint

log = logging.getLogger("evse_tui.engine")

STALE_AFTER_S = 10.0
SMART_PERIOD_S = 20.0
SAVE_EVERY_S = 60.0  # counters and history; the owner's choices are saved at once. Gentle on SD cards.
RETRY_AFTER_FAILURE_S = 5.0
IDLE_EVSE_W = 13.0
NOMINAL_VOLTAGE = 240.0
CHARGE_LOOKAHEAD_S = 35.0
LOOP_FAILURES_BEFORE_STOP = 5
METER_MODES = (Mode.SMART, Mode.SOLAR, Mode.POWER_HOME, Mode.BALANCE)


@dataclass(frozen=True, slots=True)
class Pending:
    command: c.Command
    future: Future


class Engine:
    def __init__(
        self,
        config: Config,
        charger: Charger,
        monitor: PowerMonitor,
        clock: Clock,
        store: StateStore | None = None,
        *,
        scheduler: Scheduler | None = None,
        influx: InfluxLogger | None = None,
        initial_mode: ModeCommand = ModeCommand(Mode.PAUSE),
        warnings: tuple[str, ...] = (),
        recent_log: Callable[[], tuple[str, ...]] | None = None,
    ) -> None:
        self.config = config
        self.charger = charger
        self.monitor = monitor
        self.clock = clock
        self.store = store
        self.scheduler = scheduler
        self.influx = influx
        self.warnings = tuple(warnings)
        self._recent_log = recent_log or (lambda: ())
        self._queue: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._listeners: list[Callable[[Snapshot], None]] = []
        self._max_charge = config.wallbox.max_charge_current
        self._max_discharge = config.wallbox.max_discharge_current
        self._ctx = StrategyContext(
            self._max_charge,
            self._max_discharge,
            config.charging.max_charge_percent,
            config.charging.solar_period_max_charge,
        )

        now_m, now_l = clock.monotonic(), clock.now()
        saved, history = store.load(now_l) if store else (SavedState(), [])
        for problem in store.problems if store else ():
            log.warning(problem)
        self.mode = saved.mode or initial_mode
        self.previous_mode = saved.previous_mode
        self.seen_disconnected = saved.seen_disconnected
        self.tariff_name = self._known_tariff(saved.tariff) or config.charging.default_tariff
        self.tariff: Tariff = tariff_from_config(self.tariff_name, config.tariffs)
        self.book = MeterBook(saved, history, now_l)
        self.soc: float | None = None
        self._soc_mono: float | None = None
        if saved.soc is not None and saved.soc_time is not None and 0 <= now_l.timestamp() - saved.soc_time < 3600:
            self.soc = saved.soc
            self._soc_mono = now_m - (now_l.timestamp() - saved.soc_time)

        self.decision = Decision(ControlState.DORMANT, reason="starting")
        self._levels: DemandLevels = DEFAULT_LEVELS
        self._choice: DemandChoice | None = None
        self.desired = 0
        self.target = 0
        self.commanded = 0
        self._commanded_known = False  # after a restart we do not know what the charger runs until we command it
        self.gate = ChangeGate()
        self._retry_at = -math.inf
        self._last_command_mono = -math.inf
        self._dirty = True
        self._next_smart = -math.inf
        self._next_save = now_m + SAVE_EVERY_S
        self._started = now_m
        self._published_at = -math.inf
        self._reading: MeterReading | None = None
        self._last_seq: int | None = None
        self._status = ChargerStatus()
        self._last_state: int | None = None
        self._failsafe: str | None = None
        self._errors: deque[str] = deque(maxlen=5)
        self._home_w: float | None = None
        self._evse_w: float | None = None
        self._aux: tuple[Channel, ...] = ()
        self._lock = threading.RLock()  # held by step(); a reader of `snapshot` never sees half a step
        self._snapshot: Snapshot | None = self._build_snapshot(now_l, now_m)
        if self.scheduler is not None:
            if self.scheduler.load_problem:
                log.warning(self.scheduler.load_problem)
                self.warnings += (self.scheduler.load_problem,)
            firing, missed = self.scheduler.catch_up(now_l)
            for text in missed:
                log.warning("missed while not running: %s", text)
            if firing is not None:
                log.info("applying the latest missed event %s: %s", firing.event_id, firing.description)
                self._apply_mode(firing.command, f"schedule {firing.event_id} (missed)")

    # ----- the way in -------------------------------------------------------------------------
    def submit(self, command: c.Command) -> Future:
        """Queue a command from any thread; the future resolves to a CommandResult."""
        future: Future = Future()
        self._queue.put(Pending(command, future))
        self._wake.set()
        return future

    def wake(self) -> None:
        """Called by drivers after a poll so a new reading is handled at once."""
        self._wake.set()

    @property
    def snapshot(self) -> Snapshot:
        """The latest picture; built on demand when nobody subscribed (a simulation need not pay for it)."""
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._build_snapshot(self.clock.now(), self.clock.monotonic())
            return self._snapshot

    def subscribe(self, listener: Callable[[Snapshot], None]) -> None:
        """`listener(snapshot)` is called from the engine thread after every reading and command."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Snapshot], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ----- the loop ---------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Run in real time until `stop` is set, then stop the charger and hand control back."""
        self.charger.start(self.wake)
        self.monitor.start(self.wake)
        stop_waker = threading.Thread(target=lambda: (stop.wait(), self._wake.set()), daemon=True)
        stop_waker.start()
        failures = 0
        try:
            while not stop.is_set():
                try:
                    wake_at = self.step()
                    failures = 0
                except Exception as exc:  # a bug must not leave the charger unattended: log, show, go on
                    failures += 1
                    log.exception("control loop error: %s", exc)
                    self._errors.append(self._redact(f"control loop error: {exc}"))
                    if failures == LOOP_FAILURES_BEFORE_STOP:
                        self._safety_stop(f"the control loop failed {failures} times in a row")
                    wake_at = self.clock.monotonic() + 1.0
                timeout = wake_at - self.clock.monotonic()
                if timeout > 0:
                    self.clock.wait(self._wake, timeout)
                self._wake.clear()
        finally:
            self.shutdown()

    def step(self) -> float:
        """One pass: commands, schedule, charger, reading, decision, actuation. Returns the next wake time."""
        with self._lock:
            return self._step()

    def _step(self) -> float:
        now_m = self.clock.monotonic()
        now_l = self.clock.now()
        published = False
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            result = self._handle(pending.command, now_l)
            if not pending.future.done():
                pending.future.set_result(result)
            self._dirty = True
        self._status = status = self.charger.status()
        self._track_charger(status, now_m)
        if self.scheduler is not None:
            for firing in self.scheduler.due(now_l, self.soc):
                log.info("schedule %s fires: %s", firing.event_id, firing.description)
                self._apply_mode(firing.command, f"schedule {firing.event_id}")
            for notice in self.scheduler.drain_notices():
                log.info("schedule: %s", notice)
        reading = self.monitor.latest()
        new_reading = reading is not None and reading.seq != self._last_seq
        if new_reading:
            self._take_reading(reading, status, now_l)
        if self._dirty or now_m >= self._next_smart:
            self._evaluate(now_l, now_m)
        self._update_target(now_m)
        self._actuate(status, now_m)
        if new_reading:
            self._record(reading, status, now_l, now_m)
            published = True
        elif self._dirty:
            published = True
        self._dirty = False
        if published or status.state != self._last_state or now_m - self._published_at >= 1.0:
            self._last_state = status.state
            self._published_at = now_m
            self._publish(now_l, now_m)
        if now_m >= self._next_save:
            self.save()
            self._next_save = now_m + SAVE_EVERY_S
        return self._next_wake(now_m)

    def _next_wake(self, now_m: float) -> float:
        wake = min(now_m + 1.0, self._next_smart if self.mode.mode is Mode.SMART else math.inf, self._next_save)
        if self._change_needed(self._status):
            wake = min(wake, max(self.gate.allowed_at(self._from_amps, self.target), self._retry_at))
        return max(wake, now_m + 0.001)

    # ----- commands ---------------------------------------------------------------------------
    def _handle(self, command: c.Command, now_l: datetime) -> c.CommandResult:
        try:
            if isinstance(command, c.SetMode):
                return c.CommandResult(True, self._apply_mode(command.command, "owner"))
            if self.scheduler is None:
                return c.CommandResult(False, "the scheduler is not available")
            return handle_schedule_command(
                self.scheduler, command, now_l, self.soc, self.tariff, self.capacity_kwh, self.charge_power_w
            )
        except (CommandError, ValueError) as exc:
            return c.CommandResult(False, str(exc))

    def _apply_mode(self, command: ModeCommand, source: str) -> str:
        if command.tariff:
            name = canonical_name(command.tariff)
            self.tariff = tariff_from_config(name, self.config.tariffs)
            self.tariff_name = name
        if command.mode is Mode.PAUSE_UNTIL_DISCONNECT:
            if self.mode.mode is not Mode.PAUSE_UNTIL_DISCONNECT:
                self.previous_mode = self.mode
                self.seen_disconnected = self._status.state == ChargerState.DISCONNECTED
        else:
            self.previous_mode = None
            self.seen_disconnected = False
        self.mode = ModeCommand(command.mode, command.amps) if command.tariff else command
        self._next_smart = -math.inf
        self._dirty = True
        text = self.mode_text
        log.info("mode %s (by %s)", text, source)
        self.save()
        return f"mode {text}"

    @property
    def mode_text(self) -> str:
        if self.mode.mode is Mode.SMART:
            return f"SMART · {self.tariff_name}"
        return self.mode.describe()

    @staticmethod
    def _known_tariff(name: str | None) -> str | None:
        if not name:
            return None
        try:
            return canonical_name(name)
        except ValueError:
            return None

    # ----- charger ----------------------------------------------------------------------------
    def _track_charger(self, status: ChargerStatus, now_m: float) -> None:
        if status.soc is not None and status.soc_time is not None:
            if self.soc != status.soc:
                self._dirty = self._dirty or self.mode.mode is Mode.SMART
            self.soc = status.soc
            self._soc_mono = status.soc_time
        if self.mode.mode is Mode.PAUSE_UNTIL_DISCONNECT and status.state is not None:
            if status.state == ChargerState.DISCONNECTED:
                if not self.seen_disconnected:
                    log.info("car unplugged; the previous mode resumes when it is plugged in again")
                    self.seen_disconnected = True
                    self.save()
            elif self.seen_disconnected:
                resume = self.previous_mode or ModeCommand(Mode.PAUSE)
                log.info("car plugged in again: resuming %s", resume.describe())
                self.previous_mode = None
                self._apply_mode(resume, "plug-in")

    # ----- readings ---------------------------------------------------------------------------
    def _take_reading(self, reading: MeterReading, status: ChargerStatus, now_l: datetime) -> None:
        self._reading = reading
        self._last_seq = reading.seq
        voltage = reading.grid.voltage or NOMINAL_VOLTAGE
        if reading.evse is not None:
            evse_w = reading.evse.power_w
        elif status.power_w is not None:
            evse_w = status.power_w
        elif is_running(status.state):
            evse_w = status.setpoint * voltage
        else:
            evse_w = IDLE_EVSE_W
        self._evse_w = evse_w
        self._home_w = home_w = reading.grid.power_w - evse_w
        self._aux = tuple(Channel(name, ch.power_w, ch.pf) for name, ch in reading.aux)
        self._choice = choose_band(self._levels, home_w, self._choice, self.config.charging.hysteresis_w)
        self.desired = self._choice.amps

    def _record(self, reading: MeterReading, status: ChargerStatus, now_l: datetime, now_m: float) -> None:
        evse_w, home_w = self._evse_w or 0.0, self._home_w or 0.0
        self.book.record(reading, evse_w, home_w, self.soc, self.tariff, now_l)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                state_line(
                    home_w,
                    reading.grid.power_w,
                    evse_w,
                    tuple((name, ch.power_w) for name, ch in reading.aux),
                    reading.grid.voltage,
                    self.actual_current,
                    self.target,
                    self.soc,
                    self._charger_name(status),
                    self.next_change_s,
                )
            )
        if self.influx is not None:
            self.influx.submit(self._power_point(reading))

    def _power_point(self, reading: MeterReading) -> PowerPoint:
        from evse_tui.telemetry.influx import PowerPoint

        aux = dict(reading.aux)
        heatpump, solar = aux.get("heatpump"), aux.get("solar")
        return PowerPoint(
            time=reading.time,
            grid=reading.grid.power_w,
            grid_pf=reading.grid.pf,
            evse=self._evse_w or 0.0,
            evse_pf=reading.evse.pf if reading.evse else None,
            voltage=reading.grid.voltage,
            target_current=float(self.target),
            desired_current=float(self.desired),
            soc=self.soc,
            heatpump=heatpump.power_w if heatpump else None,
            solar=solar.power_w if solar else None,
        )

    @property
    def capacity_kwh(self) -> float:
        return self.book.capacity_kwh(self.config.charging.battery_capacity_kwh)

    @property
    def charge_power_w(self) -> float:
        voltage = (self._reading.grid.voltage if self._reading else None) or NOMINAL_VOLTAGE
        return self._max_charge * voltage * CHARGE_EFFICIENCY

    @property
    def actual_current(self) -> int:
        status = self._status
        if not is_running(status.state):
            return 0
        voltage = (self._reading.grid.voltage if self._reading else None) or NOMINAL_VOLTAGE
        if self._reading is not None and self._reading.evse is not None:
            return round(self._reading.evse.power_w / voltage)
        if status.power_w is not None:
            return round(status.power_w / voltage)
        return status.setpoint

    # ----- deciding ---------------------------------------------------------------------------
    def _evaluate(self, now_l: datetime, now_m: float) -> None:
        if self.mode.mode is Mode.SMART:
            if self.soc is None:
                decision = soc_unknown_decision()
            else:
                decision = self._smart_decision(self.soc, now_l)
            self._levels = self.tariff.demand_levels(self.soc, now_l)
            seconds = now_l.second + now_l.microsecond / 1e6
            self._next_smart = now_m + (SMART_PERIOD_S - seconds % SMART_PERIOD_S)
        else:
            decision = mode_decision(self.mode, self._max_charge, self._max_discharge)
            self._levels = DEFAULT_LEVELS
            self._next_smart = math.inf
        if self.scheduler is not None and self.mode.mode is not Mode.PAUSE_UNTIL_DISCONNECT:
            override = self.scheduler.target_decision(now_l, self.soc, self.tariff, self.capacity_kwh, self.charge_power_w)
            if override is not None:
                decision = override
        if decision != self.decision:
            self.decision = decision
            log.info(control_line(self.mode_text, decision))

    def _smart_decision(self, soc: float, now_l: datetime) -> Decision:
        """The strategy's decision, ending a grid charge early enough that the charger is at 0 A when the
        cheap period ends (the change delay and the charger's ramp take up to ~15 s; evaluations are 20 s apart)."""
        decision = self.tariff.decide(soc, now_l, self._ctx)
        if decision.state is ControlState.CHARGE:
            ahead_at = now_l + timedelta(seconds=CHARGE_LOOKAHEAD_S)
            ahead = self.tariff.decide(soc, ahead_at, self._ctx)
            if ahead.state is not ControlState.CHARGE:
                return replace(ahead, reason=f"{ahead.reason} (ending the charge before {ahead_at:%H:%M})")
        return decision

    def _meter_age(self, now_m: float) -> float:
        if self._reading is None:
            return now_m - self._started
        return now_m - self._reading.mono

    def _update_target(self, now_m: float) -> None:
        target = target_current(self.decision, self.desired, self.soc, self._max_charge, self._max_discharge)
        if target < 0 and self.scheduler is not None and self.scheduler.forbids_discharge(self.clock.now(), self.soc):
            target = 0
        failsafe = None
        if self.mode.mode in METER_MODES:
            age = self._meter_age(now_m)
            if age > STALE_AFTER_S:
                failsafe = f"meter reading {age:.0f} s old: holding the charger at 0 A until fresh readings return"
                target = 0
        if (failsafe is None) != (self._failsafe is None):  # log the change, not every second's new age
            if failsafe:
                log.warning("FAILSAFE %s", failsafe)
            else:
                log.warning("FAILSAFE ended: fresh meter readings, control resumes")
            self._dirty = True
        self._failsafe = failsafe
        if target != self.target:
            self.target = target
            self._dirty = True

    def _change_needed(self, status: ChargerStatus) -> bool:
        if self.target != self.commanded or not self._commanded_known:
            return True
        if status.state is None or status.comms_failure or status.state == ChargerState.DISCONNECTED:
            return False
        if status.poll_time is None or status.poll_time <= self._last_command_mono:
            return False  # wait for a poll that saw our last command before judging the charger
        if self.target != 0 and status.state == ChargerState.PAUSED:
            return True  # paused while it should run
        if self.target == 0 and is_running(status.state):
            return True  # running while it should rest
        return False

    @property
    def _from_amps(self) -> int:
        """What the charger runs now as far as the delays are concerned (0 when unknown or not running)."""
        if not self._commanded_known or self._status.state in (ChargerState.PAUSED, ChargerState.DISCONNECTED):
            return 0
        return self.commanded

    @property
    def next_change_s(self) -> float:
        now = self.clock.monotonic()
        if self.target != self.commanded:
            return self.gate.wait_s(now, self._from_amps, self.target)
        return self.gate.wait_s(now)

    def _actuate(self, status: ChargerStatus, now_m: float) -> None:
        if status.comms_failure or not self._change_needed(status):
            return  # an unreachable charger is not hammered; the change goes out once polls succeed again
        if not self.gate.allows(now_m, self._from_amps, self.target) or now_m < self._retry_at:
            return
        target, before = self.target, self.commanded
        try:
            self.charger.set_current(target)
        except ChargerError as exc:
            self._retry_at = now_m + RETRY_AFTER_FAILURE_S
            self._errors.append(self._redact(f"command {target} A failed: {exc}"))
            log.warning("ADJUST failed: %d A -> %d A: %s (retry in %.0f s)", before, target, exc, RETRY_AFTER_FAILURE_S)
            return
        after = self.clock.monotonic()
        self.gate = self.gate.after_change(after, self._from_amps, target)
        self._last_command_mono = after
        self.commanded = target
        self._commanded_known = True
        self._dirty = True
        log.info(
            "ADJUST %dA -> %dA (%s, desired %dA, next change in %.1f s)",
            before,
            target,
            self.decision.state.value,
            self.desired,
            self.gate.delay,
        )

    # ----- output -----------------------------------------------------------------------------
    def _charger_name(self, status: ChargerStatus) -> str:
        if status.comms_failure:
            return "COMMS FAILURE"
        return charger_state_name(status.state)

    def _publish(self, now_l: datetime, now_m: float) -> None:
        if not self._listeners:
            self._snapshot = None
            return
        self._snapshot = snap = self._build_snapshot(now_l, now_m)
        for listener in self._listeners:
            try:
                listener(snap)
            except Exception:  # a broken screen must not stop control
                log.exception("snapshot listener failed")

    def _build_snapshot(self, now_l: datetime, now_m: float) -> Snapshot:
        status = self._status
        reading = self._reading
        rates = self.tariff.rates_at(now_l)
        age = None if reading is None else now_m - reading.mono
        warnings = self.warnings
        influx_status = self.influx.status() if self.influx is not None else None
        if influx_status:
            warnings += (influx_status,)
        if self.store is not None and self.store.failing:
            warnings += (f"cannot save state: {self.store.failing}",)
        events, next_event, target = (), None, None
        if self.scheduler is not None:
            events = self.scheduler.views(now_l)
            next_event = self.scheduler.next_event_text(now_l)
            target = self.scheduler.target_view(now_l, self.tariff)
        meter_error = self.monitor.last_error()
        errors = tuple(self._errors)
        return Snapshot(
            time=now_l,
            mode=self.mode.mode,
            mode_text=self.mode_text,
            tariff=self.tariff_name,
            period=self.tariff.period_name(now_l),
            import_rate_p=rates.import_p,
            export_rate_p=rates.export_p,
            control_state=self.decision.state,
            reason=self.decision.reason,
            min_current=self.decision.min_current,
            max_current=self.decision.max_current,
            grid_w=reading.grid.power_w if reading else None,
            evse_w=self._evse_w,
            home_w=self._home_w,
            voltage=reading.grid.voltage if reading else None,
            grid_pf=reading.grid.pf if reading else None,
            evse_pf=reading.evse.pf if reading and reading.evse else None,
            aux=self._aux,
            meter_age_s=age,
            meter_stale=age is None or age > STALE_AFTER_S,
            meter_error=meter_error,
            charger_state=status.state,
            charger_state_name=self._charger_name(status),
            comms_failure=status.comms_failure,
            charger_error=status.error,
            soc=self.soc,
            soc_age_s=None if self._soc_mono is None else now_m - self._soc_mono,
            actual_current=self.actual_current,
            target_current=self.target,
            desired_current=self.desired,
            next_change_s=self.next_change_s,
            max_charge_percent=self.config.charging.max_charge_percent,
            failsafe=self._failsafe,
            today=self.book.ledger.today,
            events=events,
            target=target,
            next_event=next_event,
            warnings=warnings,
            errors=errors,
            history=tuple(self.book.history),
            log_lines=self._recent_log(),
        )

    # ----- persistence and exit ---------------------------------------------------------------
    def saved_state(self) -> SavedState:
        soc_time = None
        if self.soc is not None and self._soc_mono is not None:
            soc_time = self.clock.now().timestamp() - (self.clock.monotonic() - self._soc_mono)
        return SavedState(
            mode=self.mode,
            previous_mode=self.previous_mode,
            seen_disconnected=self.seen_disconnected,
            tariff=self.tariff_name,
            soc=self.soc,
            soc_time=soc_time,
            energy=self.book.energy.to_json(),
            day=self.book.ledger.to_json(),
            wh_per_percent=self.book.wh_per_percent,
        )

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self.saved_state(), self.book.history)

    def _redact(self, text: str) -> str:
        for secret in self.config.secrets():
            text = text.replace(secret, "***")
        return text

    def _safety_stop(self, why: str) -> None:
        """Stop the charger when control itself cannot be trusted; the loop keeps trying to recover."""
        try:
            self.charger.set_current(0)
            log.error("SAFETY STOP: %s; charger stopped (0 A)", why)
        except ChargerError as exc:
            log.error("SAFETY STOP: %s; could not stop the charger: %s", why, exc)
        self.commanded = 0
        self._commanded_known = False  # re-command once control recovers

    def shutdown(self) -> None:
        """Stop the charger and hand control back (whatever the change delay says), save, close."""
        for attempt in (1, 2):
            try:
                self.charger.set_current(0)
                log.info("exit: charger stopped and control handed back to the charger's own app")
                break
            except ChargerError as exc:
                log.error("exit: could not stop the charger (attempt %d): %s", attempt, exc)
        self.commanded = self.target = 0
        self.save()
        for closer in (self.charger.close, self.monitor.close):
            try:
                closer()
            except Exception:
                log.exception("closing a device failed")
        if self.influx is not None:
            self.influx.close(timeout=1.0)
        if self.scheduler is not None and hasattr(self.scheduler, "close"):
            self.scheduler.close()
        self._status = replace(self._status, setpoint=0)
