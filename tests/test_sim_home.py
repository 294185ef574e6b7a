"""The simulated house, heat pump, solar and the home that puts them behind one meter."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from evse_tui.clock import LONDON, ManualClock
from evse_tui.control.states import ChargerState
from evse_tui.sim import House, SimCharger, SimHome, SimPowerMonitor, SimQuasar, Solar, build_demo_home

KWH = 3_600_000.0  # W·s per kWh: a day's per-second curve summed and divided by this


def kwh(curve) -> float:
    return sum(curve) / KWH


# ---- house


@pytest.mark.parametrize("seed", [1, 2, 7])
@pytest.mark.parametrize("when", [date(2025, 1, 15), date(2025, 6, 21), date(2025, 10, 4)])
def test_house_uses_a_realistic_daily_energy_with_a_night_baseload(seed: int, when: date) -> None:
    day = House(seed).day(when)
    assert 8.0 <= kwh(day.house) <= 14.0
    night_w = sum(day.house[2 * 3600 : 4 * 3600]) / 7200
    assert 200.0 <= night_w <= 300.0
    evening_w = sum(day.house[19 * 3600 : 21 * 3600]) / 7200
    assert evening_w > night_w + 150


def test_kettle_boils_show_as_3_kw_spikes_of_about_3_minutes() -> None:
    house = House(seed=3)
    when = date(2025, 2, 3)
    kettles = [r for r in house.day(when).runs if r.name == "kettle"]
    assert len(kettles) >= 3
    for run in kettles:
        assert 150 <= run.end_s - run.start_s <= 210
        middle = datetime.combine(when, datetime.min.time(), LONDON) + timedelta(seconds=(run.start_s + run.end_s) // 2)
        before = middle - timedelta(minutes=10)
        assert house.power_w(middle) - house.power_w(before) > 2500


def test_dinner_brings_an_oven_or_hob_and_some_days_a_washing_machine() -> None:
    house = House(seed=1)
    names = [{r.name for r in house.day(date(2025, 3, 1) + timedelta(days=d)).runs} for d in range(14)]
    assert all("oven" in n or "hob" in n for n in names)
    assert any("washing machine" in n for n in names)
    ovens = [r for d in range(14) for r in house.day(date(2025, 3, 1) + timedelta(days=d)).runs if r.name == "oven"]
    assert ovens and all(45 * 60 <= r.end_s - r.start_s <= 61 * 60 and r.peak_w >= 2000 for r in ovens)


def test_house_is_repeatable_for_a_seed_and_differs_between_seeds() -> None:
    at = datetime(2025, 5, 5, 18, 30, 12, tzinfo=LONDON)
    assert House(4).power_w(at) == House(4).power_w(at)
    assert House(4).day(at.date()).runs == House(4).day(at.date()).runs
    assert House(4).day(at.date()).runs != House(5).day(at.date()).runs


def test_heat_pump_cycles_harder_in_winter_than_in_summer() -> None:
    house = House(seed=2)
    winter = house.day(date(2025, 1, 20)).heat_pump
    summer = house.day(date(2025, 7, 20)).heat_pump
    assert 8.0 <= kwh(winter) <= 30.0
    assert kwh(summer) < 3.0  # hot water only
    starts = sum(1 for i in range(1, len(winter)) if winter[i - 1] < 100 <= winter[i])
    assert starts >= 15  # about 20 minutes on, 20 off, much of the day
    assert 700 <= max(winter) <= 2300


# ---- solar


def test_clear_june_day_for_4_kwp_is_20_to_30_kwh_and_december_much_less() -> None:
    solar = Solar(4.0, "clear")
    june = kwh(solar.day_curve(date(2025, 6, 21)))
    december = kwh(solar.day_curve(date(2025, 12, 21)))
    assert 20.0 <= june <= 30.0
    assert december < june / 3
    assert solar.power_w(datetime(2025, 6, 21, 13, 5, tzinfo=LONDON)) > 3000
    assert solar.power_w(datetime(2025, 6, 21, 1, 0, tzinfo=LONDON)) == 0
    assert solar.power_w(datetime(2025, 12, 21, 17, 0, tzinfo=LONDON)) == 0


def test_cloudy_day_is_lower_than_clear_and_changes_fast() -> None:
    when = date(2025, 6, 21)
    clear = Solar(4.0, "clear", seed=1).day_curve(when)
    cloudy = Solar(4.0, "cloudy", seed=1).day_curve(when)
    assert kwh(cloudy) < 0.6 * kwh(clear)
    assert all(c >= 0 for c in cloudy)
    noon = 13 * 3600
    jumps = sum(1 for s in range(noon, noon + 3600, 10) if abs(cloudy[s + 10] - cloudy[s]) > 300)
    assert jumps >= 3
    assert Solar(4.0, "cloudy", seed=1).day_curve(when) == cloudy


def test_solar_weather_must_be_known() -> None:
    assert Solar(weather="none").power_w(datetime(2025, 6, 21, 13, 0, tzinfo=LONDON)) == 0
    with pytest.raises(ValueError, match="weather"):
        Solar(weather="foggy")


# ---- the home behind the meter


def test_channels_follow_the_sign_convention() -> None:
    clock = ManualClock(datetime(2025, 6, 21, 13, 0))
    home = build_demo_home(clock)
    charger = SimCharger(home)
    charger.set_current(10)
    clock.advance(30.0)
    home.advance()
    ch = home.channels()
    assert ch["solar"].power_w < -2000
    assert ch["evse"].power_w == pytest.approx(10 * 240 + 13)
    assert ch["heatpump"].power_w > 0
    assert ch["grid"].power_w == pytest.approx(
        home.house_w + ch["heatpump"].power_w + ch["solar"].power_w + ch["evse"].power_w
    )
    assert 235 < ch["grid"].voltage < 246


def test_a_simulated_day_balances_grid_against_house_heat_pump_solar_and_charger() -> None:
    clock = ManualClock(datetime(2025, 4, 12, 0, 0))
    home = build_demo_home(clock, soc=40.0, weather="cloudy")
    charger = SimCharger(home)
    monitor = SimPowerMonitor(home)
    plan = {1: 16, 5: 0, 11: 8, 14: 0, 17: -10, 20: -4, 22: 0}  # hour -> amps
    metered_grid_wh = 0.0
    states = set()
    for second in range(86_400):
        if second % 3600 == 0 and second // 3600 in plan:
            charger.set_current(plan[second // 3600])
        reading = monitor.latest()
        metered_grid_wh += reading.grid.power_w / 3600.0
        if second % 60 == 0:
            states.add(charger.status().state)
        clock.advance(1.0)
    home.advance()
    assert {ChargerState.CHARGING, ChargerState.DISCHARGING, ChargerState.PAUSED} <= states
    assert home.reading_seq == 86_401
    grid_net = home.grid_import_wh - home.grid_export_wh
    parts = home.house_wh + home.heatpump_wh - home.solar_wh + home.evse_wh
    assert grid_net == pytest.approx(parts, rel=0.01)
    assert metered_grid_wh == pytest.approx(grid_net, rel=0.01)
    assert home.evse_wh == pytest.approx(home.quasar.charged_wh - home.quasar.discharged_wh, abs=1.0)
    assert home.solar_wh > 1000 and home.grid_export_wh > 0
    ch = home.channels()
    assert ch["grid"].import_wh == home.grid_import_wh and ch["solar"].export_wh == home.solar_wh
    # the battery moved as the energy says: 0.9 of net charge stored, 1/0.9 of discharge taken
    assert home.quasar.soc != 40.0


def test_a_jump_of_an_hour_integrates_like_3600_single_seconds() -> None:
    start = datetime(2025, 6, 21, 10, 0)
    stepped_clock, jumped_clock = ManualClock(start), ManualClock(start)
    stepped, jumped = build_demo_home(stepped_clock), build_demo_home(jumped_clock)
    for home in (stepped, jumped):
        home.advance()
        SimCharger(home).set_current(-12)
    for _ in range(3600):
        stepped_clock.advance(1.0)
        stepped.advance()
    jumped_clock.advance(3600.0)
    jumped.advance()
    for name in ("house_wh", "heatpump_wh", "solar_wh", "evse_wh", "grid_import_wh", "grid_export_wh"):
        assert getattr(jumped, name) == pytest.approx(getattr(stepped, name), rel=1e-6, abs=1e-6), name
    assert jumped.quasar.soc == pytest.approx(stepped.quasar.soc)
    assert jumped.reading_seq == stepped.reading_seq == 3601


def test_advance_twice_at_the_same_time_changes_nothing() -> None:
    clock = ManualClock(datetime(2025, 1, 10, 18, 0))
    home = SimHome(clock, House(1), Solar(weather="none"), SimQuasar(plugged=False))
    home.advance()
    clock.advance(10.0)
    home.advance()
    totals = (home.house_wh, home.grid_import_wh, home.reading_seq)
    home.advance()
    assert (home.house_wh, home.grid_import_wh, home.reading_seq) == totals
    assert home.quasar.state == ChargerState.DISCONNECTED
