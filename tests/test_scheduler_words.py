"""Console words for the schedule and the target: what they mean, and the messages for bad input."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from evse_tui.clock import LONDON
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.commands import AddEvent, CancelTarget, DeleteEvent, SetTarget, ToggleEvent
from evse_tui.engine.snapshot import EventView, TargetView
from evse_tui.scheduler import ScheduleError, format_schedule, format_target, is_schedule_word, parse_schedule_command

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)  # Monday


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=LONDON)


def parse(line: str, now: datetime = NOW):
    return parse_schedule_command(line, now, 32, 32)


def test_schedule_with_an_iso_time_and_a_mode_word():
    command = parse("schedule 2025-03-10T16:00 discharge")
    assert isinstance(command, AddEvent)
    e = command.event
    assert (e.id, e.when, e.action, e.min_soc, e.until, e.repeat) == (
        "",
        at(10, 16),
        ModeCommand(Mode.DISCHARGE),
        None,
        None,
        frozenset(),
    )


def test_schedule_accepts_tariff_words_amps_and_seconds():
    assert parse("schedule 2025-03-10T16:00:30 cosy").event.action == ModeCommand(Mode.SMART, tariff="COSY")
    assert parse("schedule 2025-03-10T16:00 -8").event.action == ModeCommand(Mode.FIXED, amps=-8)
    assert parse("schedule 2025-03-10T16:00:30 p").event.when == at(10, 16).replace(second=30)


def test_schedule_with_condition_window_and_repeat():
    e = parse("schedule 2025-03-10T16:00 discharge if soc>=60 until 19:00 repeat weekdays").event
    assert e.min_soc == 60 and e.until == at(10, 19) and e.repeat == frozenset(range(5))
    spaced = parse("schedule 2025-03-10T16:00 d IF SoC >= 60").event
    assert spaced.min_soc == 60


def test_a_window_ending_before_its_start_ends_the_next_day():
    assert parse("schedule 2025-03-10T22:00 charge until 02:00").event.until == at(11, 2)


def test_repeat_words():
    assert parse("schedule 16:00 d repeat daily").event.repeat == frozenset(range(7))
    assert parse("schedule 16:00 d repeat weekends").event.repeat == frozenset({5, 6})
    assert parse("schedule 16:00 d repeat mon,wed,Friday").event.repeat == frozenset({0, 2, 4})


def test_a_clock_time_means_its_next_occurrence():
    assert parse("schedule 16:00 d").event.when == at(10, 16)
    assert parse("schedule 08:00 d").event.when == at(11, 8)


def test_a_naive_time_in_the_spring_gap_means_the_jump():
    event = parse("schedule 2025-03-30T01:30 charge", at(29, 12)).event
    assert event.when.astimezone(timezone.utc) == datetime(2025, 3, 30, 1, 0, tzinfo=timezone.utc)  # 02:00 BST


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("schedule tomorrow discharge", '"tomorrow" is not a time'),
        ("schedule 2025-03-10 discharge", "has no time of day"),
        ("schedule 2025-03-10T16:00 warp", "unknown command 'warp'"),
        ("schedule 2025-03-10T16:00 40", "outside -32..32 A"),
        ("schedule 2025-03-10T16:00 d if soc>=120", "outside 0..100"),
        ("schedule 2025-03-10T16:00 d if soc>60", "write: if soc>=N"),
        ("schedule 2025-03-10T16:00 d repeat fortnightly", '"fortnightly" is not a repeat'),
        ("schedule 2025-03-10T16:00 d repeat mon,xyz", '"xyz" is not a repeat'),
        ("schedule 2025-03-10T16:00 d until 25:00", "not a time of day"),
        ("schedule 2025-03-10T16:00 d until 16:00", "the same as the start"),
        ("schedule 2025-03-10T16:00 d soon", 'unexpected "soon"'),
        ("schedule 2025-03-10T08:00 d", "in the past"),
        ("schedule 2025-03-10T16:00", "write: schedule TIME MODE"),
        ("unschedule", "write: unschedule ID"),
        ("toggle e1 e2", "write: toggle ID"),
        ("target 120 07:30", "above 100%"),
        ("target 0 07:30", "below 1%"),
        ("target lots 07:30", '"lots" is not a SoC'),
        ("target 80 7.30", "is not a time"),
        ("target 80 07:30 2025-03-09", "in the past"),
        ("target 80 07:30 next-week", '"next-week" is not a date'),
        ("cancel-target now", "takes nothing"),
    ],
)
def test_bad_input_gets_a_message_saying_what_is_wrong(line, message):
    with pytest.raises(ScheduleError, match=message):
        parse(line)


def test_unschedule_toggle_and_cancel_target():
    assert parse("unschedule e3") == DeleteEvent("e3")
    assert parse("toggle e2") == ToggleEvent("e2")
    assert parse("cancel-target") == CancelTarget()


def test_target_means_the_next_occurrence_of_the_time():
    assert parse("target 80 07:30") == SetTarget(80, at(11, 7, 30))
    assert parse("target 80% 10:00") == SetTarget(80, at(10, 10))
    assert parse("target 80 07:30 2025-03-12") == SetTarget(80, at(12, 7, 30))
    assert parse("target 80 07:30 on 2025-03-12") == SetTarget(80, at(12, 7, 30))


def test_which_words_are_schedule_words():
    assert is_schedule_word("schedule 16:00 d") and is_schedule_word("TARGET 80 07:30")
    assert not is_schedule_word("list-schedule") and not is_schedule_word("charge") and not is_schedule_word("")


def test_the_schedule_listing():
    views = (
        EventView("e2", at(10, 16), "DISCHARGE", True, "if SoC >= 60 until 19:00", "weekdays"),
        EventView("e1", None, "SMART COSY", False),
    )
    assert format_schedule(views).splitlines() == [
        "e2    Mon 10 Mar 16:00 DISCHARGE      if SoC >= 60 until 19:00 repeat weekdays",
        "e1    done             SMART COSY  (disabled)",
    ]
    assert format_schedule(()) == "no scheduled events"


def test_the_target_line():
    view = TargetView(80, at(11, 7, 30), at(11, 0, 30), 113.3, "charge 00:30-02:19 (12.0 kWh, about £1.13)")
    assert format_target(view) == "target 80% by Tue 11 Mar 07:30: charge 00:30-02:19 (12.0 kWh, about £1.13)"
    assert format_target(None) == "no SoC target"
