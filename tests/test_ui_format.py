"""The screen's words and shapes, without Textual: numbers, charts, gauge, troubles, form fields, mailbox, key bar."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_ui_support import FIXED_TIME, fixed_snapshot

from evse_tui.clock import LONDON
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.snapshot import EventView
from evse_tui.scheduler.events import EVERY_DAY, WEEKDAYS
from evse_tui.scheduler.words import parse_schedule_command
from evse_tui.ui.bridge import SnapshotMailbox
from evse_tui.control.states import ControlState
from evse_tui.ui.format import buckets, mode_word, money, seconds, soc_gauge, spark_rows, state_words, watts
from evse_tui.ui.forms import EventFields, FormErrors, event_from_fields, fields_from_view, target_from_fields
from evse_tui.ui.trouble import troubles
from evse_tui.ui.widgets.keybar import key_items, pack

NOW = datetime(2026, 1, 14, 12, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "       —"), (0.0, "     0 W"), (850.4, "   850 W"), (-999.0, "  -999 W"), (1234.0, " 1.23 kW"), (-2400.0, "-2.40 kW")],
)
def test_watts_keep_one_width_and_switch_to_kilowatts(value, text):
    assert watts(value) == text


def test_money_and_seconds_read_like_the_owner_says_them():
    assert money(123.4) == "£1.23"
    assert money(-40) == "-£0.40"
    assert seconds(4.6) == "5 s"
    assert seconds(185) == "3 min 05 s"
    assert seconds(7800) == "2 h 10 min"


def test_state_words_show_the_current_range():
    assert state_words(ControlState.LOAD_FOLLOW_DISCHARGE, 2, 16) == "LOAD FOLLOW DISCHARGE 2–16 A"
    assert state_words(ControlState.CHARGE, 32, 32) == "CHARGE 32 A"
    assert state_words(ControlState.DORMANT, None, None) == "DORMANT"


def test_buckets_average_into_columns_and_keep_short_series_whole():
    assert buckets([1.0, 2.0, 3.0], 10) == [1.0, 2.0, 3.0]
    assert buckets([0.0, 2.0, 4.0, 6.0], 2) == [1.0, 5.0]
    assert len(buckets(list(range(300)), 27)) == 27


def test_spark_rows_colour_the_sign_and_right_align_the_newest():
    rows = spark_rows([500.0, -1000.0], 5, 1, "red", "green", scale=1000.0)
    line = rows[0]
    assert line.plain == "   ▄█"
    assert [str(span.style) for span in line.spans] == ["red", "green"]


def test_spark_rows_show_a_sliver_for_any_flow_and_stack_rows():
    rows = spark_rows([13.0, 2000.0], 2, 2, "cyan", "yellow", scale=2000.0)
    assert [r.plain for r in rows] == [" █", "▁█"]


def test_soc_gauge_marks_the_cap_and_fills_to_the_soc():
    """Each column is 10 % here; the marker takes the column that starts at the cap."""
    assert soc_gauge(50.0, 90, 10).plain == "█████░░░░┃"
    assert soc_gauge(95.0, 80, 10).plain == "████████┃█"
    assert soc_gauge(None, 50, 10).plain == "░░░░░┃░░░░"


@pytest.mark.parametrize(
    ("action", "word"),
    [("FIXED -8 A", "-8"), ("FIXED +10 A", "10"), ("SMART COSY", "cosy"), ("PAUSE_UNTIL_DISCONNECT", "unplug"),
     ("POWER_HOME", "power-home"), ("DISCHARGE", "discharge"), ("SMART", "smart")],
)
def test_mode_word_turns_an_event_action_back_into_a_console_word(action, word):
    assert mode_word(action) == word


def test_a_healthy_snapshot_has_no_trouble():
    assert troubles(fixed_snapshot()) == []


def test_troubles_name_comms_failure_failsafe_stale_meter_and_warnings():
    snap = fixed_snapshot(
        comms_failure=True,
        charger_error="no answer from the charger",
        failsafe="meter reading 23 s old: holding the charger at 0 A until fresh readings return",
        meter_age_s=23.0,
        meter_stale=True,
        meter_error="timeout",
        warnings=("config: unknown key wallbox.colour", "InfluxDB unreachable since 17:00 (12 points buffered)"),
    )
    found = troubles(snap)
    assert [t.kind for t in found] == ["comms", "failsafe", "stale", "warning:config: unknown key wallbox.colour", "influx"]
    assert found[0].text.startswith("COMMS FAILURE")
    assert "23 s old (timeout)" in found[2].text
    assert {t.severity for t in found[:2]} == {"error"}


def test_a_stale_meter_age_keeps_counting_while_no_snapshot_comes():
    snap = fixed_snapshot(meter_age_s=4.0)
    assert troubles(snap) == []
    later = troubles(snap, extra_age_s=20.0)
    assert [t.kind for t in later] == ["stale"]
    assert "24 s old" in later[0].text


def test_waiting_for_the_first_reading_is_shown_but_not_notified():
    (only,) = troubles(fixed_snapshot(meter_age_s=None, meter_stale=True))
    assert only.kind == "no-reading" and not only.notify


def test_mailbox_keeps_only_the_newest_and_wakes_once():
    box = SnapshotMailbox()
    first, second = fixed_snapshot(), fixed_snapshot(grid_w=1.0)
    assert box.put(first) is True
    assert box.put(second) is False  # a wake-up is already on its way
    assert box.take() is second
    assert box.take() is None
    assert box.put(first) is True


def test_form_builds_the_same_event_as_the_console_line():
    fields = EventFields(when="2026-01-14 16:00", mode="discharge", min_soc="60", until="19:00", repeat="weekdays")
    event = event_from_fields(fields, NOW, 32, 32)
    console = parse_schedule_command("schedule 2026-01-14T16:00 discharge if soc>=60 until 19:00 repeat weekdays", NOW, 32, 32)
    assert event == console.event
    assert event.action == ModeCommand(Mode.DISCHARGE)
    assert event.min_soc == 60 and event.repeat == WEEKDAYS
    assert event.until == datetime(2026, 1, 14, 19, 0, tzinfo=LONDON)


def test_form_accepts_a_clock_time_as_its_next_occurrence_and_amps_as_mode():
    event = event_from_fields(EventFields(when="09:30", mode="-8", repeat="daily"), NOW, 32, 32)
    assert event.when == datetime(2026, 1, 15, 9, 30, tzinfo=LONDON)
    assert event.action == ModeCommand(Mode.FIXED, amps=-8)
    assert event.repeat == EVERY_DAY


def test_form_refuses_a_past_time_and_names_every_wrong_box():
    fields = EventFields(when="2026-01-14 09:00", mode="fly", min_soc="120", until="25:00", repeat="fortnightly")
    with pytest.raises(FormErrors) as caught:
        event_from_fields(fields, NOW, 32, 32)
    errors = caught.value.errors
    assert set(errors) == {"when", "mode", "min_soc", "until", "repeat"}
    assert "in the past" in errors["when"]
    assert "unknown command" in errors["mode"]
    assert "outside 0..100" in errors["min_soc"]


def test_form_refuses_amps_outside_the_limits_like_the_console():
    with pytest.raises(FormErrors) as caught:
        event_from_fields(EventFields(when="16:00", mode="40"), NOW, 32, 16)
    assert "outside -16..32" in caught.value.errors["mode"]


def test_form_needs_a_time_and_a_mode():
    with pytest.raises(FormErrors) as caught:
        event_from_fields(EventFields(when="", mode=""), NOW, 32, 32)
    assert set(caught.value.errors) == {"when", "mode"}


def test_edit_form_starts_from_what_the_event_shows():
    view = EventView("e2", datetime(2026, 1, 15, 16, 0, tzinfo=LONDON), "FIXED -8 A", True, "if SoC >= 60 until 19:00", "weekdays")
    assert fields_from_view(view) == EventFields("2026-01-15 16:00", "-8", "60", "19:00", "weekdays")
    again = event_from_fields(fields_from_view(view), NOW, 32, 32)
    assert again.min_soc == 60 and again.action == ModeCommand(Mode.FIXED, amps=-8)


def test_target_form_takes_a_clock_time_or_a_full_date():
    command = target_from_fields("80", "07:30", NOW, 55.0)
    assert (command.soc, command.deadline) == (80, datetime(2026, 1, 15, 7, 30, tzinfo=LONDON))
    command = target_from_fields("80%", "2026-01-16 06:00", NOW, None)
    assert command.deadline == datetime(2026, 1, 16, 6, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("soc", "deadline", "field", "words"),
    [("eighty", "07:00", "soc", "not a SoC"), ("150", "07:00", "soc", "above 100%"), ("40", "07:00", "soc", "not above the current SoC"),
     ("80", "soon", "deadline", "not a deadline"), ("80", "2026-01-13 07:00", "deadline", "in the past"),
     ("80", "2026-02-13 07:00", "deadline", "more than 7 days")],
)
def test_target_form_says_what_is_wrong(soc, deadline, field, words):
    with pytest.raises(FormErrors) as caught:
        target_from_fields(soc, deadline, NOW, 55.0)
    assert words in caught.value.errors[field]


def test_key_bar_keeps_every_key_in_two_lines_at_80_columns():
    lines = pack(key_items(), 78)
    assert len(lines) == 2
    text = " ".join(line.plain for line in lines)
    for word in ("c charge", "d discharge", "p pause", "s smart", "u unplug", "o solar", "h home", "b balance",
                 "f amps", "t tariff", "a add", "e edit", "x delete", "spc on/off", "g target", "? help", "q quit"):
        assert word in text
    assert all(line.cell_length <= 78 for line in lines)


def test_fixed_time_is_not_wall_time():
    """The snapshot tests' picture must never move with the real clock."""
    assert fixed_snapshot().time == FIXED_TIME
    assert fixed_snapshot().history[-1].time == FIXED_TIME.timestamp()
    assert fixed_snapshot().events[1].when - FIXED_TIME < timedelta(days=2)
