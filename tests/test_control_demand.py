"""Demand levels and hysteresis: which current the house asks for."""

import pytest

from evse_tui.control.demand import DEFAULT_LEVELS, DemandBand, choose_band, cover_everything_levels, default_levels


def desire(watts, levels=DEFAULT_LEVELS, previous=None, hysteresis=50.0):
    return choose_band(levels, watts, previous, hysteresis)


@pytest.mark.parametrize(
    "home_w, amps",
    [
        (0, 0), (719, 0), (720, 3), (959, 3), (960, 4), (1199, 4), (1200, 5),
        (7439, 30), (7440, 31), (7679, 31), (7680, 32), (20000, 32), (99999, 32), (150000, 32),
    ],
)
def test_default_levels_leave_720_w_to_the_grid_then_1_a_per_240_w(home_w, amps):
    assert desire(home_w).amps == -amps  # house importing -> discharge
    assert desire(-home_w).amps == (amps if home_w else 0)  # surplus -> charge


def test_default_levels_are_contiguous_and_sorted():
    levels = default_levels()
    assert levels[0] == DemandBand(0, 720, 0)
    for a, b in zip(levels, levels[1:]):
        assert a.high_w == b.low_w
        assert b.amps == a.amps + (3 if a.amps == 0 else 1)


@pytest.mark.parametrize("home_w, amps", [(0, 0), (409, 0), (410, 3), (719, 3), (720, 4), (959, 4), (7439, 31), (7440, 32)])
def test_cover_everything_from_410_w(home_w, amps):
    assert desire(home_w, cover_everything_levels(410)).amps == -amps


def test_cover_everything_start_must_be_below_720():
    with pytest.raises(ValueError):
        cover_everything_levels(800)


def test_hysteresis_keeps_the_band_within_50_w_outside_it():
    first = desire(1000)  # band 960..1200 -> 4 A
    assert first.amps == -4
    assert desire(1240, previous=first).amps == -4  # 40 W above the band: keep
    assert desire(1249, previous=first).amps == -4
    assert desire(1250, previous=first).amps == -5  # 50 W above: move
    assert desire(911, previous=first).amps == -4  # 49 W below: keep
    assert desire(910, previous=first).amps == -3  # 50 W below: move


def test_hysteresis_zero_band_edge_does_not_flap():
    idle = desire(700)
    assert idle.amps == 0
    assert desire(760, previous=idle).amps == 0
    assert desire(770, previous=idle).amps == -3


def test_hysteresis_does_not_hold_a_discharge_when_the_house_turns_to_surplus():
    discharging = desire(1000)
    assert desire(-1000, previous=discharging).amps == 4
