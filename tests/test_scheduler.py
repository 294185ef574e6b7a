"""Scheduled events on an injected clock: exactly-once firing, restarts, conditions, windows, repeats, DST."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from evse_tui.clock import LONDON
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.scheduler import ScheduledEvent, ScheduleError, Scheduler
from evse_tui.scheduler import service as service_module

CHARGE = ModeCommand(Mode.CHARGE)
DISCHARGE = ModeCommand(Mode.DISCHARGE)
PAUSE = ModeCommand(Mode.PAUSE)
COSY = ModeCommand(Mode.SMART, tariff="COSY")


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2025) -> datetime:
    """Local London time; 2025-03-10 is a Monday."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def event(when: datetime, action: ModeCommand = DISCHARGE, **kw) -> ScheduledEvent:
    return ScheduledEvent(id="", when=when, action=action, **kw)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "state" / "schedule.json"


def scheduler(path, start: datetime) -> Scheduler:
    """A scheduler that has done its start-up catch-up at `start`."""
    s = Scheduler(path, LONDON, now=start)
    s.catch_up(start)
    return s


def run(s: Scheduler, start: datetime, end: datetime, step: timedelta, soc=None) -> list[tuple[datetime, str]]:
    """Call due() every `step` from start to end; (time, event id) of each firing."""
    fired = []
    now = start
    while now <= end:
        local = now.astimezone(LONDON)
        level = soc(local) if callable(soc) else soc
        fired += [(local, f.event_id) for f in s.due(local, level)]
        now += step
    return fired


# --- firing exactly once


def test_a_due_event_fires_exactly_once_also_after_a_restart(path):
    s = scheduler(path, at(10, 9))
    added = s.add(event(at(10, 16)), at(10, 9))
    assert added.id == "e1"
    assert s.due(at(10, 15, 59), None) == []
    firings = s.due(at(10, 16), None)
    assert [(f.event_id, f.command) for f in firings] == [("e1", DISCHARGE)]
    assert s.due(at(10, 16, 1), None) == []
    again = Scheduler(path, LONDON, now=at(10, 16, 2))
    assert again.catch_up(at(10, 16, 2)) == (None, [])
    assert again.due(at(10, 16, 3), None) == []


def test_a_late_call_still_fires_the_occurrence(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16)), at(10, 9))
    assert [f.event_id for f in s.due(at(10, 16, 20), None)] == ["e1"]


def test_events_due_together_apply_only_the_latest(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16, 1), PAUSE), at(10, 9))
    s.add(event(at(10, 16, 0), CHARGE), at(10, 9))
    assert [f.command for f in s.due(at(10, 16, 5), None)] == [PAUSE]
    assert any("skipped" in notice for notice in s.drain_notices())
    assert s.due(at(10, 16, 6), None) == []  # the skipped one does not fire later either


def test_due_without_anything_due_does_not_write_the_file(path, monkeypatch):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16)), at(10, 9))
    saves = []
    monkeypatch.setattr(service_module.store, "save", lambda *a: saves.append(a))
    run(s, at(10, 9), at(10, 15, 59), timedelta(seconds=30))
    assert saves == []
    s.due(at(10, 16), None)
    assert len(saves) == 1


# --- restart with missed events


def test_restart_applies_only_the_latest_missed_event_and_reports_the_others(path):
    s = scheduler(path, at(10, 9))
    for hour, action in ((10, CHARGE), (11, DISCHARGE), (12, COSY)):
        s.add(event(at(10, hour), action), at(10, 9))
    s.add(event(at(10, 18), PAUSE), at(10, 9))  # still ahead at restart
    # the program is stopped from 09:00 to 13:00
    restarted = Scheduler(path, LONDON, now=at(10, 13))
    applied, missed = restarted.catch_up(at(10, 13))
    assert applied is not None and applied.event_id == "e3" and applied.command == COSY
    assert len(missed) == 2
    assert "e1" in missed[1] and "e2" in missed[0] and all("missed" in m for m in missed)
    assert restarted.due(at(10, 13), None) == []
    assert [f.event_id for f in restarted.due(at(10, 18), None)] == ["e4"]
    # and the catch-up itself is remembered: a second restart applies nothing
    assert Scheduler(path, LONDON, now=at(10, 19)).catch_up(at(10, 19)) == (None, [])


