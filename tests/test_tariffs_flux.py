"""Octopus Flux: DOMAIN.md's rules at every boundary minute and the falling peak threshold."""

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
FLUX = make_tariff("FLUX")


def at(minute: int) -> datetime:
    return datetime(2025, 1, 15, tzinfo=LONDON) + timedelta(minutes=minute)


@pytest.mark.parametrize(
    "minute, period, rates",
    [
        (0, "standard", Rates(24.9, 13.3)),
        (119, "standard", Rates(24.9, 13.3)),
        (120, "off-peak", Rates(14.9, 4.7)),
        (299, "off-peak", Rates(14.9, 4.7)),
        (300, "standard", Rates(24.9, 13.3)),
        (959, "standard", Rates(24.9, 13.3)),
        (960, "peak", Rates(34.8, 26.4)),
        (1139, "peak", Rates(34.8, 26.4)),
        (1140, "standard", Rates(24.9, 13.3)),
        (1439, "standard", Rates(24.9, 13.3)),
    ],
)
def test_periods_and_rates_at_each_boundary_minute(minute, period, rates):
    assert FLUX.period_name(at(minute)) == period
    assert FLUX.rates_at(at(minute)) == rates


@pytest.mark.parametrize("minute", [120, 299])
def test_off_peak_charges_at_max_below_the_cap(minute):
    assert FLUX.decide(89.9, at(minute), CTX) == Decision(S.CHARGE, None, None, "FLUX off-peak: charge to 90%")
    assert FLUX.decide(90, at(minute), CTX).state is S.DORMANT


@pytest.mark.parametrize("minute", [119, 300, 959, 1140, 1439])
def test_standard_time_by_soc(minute):
    local = at(minute)
    assert FLUX.decide(31, local, CTX).state is S.DORMANT
    solar = FLUX.decide(31.1, local, CTX)
    assert (solar.state, solar.min_current, solar.max_current) == (S.LOAD_FOLLOW_CHARGE, 6, 16)
    assert FLUX.decide(79.9, local, CTX).state is S.LOAD_FOLLOW_CHARGE
    both = FLUX.decide(80, local, CTX)
    assert (both.state, both.min_current, both.max_current) == (S.LOAD_FOLLOW_BIDIRECTIONAL, 6, 16)


@pytest.mark.parametrize("minute", [960, 1139])
def test_peak_below_31_percent_only_powers_the_home(minute):
    decision = FLUX.decide(30.9, at(minute), CTX)
    assert (decision.state, decision.min_current, decision.max_current) == (S.LOAD_FOLLOW_DISCHARGE, 2, 16)


# T = 51 - floor(minutes since 16:00 x 20 / 180)
PEAK_THRESHOLDS = [(960, 51), (968, 51), (969, 50), (977, 50), (978, 49), (1050, 41), (1130, 33), (1131, 32), (1139, 32)]


@pytest.mark.parametrize("minute, threshold", PEAK_THRESHOLDS)
def test_peak_discharges_at_max_from_the_threshold(minute, threshold):
    local = at(minute)
    full = FLUX.decide(threshold, local, CTX)
    assert (full.state, full.min_current, full.max_current) == (S.DISCHARGE, None, None)
    assert f"{threshold}%" in full.reason
    partial = FLUX.decide(threshold - 0.1, local, CTX)
    assert (partial.state, partial.min_current, partial.max_current) == (S.DISCHARGE, 10, 16)


def test_31_percent_in_the_peak_is_not_the_reserve():
    assert FLUX.decide(31, at(960), CTX) == Decision(
        S.DISCHARGE, 10, 16, "FLUX peak: SoC 31% below 51%, discharge 10-16 A"
    )


@pytest.mark.parametrize("minute", [0, 200, 960, 1300])
def test_demand_levels_cover_everything_from_480_w_at_50_percent(minute):
    assert FLUX.demand_levels(50, at(minute)) == cover_everything_levels(480)
    assert FLUX.demand_levels(49.9, at(minute)) == default_levels()
    assert FLUX.demand_levels(None, at(minute)) == default_levels()


def test_threshold_spreads_over_a_configured_longer_peak():
    flux = make_tariff("flux", {"peak": "16:00-20:00"})
    assert flux.decide(32, at(1199), CTX).state is S.DISCHARGE  # 239 x 20 // 240 = 19 -> T = 32
    assert flux.decide(31.9, at(1199), CTX).min_current == 10
    assert flux.period_name(at(1199)) == "peak"


def test_export_pays_by_period():
    assert FLUX.cost(0, 1000, at(299)) == pytest.approx((0.0, 4.7))
    assert FLUX.cost(0, 1000, at(960)) == pytest.approx((0.0, 26.4))
    assert FLUX.cost(1000, 1000, at(1140)) == pytest.approx((24.9, 13.3))
