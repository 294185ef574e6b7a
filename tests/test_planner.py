"""The SoC target: planning into cheap half hours, falling back to charging now, and its life in the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from evse_tui.clock import LONDON
from evse_tui.control.demand import default_levels
from evse_tui.control.states import ControlState
from evse_tui.scheduler import ScheduleError, Scheduler, battery_charge_power_w, plan_target, usable_capacity_kwh
from evse_tui.scheduler.planner import half_hours
from evse_tui.tariffs.base import Decision, Rates, StrategyContext, Tariff
from evse_tui.tariffs.registry import make_tariff

POWER_W = battery_charge_power_w(32, 230)  # 6624 W into the battery
CAPACITY = 40.0


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=LONDON)


class StepTariff(Tariff):
    """Import prices by half hour of the day from a table; the strategy is irrelevant here."""

    name = "STEP"

    def __init__(self, prices: dict[tuple[int, int], float], default: float = 30.0) -> None:
        self.prices = prices
        self.default = default

    def rates_at(self, local: datetime) -> Rates:
        key = (local.hour, 0 if local.minute < 30 else 30)
        return Rates(self.prices.get(key, self.default), 5.0)

    def decide(self, soc, local, ctx):
        return Decision(ControlState.DORMANT)

    def demand_levels(self, soc, local):
        return default_levels()

    def period_name(self, local):
        return "standard"

    def is_off_peak(self, local):
        return False

    def is_peak(self, local):
        return False


@pytest.fixture
def octgo():
    return make_tariff("OCTGO")


@pytest.fixture
def scheduler(tmp_path):
    s = Scheduler(tmp_path / "schedule.json", LONDON, now=at(10, 18))
    s.catch_up(at(10, 18))
    return s


# --- the pure planner


def test_an_0730_target_under_octgo_charges_in_the_cheap_night(octgo):
    plan = plan_target(at(10, 18), 50, 80, at(11, 7, 30), octgo, CAPACITY, POWER_W)
    assert not plan.charge_now
    assert plan.energy_kwh == pytest.approx(12.0)
    assert plan.start == at(11, 0, 30)
    assert all(at(11, 0, 30) <= s.start and s.end <= at(11, 5, 30) for s in plan.slots)
    assert all(s.import_p == 8.5 for s in plan.slots)
    assert sum(s.energy_kwh for s in plan.slots) == pytest.approx(12.0)
    assert plan.expected_cost_p == pytest.approx(12.0 / 0.9 * 8.5)
    # 12 kWh at 6.624 kW is 1 h 49 min: 00:30-02:19
    assert plan.ranges_text() == "00:30-02:19"
    assert "80% by 07:30: charge 00:30-02:19" in plan.message


def test_a_gap_too_big_for_the_time_left_charges_at_full_power_now(octgo):
    plan = plan_target(at(11, 6), 20, 90, at(11, 7, 30), octgo, CAPACITY, POWER_W)
    assert plan.charge_now
    assert plan.start == at(11, 6)
    assert plan.slot_at(at(11, 6, 10)) is not None
    assert "cannot be met by 07:30: charging at full power now" in plan.message


def test_cheapest_half_hours_are_chosen_and_equal_prices_go_earliest():
    tariff = StepTariff({(1, 0): 10, (1, 30): 5, (2, 0): 5, (3, 0): 5})
    plan = plan_target(at(11, 0, 0), 50, 60, at(11, 4), tariff, CAPACITY, POWER_W)  # 4 kWh: one and a bit slots
    assert [s.start for s in plan.slots] == [at(11, 1, 30), at(11, 2)]
    assert plan.slots[0].energy_kwh == pytest.approx(POWER_W / 2000)


def test_the_first_half_hour_is_partial_and_priced_at_now():
    pieces = half_hours(at(11, 0, 47), at(11, 2, 10))
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in pieces] == [
        ("00:47", "01:00"),
        ("01:00", "01:30"),
        ("01:30", "02:00"),
        ("02:00", "02:10"),
    ]


def test_the_spring_night_has_an_hour_fewer_to_charge_in():
    pieces = half_hours(at(29, 22), at(30, 7, 30))
    assert len(pieces) == 17  # 22:00 GMT to 07:30 BST: 9.5 h on the wall, 8.5 h of time
    assert all(b - a == timedelta(minutes=30) for a, b in pieces)


def test_target_reached_already_or_soc_unknown_plans_nothing(octgo):
    assert plan_target(at(10, 18), 85, 80, at(11, 7, 30), octgo, CAPACITY, POWER_W).slots == ()
    unknown = plan_target(at(10, 18), None, 80, at(11, 7, 30), octgo, CAPACITY, POWER_W)
    assert unknown.slots == () and "waiting for the car's SoC" in unknown.message


def test_capacity_is_refined_from_soc_steps_once_a_few_were_seen():
    assert usable_capacity_kwh(40.0, [380.0, 420.0]) == 40.0
    assert usable_capacity_kwh(40.0, [380.0, 420.0, 400.0, 900.0]) == pytest.approx(41.0)


# --- the target in the scheduler


def test_targets_below_the_soc_above_100_or_in_the_past_are_refused(scheduler, octgo):
    with pytest.raises(ScheduleError, match="not above the current SoC of 62%"):
        scheduler.set_target(50, at(11, 7, 30), at(10, 18), 62, octgo, CAPACITY, POWER_W)
    with pytest.raises(ScheduleError, match="above 100%"):
        scheduler.set_target(101, at(11, 7, 30), at(10, 18), 62, octgo, CAPACITY, POWER_W)
    with pytest.raises(ScheduleError, match="in the past"):
        scheduler.set_target(80, at(10, 7, 30), at(10, 18), 62, octgo, CAPACITY, POWER_W)
    assert scheduler.target is None


def test_the_normal_mode_runs_until_the_cheap_slot_then_the_target_charges(scheduler, octgo):
    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    assert scheduler.target_decision(at(10, 23), 50, octgo, CAPACITY, POWER_W) is None
    decision = scheduler.target_decision(at(11, 0, 30), 50, octgo, CAPACITY, POWER_W)
    assert decision is not None and decision.state is ControlState.CHARGE
    assert "target 80%" in decision.reason


def test_a_reached_target_stops_charging_and_holds_the_soc_until_the_deadline(scheduler, octgo):
    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    assert scheduler.target_decision(at(11, 0, 45), 70, octgo, CAPACITY, POWER_W) is not None
    assert scheduler.target_decision(at(11, 2), 80, octgo, CAPACITY, POWER_W) is None  # mid-slot, but reached
    assert [n for n in scheduler.drain_notices() if "reached at 02:00" in n]
    assert scheduler.target is not None and scheduler.target.reached_at == at(11, 2)
    assert scheduler.forbids_discharge(at(11, 6), 80)
    assert not scheduler.forbids_discharge(at(11, 6), 81)
    assert scheduler.target_decision(at(11, 6), 79, octgo, CAPACITY, POWER_W) is None  # a 1 % wobble
    assert "reached at 02:00" in scheduler.target_view(at(11, 6), octgo).status
    scheduler.target_decision(at(11, 7, 30), 80, octgo, CAPACITY, POWER_W)
    assert scheduler.target is None
    assert not scheduler.forbids_discharge(at(11, 7, 30), 80)
    assert any("ended at the deadline, SoC 80%" in n for n in scheduler.drain_notices())


def test_the_target_ends_at_the_deadline(scheduler, octgo):
    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    scheduler.target_decision(at(11, 5), 75, octgo, CAPACITY, POWER_W)
    assert scheduler.target_decision(at(11, 7, 30), None, octgo, CAPACITY, POWER_W) is None
    assert scheduler.target is None
    assert any("ended at the deadline, SoC 75%" in n for n in scheduler.drain_notices())


def test_a_target_that_cannot_be_met_charges_now_and_says_so(scheduler, octgo):
    plan = scheduler.set_target(90, at(11, 7, 30), at(11, 6), 20, octgo, CAPACITY, POWER_W)
    assert plan.charge_now
    decision = scheduler.target_decision(at(11, 6), 20, octgo, CAPACITY, POWER_W)
    assert decision is not None and decision.state is ControlState.CHARGE
    assert "target 90% cannot be met by 07:30: charging at full power now" == decision.reason
    assert "cannot be met by 07:30: charging at full power now" in scheduler.target_view(at(11, 6), octgo).status
    # it keeps charging even if a bigger capacity estimate would make it look feasible again
    assert scheduler.target_decision(at(11, 6, 5), 60, octgo, CAPACITY, POWER_W) is not None


def test_a_started_slot_is_kept_to_its_end(scheduler):
    # 00:30 costs 10p, 01:00-05:30 only 5p: only a big gap needs the 10p half hour
    tariff = StepTariff({(h, m): 5.0 for h in range(1, 5) for m in (0, 30)} | {(0, 30): 10.0, (5, 0): 5.0})
    scheduler.set_target(95, at(11, 5, 30), at(10, 18), 15, tariff, CAPACITY, POWER_W)
    assert scheduler.target_decision(at(11, 0, 35), 15, tariff, CAPACITY, POWER_W) is not None
    # the SoC jumps: a re-plan alone would now leave out the 10p half hour
    assert plan_target(at(11, 0, 40), 30, 95, at(11, 5, 30), tariff, CAPACITY, POWER_W).slot_at(at(11, 0, 40)) is None
    assert scheduler.target_decision(at(11, 0, 40), 30, tariff, CAPACITY, POWER_W) is not None
    assert scheduler.target_decision(at(11, 0, 59), 30, tariff, CAPACITY, POWER_W) is not None
    assert scheduler.target_decision(at(11, 1, 0), 30, tariff, CAPACITY, POWER_W) is not None  # a 5p slot now


def test_discharging_is_forbidden_from_the_plan_start_while_not_above_the_target(scheduler, octgo):
    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    scheduler.target_decision(at(10, 20), 50, octgo, CAPACITY, POWER_W)
    assert not scheduler.forbids_discharge(at(10, 20), 50)
    scheduler.target_decision(at(11, 5, 45), 78, octgo, CAPACITY, POWER_W)
    assert scheduler.forbids_discharge(at(11, 5, 45), 78)
    assert scheduler.forbids_discharge(at(11, 5, 45), 80)
    assert not scheduler.forbids_discharge(at(11, 5, 45), 81)


def test_the_target_and_its_plan_survive_a_restart(tmp_path, octgo):
    path = tmp_path / "schedule.json"
    first = Scheduler(path, LONDON, now=at(10, 18))
    first.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    second = Scheduler(path, LONDON, now=at(10, 19))
    view = second.target_view(at(10, 19), octgo)
    assert view is not None and view.soc == 80 and view.deadline == at(11, 7, 30)
    assert view.start == at(11, 0, 30)
    assert view.expected_cost_p == pytest.approx(12.0 / 0.9 * 8.5)
    assert "00:30-02:19" in view.status
    assert second.cancel_target() is True
    assert Scheduler(path, LONDON, now=at(10, 20)).target is None


def test_a_simulated_night_under_octgo_reaches_80_by_0730_in_the_cheap_hours(scheduler, octgo):
    """No engine: the target overrides OCTGO (capped at 50 % here, so only the target fills the car)."""
    ctx = StrategyContext(max_charge_percent=50)
    true_soc = 60.0
    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 60, octgo, CAPACITY, POWER_W)
    target_minutes: list = []
    now = at(10, 18)
    while now < at(11, 8):
        reading = int(true_soc)
        override = scheduler.target_decision(now, reading, octgo, CAPACITY, POWER_W)
        decision = override or octgo.decide(reading, now, ctx)
        state = decision.state
        if state in (ControlState.DISCHARGE, ControlState.LOAD_FOLLOW_DISCHARGE) and scheduler.forbids_discharge(
            now, reading
        ):
            state = ControlState.DORMANT
        if override is not None:
            target_minutes.append(now)
        kw = {
            ControlState.CHARGE: POWER_W / 1000,
            ControlState.DISCHARGE: -7.0,
            ControlState.LOAD_FOLLOW_DISCHARGE: -1.0,
        }
        true_soc = min(97.0, max(5.0, true_soc + kw.get(state, 0.0) / 60 / CAPACITY * 100))
        if now == at(11, 7, 29):
            soc_at_deadline = true_soc
        now += timedelta(minutes=1)
    assert soc_at_deadline >= 80
    assert target_minutes and all(octgo.is_off_peak(t) for t in target_minutes)
    assert target_minutes[0] == at(11, 0, 30)
    assert scheduler.target is None
    notices = scheduler.drain_notices()
    assert any("reached" in n for n in notices) and any("ended at the deadline" in n for n in notices)


def test_voltage_wobble_does_not_rewrite_the_file_but_a_new_capacity_estimate_does(scheduler, octgo, monkeypatch):
    from evse_tui.scheduler import service

    scheduler.set_target(80, at(11, 7, 30), at(10, 18), 50, octgo, CAPACITY, POWER_W)
    saves = []
    monkeypatch.setattr(service.store, "save", lambda *a: saves.append(a))
    for volts in (229, 233, 236, 231):
        scheduler.target_decision(at(10, 20), 50, octgo, CAPACITY, battery_charge_power_w(32, volts))
    assert saves == []
    scheduler.target_decision(at(10, 20), 50, octgo, 50.0, POWER_W)
    assert len(saves) == 1 and scheduler.target.capacity_kwh == 50.0
    assert scheduler.target_view(at(10, 20), octgo).status.startswith("charge 00:30-02:46 (15.0 kWh")