def test_restart_counts_missed_repeats_and_applies_the_latest_one(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), repeat=frozenset(range(7))), at(10, 9))
    restarted = Scheduler(path, LONDON, now=at(13, 17))  # Thursday: Mon, Tue, Wed, Thu passed
    applied, missed = restarted.catch_up(at(13, 17))
    assert applied is not None and applied.event_id == "e1"
    assert any("3 earlier occurrence(s) missed" in m for m in missed)
    assert restarted.due(at(13, 17, 1), None) == []
    assert [t for t, _ in run(restarted, at(13, 17), at(14, 17), timedelta(minutes=10))] == [at(14, 16)]


def test_missed_conditional_events_are_only_reported(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 10), CHARGE), at(10, 9))
    s.add(event(at(10, 11), DISCHARGE, min_soc=60), at(10, 9))
    restarted = Scheduler(path, LONDON, now=at(10, 12))
    applied, missed = restarted.catch_up(at(10, 12))
    assert applied is not None and applied.event_id == "e1"
    assert len(missed) == 1 and "e2" in missed[0] and "condition" in missed[0]


def test_a_window_still_open_at_restart_is_left_to_due(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60, until=at(10, 19)), at(10, 9))
    restarted = Scheduler(path, LONDON, now=at(10, 17))
    assert restarted.catch_up(at(10, 17)) == (None, [])
    assert restarted.due(at(10, 17), 50) == []
    assert [f.event_id for f in restarted.due(at(10, 17, 30), 61)] == ["e1"]


def test_due_before_catch_up_catches_up_itself(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 10), CHARGE), at(10, 9))
    s.add(event(at(10, 11), PAUSE), at(10, 9))
    restarted = Scheduler(path, LONDON, now=at(10, 12))
    assert [f.event_id for f in restarted.due(at(10, 12), None)] == ["e2"]
    assert restarted.due(at(10, 12, 1), None) == []


# --- edit, toggle, delete, past times


def test_edit_toggle_and_delete_persist(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16)), at(10, 9))
    s.add(event(at(10, 17), CHARGE), at(10, 9))
    s.edit("e1", event(at(10, 15), COSY, min_soc=40), at(10, 9))
    s.toggle("e2")
    reloaded = Scheduler(path, LONDON, now=at(10, 9, 1))
    by_id = {e.id: e for e in reloaded.events()}
    assert by_id["e1"].when == at(10, 15) and by_id["e1"].action == COSY and by_id["e1"].min_soc == 40
    assert by_id["e2"].enabled is False
    reloaded.delete("e2")
    assert [e.id for e in Scheduler(path, LONDON, now=at(10, 9, 2)).events()] == ["e1"]
    assert reloaded.add(event(at(10, 18)), at(10, 9)).id == "e3"  # ids are never reused


def test_a_disabled_event_does_not_fire_and_its_passed_occurrence_stays_passed(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), repeat=frozenset(range(7))), at(10, 9))
    s.toggle("e1")
    assert s.due(at(10, 16), None) == []
    s.toggle("e1")
    assert s.due(at(10, 16, 1), None) == []
    assert [f.event_id for f in s.due(at(11, 16), None)] == ["e1"]


def test_events_in_the_past_are_refused(path):
    s = scheduler(path, at(10, 9))
    with pytest.raises(ScheduleError, match="in the past"):
        s.add(event(at(10, 8)), at(10, 9))
    s.add(event(at(10, 16)), at(10, 9))
    with pytest.raises(ScheduleError, match="in the past"):
        s.edit("e1", event(at(10, 8)), at(10, 9))
    with pytest.raises(ScheduleError, match="no scheduled event 'e9'"):
        s.toggle("e9")
    assert [e.when for e in s.events()] == [at(10, 16)]


def test_editing_a_repeating_event_fires_only_later_occurrences(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 10), repeat=frozenset(range(7))), at(10, 9))
    run(s, at(10, 9), at(10, 11), timedelta(minutes=5))
    s.edit("e1", event(at(10, 10), CHARGE, repeat=frozenset(range(7))), at(11, 11))
    assert s.due(at(11, 11, 1), None) == []
    assert [f.command for f in s.due(at(12, 10), None)] == [CHARGE]


def test_bad_event_values_are_refused_with_what_is_allowed(path):
    s = scheduler(path, at(10, 9))
    with pytest.raises(ScheduleError, match="outside 0..100"):
        s.add(event(at(10, 16), min_soc=120), at(10, 9))
    with pytest.raises(ScheduleError, match="must be after the start"):
        s.add(event(at(10, 16), until=at(10, 15)), at(10, 9))
    with pytest.raises(ScheduleError, match="no time zone"):
        s.add(event(datetime(2025, 3, 10, 16)), at(10, 9))


