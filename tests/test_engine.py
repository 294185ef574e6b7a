"""The engine on scripted devices: modes, change delays, corrections, fail-safe, restart."""

from __future__ import annotations

import json

import pytest
from fakes import FakeCharger, FakeMonitor

from evse_tui.config.schema import Config, WallboxConfig
from evse_tui.control.change_delay import change_delay
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.control.states import ChargerState, ControlState
from evse_tui.engine.commands import SetMode
from evse_tui.engine.engine import Engine
from evse_tui.engine.persist import StateStore

CONFIG = Config(wallbox=WallboxConfig(max_charge_current=32, max_discharge_current=16))


def make(clock, tmp_path=None, house_w=500.0, soc=50.0, mode=Mode.PAUSE, state=ChargerState.PAUSED):
    charger = FakeCharger(clock, state=state, soc=soc)
    monitor = FakeMonitor(clock, charger, house_w=house_w)
    store = StateStore(tmp_path) if tmp_path else None
    engine = Engine(CONFIG, charger, monitor, clock, store, initial_mode=ModeCommand(mode))
    return engine, charger, monitor


def run(engine, clock, seconds: float) -> None:
    """Step the engine the way the real loop does: wake at the time it asks for, at least once a second."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        wake = engine.step()
        clock.advance(max(0.001, min(wake, end) - clock.monotonic()))


def mode(engine, word_command: ModeCommand):
    future = engine.submit(SetMode(word_command))
    engine.step()
    return future.result(timeout=0)


def test_start_takes_control_with_a_stop_and_then_obeys_charge_at_once(clock):
    engine, charger, _ = make(clock)
    engine.step()
    assert charger.amps == [0]  # the engine does not trust what it finds: it commands 0 A first
    run(engine, clock, 22)  # the first change "from 0 A" holds 21.9 s
    result = mode(engine, ModeCommand(Mode.CHARGE))
    assert result.ok and "CHARGE" in result.message
    assert charger.amps == [0, 32]
    assert engine.snapshot.control_state is ControlState.CHARGE
    assert engine.snapshot.target_current == 32


def test_a_command_waits_for_the_change_delay_then_goes_at_once(clock):
    engine, charger, _ = make(clock)
    engine.step()
    mode(engine, ModeCommand(Mode.CHARGE))  # wanted at t=0 but the start stop holds until 21.9 s
    assert charger.amps == [0]
    run(engine, clock, 30)
    assert charger.amps == [0, 32]
    sent_at = charger.commands[1][0]
    assert sent_at == pytest.approx(21.9, abs=0.01)  # not at the next whole-second poll


@pytest.mark.parametrize("house_w", [300, 2500, 6000])
def test_no_two_changes_are_ever_closer_than_the_change_delay(clock, house_w):
    engine, charger, monitor = make(clock, house_w=house_w, mode=Mode.POWER_HOME)
    for step in range(40):
        monitor.house_w = [300, 1300, 2600, 900, 4000, 200][step % 6] + house_w
        run(engine, clock, 7)
        if step % 7 == 3:
            mode(engine, ModeCommand(Mode.FIXED, amps=[10, -8, 5][step % 3]))
        if step % 7 == 5:
            mode(engine, ModeCommand(Mode.POWER_HOME))
    assert len(charger.commands) > 10
    previous = 0
    for (t0, a0), (t1, a1) in zip(charger.commands, charger.commands[1:]):
        # the wait honours the delay of the change just made and the delay of the next one
        needed = max(change_delay(previous, a0), change_delay(a0, a1))
        assert t1 - t0 >= needed - 1e-9, (t0, a0, t1, a1)
        previous = a0


def test_power_home_follows_the_house_demand(clock):
    engine, charger, monitor = make(clock, house_w=2000, mode=Mode.POWER_HOME)
    run(engine, clock, 60)
    assert engine.target == -8  # 2000 W -> band 1920..2160 -> 8 A discharge
    assert charger.amps[-1] == -8
    monitor.house_w = 300
    run(engine, clock, 15)
    assert charger.amps[-1] == 0  # the house no longer needs the car: stop, do not export


def test_fixed_current_and_pause(clock):
    engine, charger, _ = make(clock)
    run(engine, clock, 22)
    mode(engine, ModeCommand(Mode.FIXED, amps=-10))
    assert charger.amps[-1] == -10
    run(engine, clock, 22)
    mode(engine, ModeCommand(Mode.PAUSE))
    assert charger.amps[-1] == 0


def test_smart_with_unknown_soc_charges_at_3_a(clock):
    engine, charger, _ = make(clock, soc=None, mode=Mode.SMART)
    run(engine, clock, 30)
    assert engine.snapshot.reason.startswith("SoC unknown")
    assert charger.amps[-1] == 3


def test_full_battery_stops_charging(clock):
    engine, charger, _ = make(clock, soc=97.0, mode=Mode.CHARGE)
    run(engine, clock, 30)
    assert engine.target == 0
    assert 32 not in charger.amps


def test_a_paused_charger_with_a_non_zero_target_is_corrected(clock):
    engine, charger, _ = make(clock)
    run(engine, clock, 22)
    mode(engine, ModeCommand(Mode.FIXED, amps=10))
    assert charger.amps == [0, 10]
    charger.set(state=ChargerState.PAUSED)  # someone paused it from the app
    run(engine, clock, 30)
    assert charger.amps == [0, 10, 10]


def test_a_running_charger_with_a_zero_target_is_corrected(clock):
    engine, charger, _ = make(clock)
    run(engine, clock, 25)
    charger.set(state=ChargerState.CHARGING, setpoint=16)
    run(engine, clock, 5)
    assert charger.amps == [0, 0]


def unplug_and_replug(engine, clock, charger) -> None:
    """The car is seen DISCONNECTED, then plugged in again (the charger rests PAUSED)."""
    charger.set(state=ChargerState.DISCONNECTED)
    run(engine, clock, 2)
    charger.set(state=ChargerState.PAUSED)
    run(engine, clock, 2)


class TestPauseUntilDisconnect:
    def setup_engine(self, clock, start_mode=Mode.POWER_HOME):
        engine, charger, _ = make(clock, mode=start_mode)
        run(engine, clock, 2)
        return engine, charger

    def test_resumes_the_previous_mode_after_unplug_and_replug(self, clock):
        engine, charger = self.setup_engine(clock)
        mode(engine, ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT))
        assert engine.snapshot.control_state is ControlState.DORMANT
        run(engine, clock, 5)
        assert engine.mode.mode is Mode.PAUSE_UNTIL_DISCONNECT  # still plugged in: stays paused
        charger.set(state=ChargerState.DISCONNECTED)
        run(engine, clock, 5)
        assert engine.mode.mode is Mode.PAUSE_UNTIL_DISCONNECT
        charger.set(state=ChargerState.PAUSED)
        run(engine, clock, 2)
        assert engine.mode.mode is Mode.POWER_HOME

    def test_plugged_in_without_a_disconnect_does_not_resume(self, clock):
        engine, charger = self.setup_engine(clock)
        mode(engine, ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT))
        charger.set(state=ChargerState.WAITING_FOR_CAR_DEMAND)
        run(engine, clock, 5)
        assert engine.mode.mode is Mode.PAUSE_UNTIL_DISCONNECT

    def test_repeating_unplug_keeps_the_original_previous_mode(self, clock):
        engine, charger = self.setup_engine(clock, Mode.BALANCE)
        mode(engine, ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT))
        mode(engine, ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT))
        unplug_and_replug(engine, clock, charger)
        assert engine.mode.mode is Mode.BALANCE

    def test_with_no_previous_mode_it_resumes_pause(self, clock, tmp_path):
        (tmp_path / "evse_state.json").write_text(json.dumps({"mode": {"mode": "PAUSE_UNTIL_DISCONNECT"}}))
        engine, charger, _ = make(clock, tmp_path)
        unplug_and_replug(engine, clock, charger)
        assert engine.mode.mode is Mode.PAUSE

    def test_another_mode_cancels_the_wait(self, clock):
        engine, charger = self.setup_engine(clock)
        mode(engine, ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT))
        mode(engine, ModeCommand(Mode.CHARGE))
        unplug_and_replug(engine, clock, charger)
        assert engine.mode.mode is Mode.CHARGE


def test_stale_meter_stops_load_following_and_resumes_when_fresh(clock):
    engine, charger, monitor = make(clock, house_w=3000, mode=Mode.POWER_HOME)
    run(engine, clock, 40)
    assert charger.amps[-1] < 0
    monitor.frozen = True
    run(engine, clock, 25)
    assert charger.amps[-1] == 0
    assert engine.snapshot.failsafe and "meter reading" in engine.snapshot.failsafe
    assert engine.snapshot.meter_stale
    monitor.frozen = False
    run(engine, clock, 30)
    assert charger.amps[-1] < 0
    assert engine.snapshot.failsafe is None


def test_stale_meter_does_not_stop_an_explicit_charge(clock):
    engine, charger, monitor = make(clock, mode=Mode.CHARGE)
    run(engine, clock, 25)
    monitor.frozen = True
    run(engine, clock, 30)
    assert charger.amps[-1] == 32
    assert engine.snapshot.meter_stale and engine.snapshot.failsafe is None


def test_a_failed_command_is_retried_and_reported(clock):
    engine, charger, _ = make(clock)
    charger.fail = True
    run(engine, clock, 3)
    assert any("failed" in e for e in engine.snapshot.errors)
    charger.fail = False
    run(engine, clock, 10)
    assert charger.amps == [0]


def test_restart_resumes_the_owners_mode_and_tariff(clock, tmp_path):
    engine, _, _ = make(clock, tmp_path)
    mode(engine, ModeCommand(Mode.SMART, tariff="FLUX"))
    engine.shutdown()
    again, _, _ = make(clock, tmp_path)
    assert again.mode.mode is Mode.SMART and again.tariff_name == "FLUX"


def test_a_corrupt_state_file_is_moved_aside_and_the_engine_carries_on(clock, tmp_path):
    (tmp_path / "evse_state.json").write_text('{"mode": {"mode": "CHA')
    engine, _, _ = make(clock, tmp_path)
    assert engine.mode.mode is Mode.PAUSE
    moved = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0].startswith("evse_state.json.corrupt-")


def test_history_of_readings_survives_a_restart(clock, tmp_path):
    engine, _, _ = make(clock, tmp_path)
    run(engine, clock, 30)
    engine.shutdown()
    again, _, _ = make(clock, tmp_path)
    assert len(again.book.history) >= 29
    assert again.snapshot.history[-1].grid_w == pytest.approx(500 + 13)


def test_shutdown_stops_the_charger_whatever_the_delay(clock):
    engine, charger, _ = make(clock, mode=Mode.CHARGE)
    run(engine, clock, 23)
    assert charger.amps[-1] == 32
    engine.shutdown()
    assert charger.amps[-1] == 0


def test_a_control_loop_that_keeps_failing_stops_the_charger(clock):
    import threading

    engine, charger, monitor = make(clock, mode=Mode.CHARGE)
    run(engine, clock, 25)
    assert charger.amps[-1] == 32
    broken = {"count": 0}

    def broken_latest():
        broken["count"] += 1
        if broken["count"] > 12:
            stop.set()
        raise RuntimeError("a bug in a driver")

    monitor.latest = broken_latest
    stops_at: list[int] = []
    original = charger.set_current

    def recording(amps: int) -> None:
        stops_at.append(broken["count"])
        original(amps)

    charger.set_current = recording
    stop = threading.Event()
    engine.run(stop)  # ManualClock: waits advance time instead of sleeping
    assert stops_at[0] == 5  # stopped after five failing passes, long before the loop ended
    assert charger.amps[-1] == 0
    assert any("control loop error" in e for e in engine.snapshot.errors)


def test_no_commands_are_hammered_at_a_charger_in_comms_failure_and_the_change_follows_recovery(clock):
    engine, charger, _ = make(clock)
    run(engine, clock, 25)
    charger.set(comms_failure=True, failures=10)
    charger.fail = True
    mode(engine, ModeCommand(Mode.CHARGE))
    run(engine, clock, 60)
    assert not [e for e in engine.snapshot.errors if "failed" in e]  # nothing was tried while it was unreachable
    charger.set(comms_failure=False, failures=0)
    charger.fail = False
    run(engine, clock, 2)
    assert charger.amps[-1] == 32
