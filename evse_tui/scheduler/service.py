"""The scheduler the engine calls from its loop: events that fire exactly once, and the SoC target.

Every change is written to schedule.json before the call returns, so an occurrence that fired is never
fired again after a restart. Not thread-safe: call it from the engine's loop only.

Rules for an occurrence that has come due (start <= now):
- disabled event: passed over silently;
- plain event: fires;
- SoC condition without a window: fires if SoC >= N, is skipped (and logged) if SoC < N, waits while
  the SoC is unknown;
- window: fires at the first moment inside the window the condition holds; dropped (and logged) when
  the window ends unfired;
- an occurrence still unsettled when the event's next occurrence comes due is logged as missed.
At start, `catch_up` applies only the latest plain occurrence missed while the program was stopped and
logs all the others as missed (a missed conditional or windowed occurrence cannot be judged afterwards,
so it is only logged). Windows still open at start are left to `due`.
Finished one-time events stay listed for a week, then are forgotten.

The SoC target (see `target.py`) lives in the same file and survives a restart.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from evse_tui.engine.snapshot import EventView, TargetView
from evse_tui.scheduler import occurrences as occ
from evse_tui.scheduler import store
from evse_tui.scheduler.events import (
    Firing,
    ScheduledEvent,
    ScheduleError,
    check_event,
    condition_text,
    describe_event,
    repeat_text,
    utc,
)
from evse_tui.scheduler.planner import TargetPlan
from evse_tui.scheduler.target import SocTarget, TargetKeeper
from evse_tui.tariffs.base import Decision, Tariff

log = logging.getLogger(__name__)

KEEP_FINISHED = timedelta(days=7)
MAX_NOTICES = 50
_TICK = timedelta(microseconds=1)


def _id_order(event_id: str) -> tuple[int, str]:
    """ "e2" before "e10"."""
    digits = event_id.lstrip("e")
    return (int(digits), event_id) if digits.isdigit() else (1 << 30, event_id)


class Scheduler:
    """The schedule file's events and target, and the rules that fire and plan them."""

    def __init__(self, path: Path, tz: ZoneInfo, now: datetime | None = None) -> None:
        """Load `path`; a corrupt file is moved aside and `load_problem` says so.

        `now` only names a quarantined file; it defaults to the system clock.
        """
        self.path = Path(path)
        self.tz = tz
        loaded, self.load_problem = store.load(self.path, tz, now or datetime.now(tz))
        # A file that could not even be read (and so was not moved aside) must not be overwritten.
        self._writable = self.load_problem is None or not self.path.exists()
        if self.load_problem:
            log.error("schedule: %s", self.load_problem)
        self._events: dict[str, ScheduledEvent] = {e.id: e for e in loaded.events}
        self._next_id = loaded.next_id
        self._notices: list[str] = []
        self._target = TargetKeeper(loaded.target, self._save, self._notice)
        self._caught_up = False
        self._next_check: datetime | None = None  # nothing can happen before this (None: nothing pending)
        self._stale = True  # events changed since _next_check was worked out
        self._unsaved: str | None = None  # why the last save failed, while it keeps failing

    # -- events: owner requests

    def events(self) -> tuple[ScheduledEvent, ...]:
        return tuple(sorted(self._events.values(), key=lambda e: (utc(e.when), _id_order(e.id))))

    def get(self, event_id: str) -> ScheduledEvent:
        try:
            return self._events[event_id]
        except KeyError:
            known = ", ".join(self._events) or "none"
            raise ScheduleError(f"no scheduled event {event_id!r} (known: {known})") from None

    def add(self, event: ScheduledEvent, now: datetime) -> ScheduledEvent:
        """Store a new event (an empty id gets the next "eN"); a time not in the future is refused."""
        event = self._normalise(event)
        check_event(event)
        if utc(event.when) <= utc(now):
            raise ScheduleError(f"{event.when:%Y-%m-%d %H:%M} is in the past")
        if not event.id:
            event = replace(event, id=f"e{self._next_id}")
            self._next_id += 1
        elif event.id in self._events:
            raise ScheduleError(f"an event {event.id!r} already exists")
        event = replace(event, last_fired=None, settled_through=None)
        self._events[event.id] = event
        self._changed()
        log.info("schedule: added %s", self._line(event))
        return event

    def edit(self, event_id: str, event: ScheduledEvent, now: datetime) -> ScheduledEvent:
        """Replace an event, keeping its id; only occurrences after `now` will fire."""
        old = self.get(event_id)
        event = replace(self._normalise(event), id=event_id, last_fired=old.last_fired)
        check_event(event)
        event = replace(event, settled_through=occ.latest_occurrence(event, now, self.tz))
        if occ.pending_occurrence(event, self.tz) is None:
            raise ScheduleError(f"{event.when:%Y-%m-%d %H:%M} is in the past")
        self._events[event_id] = event
        self._changed()
        log.info("schedule: edited %s", self._line(event))
        return event

    def delete(self, event_id: str) -> None:
        event = self.get(event_id)
        del self._events[event_id]
        self._changed()
        log.info("schedule: deleted %s %s", event.id, event.action.describe())

    def toggle(self, event_id: str) -> ScheduledEvent:
        """Enable or disable; occurrences that pass while disabled never fire later."""
        event = self.get(event_id)
        event = replace(event, enabled=not event.enabled)
        self._events[event_id] = event
        self._changed()
        log.info("schedule: %s %s", "enabled" if event.enabled else "disabled", event.id)
        return event

    # -- events: the engine's loop

    def due(self, now: datetime, soc: float | None) -> list[Firing]:
        """Occurrences that fire now, each exactly once (persisted before returning)."""
        now = utc(now)
        firings: list[Firing] = []
        if self._unsaved is not None and self._writable:
            self._save()
        if not self._caught_up:
            first, _ = self.catch_up(now)
            if first is not None:
                firings.append(first)
        if not self._stale and (self._next_check is None or now < self._next_check):
            return firings
        changed = False
        fired: list[tuple[datetime, Firing]] = []
        for event in self.events():
            new, start, firing = self._step(event, now, soc)
            if new != event:
                self._events[event.id] = new
                changed = True
            if firing is not None:
                fired.append((start, firing))
        fired.sort(key=lambda item: (item[0], item[1].event_id))
        if len(fired) > 1:
            # Several occurrences due at one moment (a wall-clock step, a long stall): only the latest
            # decides the mode, so apply just that one instead of a flood of mode changes.
            latest = fired[-1][1]
            for _, earlier in fired[:-1]:
                self._notice(f"{earlier.event_id} skipped: {latest.event_id} fell due at the same moment (clock step?)")
            fired = fired[-1:]
        firings += [firing for _, firing in fired]
        changed |= self._forget_finished(now)
        if changed:
            self._save()
        self._recompute_next_check()
        return firings

    def catch_up(self, now: datetime) -> tuple[Firing | None, list[str]]:
        """At start: the latest plain occurrence missed while stopped is applied; the rest are described."""
        now = utc(now)
        self._caught_up = True
        before = dict(self._events)
        missed: list[tuple[datetime, ScheduledEvent]] = []
        messages: list[str] = []
        for event in self.events():
            pending = occ.pending_occurrence(event, self.tz)
            if pending is None or pending > now:
                continue
            latest = occ.latest_occurrence(event, now, self.tz)
            assert latest is not None
            end = occ.window_end(event, latest, self.tz)
            open_window = end is not None and now < end
            last_missed = latest if not open_window else occ.latest_occurrence(event, latest - _TICK, self.tz)
            if event.enabled and last_missed is not None and last_missed >= pending:
                earlier = occ.count_between(event, pending, last_missed - _TICK, self.tz)
                if earlier:
                    what = f"{event.id} {event.action.describe()}"
                    messages.append(f"{what}: {earlier} earlier occurrence(s) missed while stopped")
                missed.append((last_missed, event))
            if open_window:
                settled = occ.latest_occurrence(event, latest - _TICK, self.tz)
                if settled is not None and (event.settled_through is None or settled > utc(event.settled_through)):
                    self._events[event.id] = replace(event, settled_through=settled)
            else:
                self._events[event.id] = replace(event, settled_through=latest)
        missed.sort(key=lambda item: (item[0], item[1].id))
        applied: Firing | None = None
        for start, event in reversed(missed):
            if applied is None and not event.conditional:
                self._events[event.id] = replace(self._events[event.id], last_fired=start)
                description = f"{describe_event(event, start)} (missed while stopped, applied now)"
                applied = Firing(event.id, event.action, description)
            else:
                why = "its condition cannot be judged afterwards" if event.conditional else "a later event was applied"
                messages.append(f"{describe_event(event, start)} missed while stopped ({why})")
        for message in messages:
            self._notice(message)
        if applied is not None:
            self._notice(applied.description)
        if self._events != before:
            self._save()
        self._stale = True
        return applied, messages

    # -- events: what the owner sees

    def views(self, now: datetime) -> tuple[EventView, ...]:
        """Every event with its next occurrence (local time), soonest first; finished ones (when=None) last."""
        views = []
        for e in self._events.values():
            shown = self._shown_time(e, utc(now))
            views.append(
                EventView(
                    id=e.id,
                    when=None if shown is None else shown.astimezone(self.tz),
                    action=e.action.describe(),
                    enabled=e.enabled,
                    condition=condition_text(e),
                    repeat=repeat_text(e.repeat),
                )
            )
        views.sort(key=lambda v: (v.when is None, utc(v.when or now), _id_order(v.id)))
        return tuple(views)

    def next_event_text(self, now: datetime) -> str | None:
        """ "e2 DISCHARGE at 16:00" (with the day when not today), or None when nothing is coming."""
        upcoming = [
            (t, e) for e in self._events.values() if e.enabled and (t := self._shown_time(e, utc(now))) is not None
        ]
        if not upcoming:
            return None
        start, event = min(upcoming, key=lambda item: (item[0], _id_order(item[1].id)))
        start, today = start.astimezone(self.tz), now.astimezone(self.tz).date()
        when = f"{start:%H:%M}" if start.date() == today else f"{start:%a %d %b %H:%M}"
        condition = condition_text(event)
        return f"{event.id} {event.action.describe()} at {when}" + (f" {condition}" if condition else "")

    def drain_notices(self) -> list[str]:
        """Messages for the owner since the last call (missed, skipped, dropped, target ended)."""
        notices, self._notices = self._notices, []
        return notices

    # -- SoC target

    @property
    def target(self) -> SocTarget | None:
        return self._target.state

    def set_target(
        self,
        soc: int,
        deadline: datetime,
        now: datetime,
        current_soc: float | None,
        tariff: Tariff,
        capacity_kwh: float,
        charge_power_w: float,
    ) -> TargetPlan:
        return self._target.set(soc, deadline, now, current_soc, tariff, capacity_kwh, charge_power_w)

    def cancel_target(self) -> bool:
        return self._target.cancel()

    def target_decision(
        self, now: datetime, soc: float | None, tariff: Tariff, capacity_kwh: float, charge_power_w: float
    ) -> Decision | None:
        """CHARGE while the plan says so (an override of the normal mode), else None."""
        return self._target.decision(now, soc, tariff, capacity_kwh, charge_power_w)

    def forbids_discharge(self, now: datetime, soc: float | None) -> bool:
        """True from the plan's start to the deadline while the SoC is below the target.

        Call after `target_decision` in the same loop turn (it uses the latest plan).
        """
        return self._target.forbids_discharge(now, soc)

    def target_view(self, now: datetime, tariff: Tariff) -> TargetView | None:
        return self._target.view(now, tariff)

    # -- inside

    def _normalise(self, event: ScheduledEvent) -> ScheduledEvent:
        if event.when.tzinfo is None or (event.until is not None and event.until.tzinfo is None):
            check_event(event)  # names the missing time zone
        return replace(
            event,
            when=event.when.astimezone(self.tz),
            until=None if event.until is None else event.until.astimezone(self.tz),
            repeat=frozenset(event.repeat),
        )

    def _step(
        self, event: ScheduledEvent, now: datetime, soc: float | None
    ) -> tuple[ScheduledEvent, datetime | None, Firing | None]:
        """The event after looking at its pending occurrence at `now`, that occurrence, and a firing."""
        start = pending = occ.pending_occurrence(event, self.tz)
        if start is None or start > now:
            return event, start, None
        latest = occ.latest_occurrence(event, now, self.tz)
        if latest is not None and latest > start:
            if event.enabled:
                count = occ.count_between(event, start, latest - _TICK, self.tz)
                self._notice(f"{describe_event(event, start)} missed ({count} occurrence(s) passed unfired)")
            start = latest
        settled = replace(event, settled_through=start)
        if not event.enabled:
            return settled, start, None
        end = occ.window_end(event, start, self.tz)
        if end is not None and now >= end:
            self._notice(f"{describe_event(event, start)} dropped: the window ended before it could fire")
            return settled, start, None
        if event.min_soc is None or (soc is not None and soc >= event.min_soc):
            description = describe_event(event, start)
            log.info("schedule: fired %s", description)
            return replace(settled, last_fired=start), start, Firing(event.id, event.action, description)
        if soc is not None and end is None:
            self._notice(f"{describe_event(event, start)} skipped: SoC {soc:.0f}% is below {event.min_soc}%")
            return settled, start, None
        # Waiting for its condition: this occurrence stays pending (the ones before it are settled).
        if start != pending:
            event = replace(event, settled_through=occ.latest_occurrence(event, start - _TICK, self.tz))
        return event, start, None

    def _recompute_next_check(self) -> None:
        """The earliest pending start; one already due (waiting for its condition) keeps `due` looking."""
        starts = [s for e in self._events.values() if (s := occ.pending_occurrence(e, self.tz)) is not None]
        self._next_check = min(starts) if starts else None
        self._stale = False

    def _shown_time(self, event: ScheduledEvent, now: datetime) -> datetime | None:
        """The occurrence to show in UTC: the pending one if it is ahead or waiting, else the next."""
        start = occ.pending_occurrence(event, self.tz)
        if start is None or start > now:
            return start
        end = occ.window_end(event, start, self.tz)
        if event.enabled and ((end is not None and now < end) or event.min_soc is not None):
            return start  # due and waiting for its condition
        return occ.next_occurrence(event, now, self.tz)

    def _forget_finished(self, now: datetime) -> bool:
        gone = [
            e.id
            for e in self._events.values()
            if not e.repeat
            and e.settled_through is not None
            and now - (occ.window_end(e, e.when, self.tz) or utc(e.when)) > KEEP_FINISHED
        ]
        for event_id in gone:
            del self._events[event_id]
        return bool(gone)

    def _line(self, event: ScheduledEvent) -> str:
        start = occ.pending_occurrence(event, self.tz)
        return describe_event(event, start or event.when)

    def _notice(self, message: str) -> None:
        log.info("schedule: %s", message)
        self._notices.append(message)
        del self._notices[:-MAX_NOTICES]

    def _changed(self) -> None:
        self._stale = True
        self._save()

    def _save(self) -> None:
        if not self._writable:
            log.error("schedule: not saving over %s, which could not be read", self.path)
            return
        data = store.ScheduleFile(self.events(), self._target.state, self._next_id)
        try:
            store.save(self.path, data)
        except OSError as exc:
            message = f"could not save {self.path}: {exc.strerror or exc}"
            if self._unsaved is None:  # once per failure streak; due() retries every loop
                log.error("schedule: %s; kept in memory, saving will be retried", message)
                self._notices.append(message)
            self._unsaved = message
            return
        if self._unsaved is not None:
            log.warning("schedule: saved again (it failed with: %s)", self._unsaved)
            self._unsaved = None
