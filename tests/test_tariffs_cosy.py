"""Cosy Octopus: DOMAIN.md's rules at every boundary minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evse_tui.control.demand import cover_everything_levels, default_levels
from evse_tui.control.states import ControlState as S
from evse_tui.tariffs.base import Decision, Rates, StrategyContext
from evse_tui.tariffs.registry import make_tariff

LONDON = ZoneInfo("Europe/London")
CTX = StrategyContext(max_charge_percent=90, solar_period_max_charge=80)
COSY = make_tariff("COSY")


def at(minute: int) -> datetime:
    """A wall-clock minute on an ordinary winter day."""
    return datetime(2025, 1, 15, tzinfo=LONDON) + timedelta(minutes=minute)


@pytest.mark.parametrize(
    "minute, period, import_p",
    [
        (0, "standard", 26.2),
        (239, "standard", 26.2),
        (240, "off-peak", 12.9),
        (419, "off-peak", 12.9),
        (420, "standard", 26.2),
        (779, "standard", 26.2),
        (780, "off-peak", 12.9),
        (959, "off-peak", 12.9),
        (960, "peak", 39.3),
        (1139, "peak", 39.3),
        (1140, "standard", 26.2),
        (1319, "standard", 26.2),
        (1320, "off-peak", 12.9),
        (1439, "off-peak", 12.9),
    ],
)
def test_periods_and_rates_at_each_boundary_minute(minute, period, import_p):
    local = at(minute)
    assert COSY.period_name(local) == period
    assert COSY.rates_at(local) == Rates(import_p, 15.0)
    assert COSY.is_off_peak(local) is (period == "off-peak")
    assert COSY.is_peak(local) is (period == "peak")


@pytest.mark.parametrize("minute", [240, 419, 1320, 1439])
def test_night_and_morning_off_peak_charges_at_max_to_max_charge_percent(minute):
    assert COSY.decide(89.9, at(minute), CTX) == Decision(S.CHARGE, None, None, "COSY off-peak: charge to 90%")
    assert COSY.decide(90, at(minute), CTX).state is S.DORMANT
    assert COSY.decide(10, at(minute), CTX).state is S.CHARGE  # below the reserve still charges when cheap


@pytest.mark.parametrize("minute", [780, 959])
def test_midday_off_peak_charges_only_to_the_solar_cap(minute):
    assert COSY.decide(79.9, at(minute), CTX) == Decision(
        S.CHARGE, None, None, "COSY off-peak (solar period): charge to 80%"
    )
    dormant = COSY.decide(80, at(minute), CTX)
    assert dormant.state is S.DORMANT and "80%" in dormant.reason


@pytest.mark.parametrize("minute", [0, 239, 420, 779, 960, 1139, 1140, 1319])
def test_outside_off_peak_covers_the_home_above_the_reserve(minute):
    assert COSY.decide(25, at(minute), CTX).state is S.DORMANT
    follow = COSY.decide(25.1, at(minute), CTX)
    assert (follow.state, follow.min_current, follow.max_current) == (S.LOAD_FOLLOW_DISCHARGE, None, None)
    assert follow.reason.startswith("COSY ")


def test_the_caps_come_from_the_owner_settings():
    ctx = StrategyContext(max_charge_percent=70, solar_period_max_charge=60)
    assert COSY.decide(69, at(300), ctx).reason == "COSY off-peak: charge to 70%"
    assert COSY.decide(70, at(300), ctx).state is S.DORMANT
    assert COSY.decide(60, at(800), ctx).state is S.DORMANT


@pytest.mark.parametrize("minute", [960, 1139])
@pytest.mark.parametrize("soc", [None, 10, 49.9, 50, 95])
def test_peak_covers_everything_from_192_w_whatever_the_soc(minute, soc):
    assert COSY.demand_levels(soc, at(minute)) == cover_everything_levels(192)


@pytest.mark.parametrize("minute", [959, 1140, 0, 300])
def test_outside_peak_levels_depend_on_soc(minute):
    assert COSY.demand_levels(50, at(minute)) == cover_everything_levels(410)
    assert COSY.demand_levels(49.9, at(minute)) == default_levels()
    assert COSY.demand_levels(None, at(minute)) == default_levels()


def test_cost_uses_the_rate_of_the_minute():
    assert COSY.cost(1000, 500, at(959)) == pytest.approx((12.9, 7.5))
    assert COSY.cost(1000, 500, at(960)) == pytest.approx((39.3, 7.5))
    assert COSY.cost(2000, 0, at(1140)) == pytest.approx((52.4, 0.0))
