"""Octopus Go: DOMAIN.md's rules at every boundary minute and the evening threshold at each half hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evse_tui.control.demand import cover_everything_levels, default_levels
from evse_tui.control.states import ControlState as S
from evse_tui.tariffs.base import Decision, Rates, StrategyContext
from evse_tui.tariffs.registry import make_tariff

LONDON = ZoneInfo("Europe/London")
CTX = StrategyContext(max_charge_percent=90)
GO = make_tariff("OCTGO")


def at(minute: int) -> datetime:
    return datetime(2025, 1, 15, tzinfo=LONDON) + timedelta(minutes=minute)


@pytest.mark.parametrize(
    "minute, off_peak", [(0, False), (29, False), (30, True), (329, True), (330, False), (1439, False)]
)
def test_off_peak_is_00_30_to_05_30(minute, off_peak):
    local = at(minute)
    assert GO.is_off_peak(local) is off_peak
    assert GO.is_peak(local) is False
    assert GO.rates_at(local) == (Rates(8.5, 15.0) if off_peak else Rates(26.0, 15.0))


@pytest.mark.parametrize("minute", [30, 329])
def test_off_peak_charges_at_max_below_the_cap(minute):
    assert GO.decide(89.9, at(minute), CTX) == Decision(S.CHARGE, None, None, "OCTGO off-peak: charge to 90%")
    assert GO.decide(90, at(minute), CTX).state is S.DORMANT
    assert GO.decide(5, at(minute), CTX).state is S.CHARGE


@pytest.mark.parametrize("minute", [330, 600, 1139])
def test_day_powers_the_home_2_to_16_a(minute):
    decision = GO.decide(99, at(minute), CTX)
    assert (decision.state, decision.min_current, decision.max_current) == (S.LOAD_FOLLOW_DISCHARGE, 2, 16)
    assert decision.reason.startswith("OCTGO day")


@pytest.mark.parametrize("minute", [29, 330, 1139, 1140, 1439])
def test_at_or_below_25_percent_outside_off_peak_is_dormant(minute):
    assert GO.decide(25, at(minute), CTX).state is S.DORMANT
    assert GO.decide(25.1, at(minute), CTX).state is S.LOAD_FOLLOW_DISCHARGE


# S = 55 + 7 x (minutes until 00:30) / 60, written out per half hour from 19:00 to 00:00.
EVENING_THRESHOLDS = [
    ("19:00", 93.5),
    ("19:30", 90.0),
    ("20:00", 86.5),
    ("20:30", 83.0),
    ("21:00", 79.5),
    ("21:30", 76.0),
    ("22:00", 72.5),
    ("22:30", 69.0),
    ("23:00", 65.5),
    ("23:30", 62.0),
    ("00:00", 58.5),
]


def minute_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize("hhmm, threshold", EVENING_THRESHOLDS)
def test_evening_discharges_at_max_only_above_the_threshold(hhmm, threshold):
    local = at(minute_of(hhmm))
    above = GO.decide(threshold + 0.1, local, CTX)
    assert (above.state, above.min_current, above.max_current) == (S.DISCHARGE, None, None)
    level = GO.decide(threshold, local, CTX)
    assert (level.state, level.min_current, level.max_current) == (S.LOAD_FOLLOW_DISCHARGE, 2, 16)
    assert level.reason.startswith("OCTGO evening")


def test_last_evening_minute_before_off_peak():
    threshold = 55 + 7 / 60  # one minute to go at 00:29
    assert GO.decide(threshold + 0.01, at(29), CTX).state is S.DISCHARGE
    assert GO.decide(55.1, at(29), CTX).state is S.LOAD_FOLLOW_DISCHARGE


def test_18_59_is_still_day_even_when_full():
    assert GO.decide(99, at(1139), CTX).state is S.LOAD_FOLLOW_DISCHARGE
    assert GO.decide(99, at(1140), CTX).state is S.DISCHARGE


@pytest.mark.parametrize("minute", [0, 100, 330, 1200])
def test_demand_levels_cover_everything_from_410_w_at_50_percent(minute):
    assert GO.demand_levels(50, at(minute)) == cover_everything_levels(410)
    assert GO.demand_levels(49.9, at(minute)) == default_levels()
    assert GO.demand_levels(None, at(minute)) == default_levels()


def test_threshold_follows_a_configured_off_peak_start():
    go = make_tariff("go", {"off_peak": "23:30-05:30", "evening_from": "19:30"})
    assert go.decide(58.6, at(minute_of("23:00")), CTX).state is S.DISCHARGE  # 30 min to go: 58.5
    assert go.decide(58.5, at(minute_of("23:00")), CTX).state is S.LOAD_FOLLOW_DISCHARGE
    assert go.decide(99, at(minute_of("19:29")), CTX).reason.startswith("OCTGO day")
    assert go.decide(50, at(minute_of("23:30")), CTX).state is S.CHARGE


def test_cost_at_the_boundaries():
    assert GO.cost(1000, 1000, at(29)) == pytest.approx((26.0, 15.0))
    assert GO.cost(1000, 1000, at(30)) == pytest.approx((8.5, 15.0))
    assert GO.cost(1000, 0, at(330)) == pytest.approx((26.0, 0.0))
