"""The two daylight-saving change days in Europe/London, walked minute by minute in UTC.

Spring (23 h): 01:00 GMT jumps to 02:00 BST, so local 01:00-01:59 never happens.
Autumn (25 h): 02:00 BST falls back to 01:00 GMT, so local 01:00-01:59 happens twice.
Strategies decide on the wall clock, so a period simply loses or gains that hour where it covers it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evse_tui.control.states import ControlState as S
from evse_tui.tariffs.base import StrategyContext
from evse_tui.tariffs.registry import make_tariff, tariff_names

LONDON = ZoneInfo("Europe/London")
CTX = StrategyContext()
SPRING = date(2025, 3, 30)
AUTUMN = date(2025, 10, 26)


def local_minutes(day: date) -> list[datetime]:
    """Every real minute of the local day, in order, as London wall times."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=LONDON).astimezone(UTC)
    count = int((end - start).total_seconds() // 60)
    return [(start + timedelta(minutes=i)).astimezone(LONDON) for i in range(count)]


def runs(flags: list[bool]) -> list[int]:
    """Lengths of the consecutive stretches where the flag is set."""
    lengths, current = [], 0
    for flag in flags:
        if flag:
            current += 1
        elif current:
            lengths.append(current)
            current = 0
    if current:
        lengths.append(current)
    return lengths


def test_the_change_days_have_23_and_25_hours():
    assert len(local_minutes(SPRING)) == 23 * 60
    assert len(local_minutes(AUTUMN)) == 25 * 60


@pytest.mark.parametrize(
    "tariff, day, off_peak_runs, peak_minutes",
    [
        # Go's 00:30-05:30 holds the missing hour: 4 h of cheap time in one unbroken stretch ...
        ("OCTGO", SPRING, [240], 0),
        # ... and the repeated hour: 6 h, still unbroken.
        ("OCTGO", AUTUMN, [360], 0),
        # Flux's 02:00-05:00 starts right after the change both times: always 3 h.
        ("FLUX", SPRING, [180], 180),
        ("FLUX", AUTUMN, [180], 180),
        # Cosy has nothing between 01:00 and 02:00: its day is unchanged.
        ("COSY", SPRING, [180, 180, 120], 180),
        ("COSY", AUTUMN, [180, 180, 120], 180),
    ],
)
def test_periods_are_never_split_or_doubled_into_peak(tariff, day, off_peak_runs, peak_minutes):
    t = make_tariff(tariff)
    minutes = local_minutes(day)
    assert runs([t.is_off_peak(m) for m in minutes]) == off_peak_runs
    assert sum(t.is_peak(m) for m in minutes) == peak_minutes
    assert runs([t.is_peak(m) for m in minutes]) == ([180] if peak_minutes else [])


@pytest.mark.parametrize("tariff", tariff_names())
@pytest.mark.parametrize("day", [SPRING, AUTUMN])
@pytest.mark.parametrize("soc", [20, 50, 85])
def test_charging_at_full_power_happens_only_at_the_off_peak_rate(tariff, day, soc):
    t = make_tariff(tariff)
    off_peak_import = min(span.rates.import_p for span in t.periods())
    for local in local_minutes(day):
        decision = t.decide(soc, local, CTX)
        if decision.state is S.CHARGE:
            assert t.is_off_peak(local) and not t.is_peak(local), local
            assert t.rates_at(local).import_p == off_peak_import, local


@pytest.mark.parametrize("tariff", tariff_names())
def test_the_repeated_hour_decides_the_same_both_times(tariff):
    t = make_tariff(tariff)
    first = datetime(2025, 10, 26, 1, 30, tzinfo=LONDON, fold=0)
    second = datetime(2025, 10, 26, 1, 30, tzinfo=LONDON, fold=1)
    assert first.astimezone(UTC) != second.astimezone(UTC)
    for soc in (20, 50, 95):
        assert t.decide(soc, first, CTX) == t.decide(soc, second, CTX)
    assert t.rates_at(first) == t.rates_at(second)


@pytest.mark.parametrize("tariff", tariff_names())
@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_change_days_decide_as_an_ordinary_day_at_the_same_wall_time(tariff, day):
    t = make_tariff(tariff)
    ordinary = date(2025, 6, 15)
    states = Counter()
    for local in local_minutes(day):
        same_wall_time = datetime.combine(ordinary, local.time(), tzinfo=LONDON)
        decision = t.decide(60, local, CTX)
        assert decision == t.decide(60, same_wall_time, CTX), local
        states[decision.state] += 1
    assert len(states) > 1  # the walk went through more than one part of the strategy