# --- conditions and windows


def test_soc_condition_fires_when_met_at_the_time(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60), at(10, 9))
    assert [f.event_id for f in s.due(at(10, 16), 60)] == ["e1"]


def test_soc_condition_not_met_at_the_time_is_skipped_and_reported(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60), at(10, 9))
    assert s.due(at(10, 16), 59) == []
    assert any("skipped" in n and "59%" in n for n in s.drain_notices())
    assert s.due(at(10, 16, 5), 80) == []


def test_soc_condition_waits_while_the_soc_is_unknown(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60), at(10, 9))
    assert run(s, at(10, 16), at(10, 16, 30), timedelta(minutes=1), soc=None) == []
    assert [v.when for v in s.views(at(10, 16, 30))] == [at(10, 16)]  # shown as waiting
    assert [f.event_id for f in s.due(at(10, 16, 31), 70)] == ["e1"]
    assert s.due(at(10, 16, 32), 70) == []


def test_window_fires_at_the_first_moment_the_condition_holds(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60, until=at(10, 19)), at(10, 9))

    def soc(now):
        return 55 if now < at(10, 17, 30) else 62

    fired = run(s, at(10, 15), at(10, 20), timedelta(minutes=5), soc)
    assert fired == [(at(10, 17, 30), "e1")]


def test_window_that_ends_unfired_drops_the_event_and_says_so(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60, until=at(10, 19)), at(10, 9))
    assert run(s, at(10, 15), at(10, 19), timedelta(minutes=5), soc=50) == []
    assert any("dropped" in n for n in s.drain_notices())
    assert s.due(at(10, 19, 5), 90) == []
    assert [v.when for v in s.views(at(10, 20))] == [None]


def test_window_across_midnight_ends_the_next_morning(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 22), CHARGE, min_soc=30, until=at(11, 2)), at(10, 9))

    def soc(now):
        return 20 if now < at(11, 1, 15) else 35

    assert run(s, at(10, 21), at(11, 3), timedelta(minutes=5), soc) == [(at(11, 1, 15), "e1")]


def test_repeating_window_across_midnight_drops_each_night_it_is_not_met(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 22), CHARGE, min_soc=30, until=at(11, 2), repeat=frozenset(range(7))), at(10, 9))

    def soc(now):  # only the second night reaches 30 %, at 00:30
        return 35 if at(12, 0, 30) <= now < at(12, 2) else 20

    fired = run(s, at(10, 21), at(13, 3), timedelta(minutes=10), soc)
    assert fired == [(at(12, 0, 30), "e1")]
    assert sum("dropped" in n for n in s.drain_notices()) == 2


# --- repeats and daylight saving


def test_weekdays_repeat_over_a_week_fires_monday_to_friday_once_each(path):
    s = scheduler(path, at(9, 23))  # Sunday
    s.add(event(at(10, 7), CHARGE, repeat=frozenset(range(5))), at(9, 23))
    fired = run(s, at(9, 23), at(17, 6), timedelta(minutes=15))
    assert [t for t, _ in fired] == [at(d, 7) for d in (10, 11, 12, 13, 14)]
    assert [v.when for v in s.views(at(14, 8))] == [at(17, 7)]  # next occurrence: Monday
    assert s.next_event_text(at(14, 8)) == "e1 CHARGE at Mon 17 Mar 07:00"


def test_chosen_days_start_on_the_first_chosen_day(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), repeat=frozenset({2, 5})), at(10, 9))  # Wed, Sat; 10 Mar is a Monday
    assert s.views(at(10, 9))[0].when == at(12, 16)
    fired = run(s, at(10, 9), at(16, 23), timedelta(minutes=30))
    assert [t for t, _ in fired] == [at(12, 16), at(15, 16)]


def test_daily_event_keeps_its_wall_time_across_the_spring_change(path):
    s = scheduler(path, at(28, 12))
    s.add(event(at(28, 16), repeat=frozenset(range(7))), at(28, 12))
    fired = run(s, at(28, 12), at(31, 18), timedelta(minutes=10))
    assert [t for t, _ in fired] == [at(28, 16), at(29, 16), at(30, 16), at(31, 16)]
    assert [t.utcoffset() for t, _ in fired] == [timedelta(0)] * 2 + [timedelta(hours=1)] * 2


