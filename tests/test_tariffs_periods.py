"""Parts of the wall-clock day and the period table every tariff is built on."""

from __future__ import annotations

import pytest

from evse_tui.tariffs.base import Rates
from evse_tui.tariffs.periods import (
    OFF_PEAK,
    PEAK,
    STANDARD,
    ClockRange,
    PeriodTable,
    first_overlap,
    format_minute,
    minutes_until_next_start,
    parse_clock_time,
)

RATES = {OFF_PEAK: Rates(10, 5), PEAK: Rates(40, 25), STANDARD: Rates(25, 15)}


@pytest.mark.parametrize(
    "text, minute",
    [("00:00", 0), ("0:30", 30), ("05:30", 330), ("23:59", 1439), (" 19:00 ", 1140)],
)
def test_clock_times_become_minutes_of_the_day(text, minute):
    assert parse_clock_time(text) == minute


@pytest.mark.parametrize("text", ["24:00", "23:60", "7pm", "19", "19:0", "", "-1:00"])
def test_bad_clock_times_are_refused(text):
    with pytest.raises(ValueError, match="time"):
        parse_clock_time(text)


def test_24_00_is_allowed_only_as_an_end():
    assert parse_clock_time("24:00", allow_end_of_day=True) == 1440
    assert format_minute(1440) == "24:00"
    assert format_minute(330) == "05:30"


@pytest.mark.parametrize(
    "text, start, end, length",
    [
        ("00:30-05:30", 30, 330, 300),
        ("22:00-24:00", 1320, 1440, 120),
        ("22:00-00:00", 1320, 1440, 120),
        ("23:30-01:00", 1410, 60, 90),
        ("00:00-24:00", 0, 1440, 1440),
    ],
)
def test_ranges_parse_with_their_length(text, start, end, length):
    r = ClockRange.parse(text)
    assert (r.start, r.end, r.length) == (start, end, length)


@pytest.mark.parametrize("text", ["04:00-04:00", "4-7", "04:00", "04:00-07:00-09:00", "25:00-26:00", "04:00-24:01"])
def test_bad_ranges_are_refused(text):
    with pytest.raises(ValueError):
        ClockRange.parse(text)


def test_a_range_contains_its_start_but_not_its_end():
    r = ClockRange.parse("04:00-07:00")
    assert [r.contains(m) for m in (239, 240, 419, 420)] == [False, True, True, False]


def test_a_range_past_midnight_wraps():
    r = ClockRange.parse("23:30-01:00")
    assert [r.contains(m) for m in (1409, 1410, 1439, 0, 59, 60)] == [False, True, True, True, True, False]
    assert r.minutes_since_start(30) == 60


def test_overlap_and_next_start():
    a = (ClockRange.parse("04:00-07:00"),)
    assert first_overlap(a, (ClockRange.parse("06:59-08:00"),)) == 419
    assert first_overlap(a, (ClockRange.parse("07:00-08:00"),)) is None
    assert minutes_until_next_start(a, 230) == 10
    assert minutes_until_next_start(a, 241) == 1439
    assert minutes_until_next_start((), 0) is None


def test_table_names_every_minute_and_spans_the_day():
    table = PeriodTable((ClockRange.parse("22:00-02:00"),), (ClockRange.parse("16:00-19:00"),), RATES)
    assert table.name_at(119) == OFF_PEAK and table.name_at(120) == STANDARD
    assert table.name_at(960) == PEAK and table.rates_at(960) == Rates(40, 25)
    assert [str(s) for s in table.spans()] == [
        "00:00-02:00 off-peak",
        "02:00-16:00 standard",
        "16:00-19:00 peak",
        "19:00-22:00 standard",
        "22:00-24:00 off-peak",
    ]


def test_table_refuses_overlapping_peak_and_off_peak():
    with pytest.raises(ValueError, match="overlap at 18:00"):
        PeriodTable((ClockRange.parse("18:00-20:00"),), (ClockRange.parse("16:00-19:00"),), RATES)


def test_table_needs_a_rate_for_every_period():
    with pytest.raises(ValueError, match="peak"):
        PeriodTable((), (), {OFF_PEAK: Rates(1, 1), STANDARD: Rates(2, 2)})