def test_daily_0130_on_the_spring_day_fires_once_when_the_clocks_jump(path):
    s = scheduler(path, at(28, 12))
    s.add(event(at(29, 1, 30), repeat=frozenset(range(7))), at(28, 12))
    start = at(28, 12).astimezone(timezone.utc)
    fired = run(s, start, start + timedelta(days=3), timedelta(minutes=5))
    local = [t.astimezone(LONDON) for t, _ in fired]
    assert [(t.day, t.hour, t.minute) for t in local] == [(29, 1, 30), (30, 2, 0), (31, 1, 30)]


def test_daily_0130_on_the_autumn_day_fires_once(path):
    s = scheduler(path, at(24, 12, month=10))
    s.add(event(at(25, 1, 30, month=10), repeat=frozenset(range(7))), at(24, 12, month=10))
    start = at(24, 12, month=10).astimezone(timezone.utc)
    fired = run(s, start, start + timedelta(days=3), timedelta(minutes=5))  # real time: sees 01:30 twice on the 26th
    local = [t.astimezone(LONDON) for t, _ in fired]
    assert [(t.day, t.hour, t.minute) for t in local] == [(25, 1, 30), (26, 1, 30), (27, 1, 30)]
    assert local[1].utcoffset() == timedelta(hours=1)  # the first of the two 01:30s


# --- the file


def test_the_file_holds_iso_times_with_offsets(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16), min_soc=60, until=at(10, 19), repeat=frozenset({0, 1})), at(10, 9))
    raw = json.loads(path.read_text())
    assert raw["events"][0]["when"] == "2025-03-10T16:00:00+00:00"
    assert raw["events"][0]["repeat"] == [0, 1]
    assert raw["next_id"] == 2


def test_a_corrupt_file_is_moved_aside_and_reported(path):
    path.parent.mkdir(parents=True)
    path.write_text('{"events": [{"id": "e1", "when": "2025-03-1')
    s = Scheduler(path, LONDON, now=at(10, 9, 5))
    assert s.events() == ()
    assert s.load_problem and "corrupt" in s.load_problem
    moved = path.with_name("schedule.json.corrupt-20250310T090500")
    assert moved.exists() and not path.exists()
    assert moved.read_text().startswith('{"events"')
    s.add(event(at(10, 16)), at(10, 9, 6))  # a fresh file, the bad one left alone
    assert path.exists() and moved.exists()


def test_a_file_with_a_bad_entry_is_moved_aside_whole(path):
    path.parent.mkdir(parents=True)
    good = {"id": "e1", "when": "2025-03-10T16:00:00+00:00", "action": {"mode": "CHARGE"}}
    bad = {"id": "e2", "when": "2025-03-10T17:00:00+00:00", "action": {"mode": "WARP"}}
    path.write_text(json.dumps({"version": 1, "events": [good, bad]}))
    s = Scheduler(path, LONDON, now=at(10, 9))
    assert s.events() == ()
    assert "WARP" in s.load_problem and "moved aside" in s.load_problem
    assert path.with_name("schedule.json.corrupt-20250310T090000").exists()


def test_an_event_at_the_second_0130_of_the_autumn_night_waits_for_it(path):
    second = datetime(2025, 10, 26, 1, 30, tzinfo=timezone.utc).astimezone(LONDON)  # 01:30 GMT
    s = scheduler(path, at(25, 12, month=10))
    s.add(event(second, CHARGE), at(25, 12, month=10))
    start = datetime(2025, 10, 25, 23, 0, tzinfo=timezone.utc)  # 00:00 BST
    fired = run(s, start, start + timedelta(hours=4), timedelta(minutes=5))
    assert [t.astimezone(timezone.utc).hour for t, _ in fired] == [1]
    assert Scheduler(path, LONDON, now=at(26, 5, month=10)).events()[0].when == second


def test_finished_one_time_events_are_listed_for_a_week_then_forgotten(path):
    s = scheduler(path, at(10, 9))
    s.add(event(at(10, 16)), at(10, 9))
    s.add(event(at(10, 17), CHARGE, repeat=frozenset(range(7))), at(10, 9))
    s.due(at(10, 16), None)
    assert [(v.id, v.when) for v in s.views(at(10, 16, 30))] == [("e2", at(10, 17)), ("e1", None)]
    s.due(at(17, 15), None)
    assert [v.id for v in s.views(at(17, 15))] == ["e2", "e1"]
    s.due(at(17, 17), None)
    assert [e.id for e in Scheduler(path, LONDON, now=at(17, 18)).events()] == ["e2"]
