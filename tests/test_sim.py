"""The simulated Quasar and its car battery, and the in-process charger and meter built on them."""

from __future__ import annotations

from datetime import datetime

import pytest

from evse_tui.clock import ManualClock
from evse_tui.control.states import ChargerState
from evse_tui.drivers.base import ChargerError
from evse_tui.sim import SimCharger, SimHome, SimPowerMonitor, SimQuasar, SimRegisterError, build_demo_home
from evse_tui.sim import registers as reg


def command(q: SimQuasar, amps: int) -> None:
    """The DOMAIN sequence for a non-zero current, straight at the registers."""
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, reg.to_twos(amps))
    q.write_register(reg.ACTION, reg.ACTION_START)
    q.write_register(reg.LOCKOUT, 0)


def stop(q: SimQuasar) -> None:
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.ACTION, reg.ACTION_STOP)
    q.write_register(reg.SETPOINT, 0)
    q.write_register(reg.LOCKOUT, 0)


def running(amps: int, soc: float = 50.0, **kwargs: float) -> SimQuasar:
    """A Quasar at t=0 already flowing `amps` (no delay, no ramp unless asked)."""
    params = {"start_delay_s": 0.0, "ramp_s": 0.0, **kwargs}
    q = SimQuasar(soc=soc, **params)
    q.advance(0.0)
    command(q, amps)
    return q


# ---- battery and energy


def test_round_trip_keeps_about_81_percent_of_the_ac_energy() -> None:
    q = running(16, soc=50.0, standby_w=0.0)
    q.advance(3600.0)
    assert q.charged_wh == pytest.approx(16 * 240.0)
    assert q.soc == pytest.approx(50.0 + 16 * 240 * 0.9 / 40_000 * 100)
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, reg.to_twos(-16))
    stored_wh = 16 * 240 * 0.9
    q.advance(3600.0 + stored_wh / (16 * 240 / 0.9) * 3600)
    assert q.soc == pytest.approx(50.0, abs=1e-6)
    assert q.discharged_wh == pytest.approx(0.81 * q.charged_wh, rel=1e-6)


def test_standby_draw_is_counted_as_ac_energy_into_the_charger() -> None:
    q = SimQuasar()
    q.advance(0.0)
    q.advance(3600.0)
    assert q.state == ChargerState.PAUSED
    assert q.ac_power_w == pytest.approx(13.0)
    assert q.charged_wh == pytest.approx(13.0)
    assert q.soc == 55.0


def test_charging_stops_by_itself_at_97_percent() -> None:
    q = running(32, soc=96.5)
    q.advance(10 * 3600.0)
    assert q.soc == pytest.approx(97.0, abs=1e-6)
    assert q.actual_current == 0
    assert q.state == ChargerState.WAITING_FOR_CAR_DEMAND
    assert q.read_register(reg.SOC) == 0
    # exactly the AC energy needed for 0.5 % of 40 kWh at 90 % went in (plus standby)
    assert q.charged_wh - 13.0 * 10 == pytest.approx(200.0 / 0.9, rel=1e-6)


def test_discharging_stops_by_itself_at_5_percent_and_can_charge_again() -> None:
    q = running(-32, soc=5.4, ramp_s=3.0)
    q.advance(3600.0)
    assert q.soc == pytest.approx(5.0, abs=1e-4)
    assert q.actual_current == 0
    assert q.state == ChargerState.WAITING_FOR_CAR_DEMAND
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, reg.to_twos(10))
    q.advance(3610.0)
    assert q.actual_current == 10
    assert q.state == ChargerState.CHARGING


def test_a_long_jump_in_time_still_stops_at_the_limit() -> None:
    q = running(32, soc=90.0, ramp_s=3.0)
    q.advance(1e6)
    assert q.soc == pytest.approx(97.0, abs=1e-4)
    assert q.charged_wh == pytest.approx(7.0 * 400 / 0.9 + 13.0 * 1e6 / 3600, rel=1e-4)


# ---- start, ramp, stop


def test_current_flows_only_after_the_start_delay() -> None:
    q = SimQuasar(start_delay_s=12.0, ramp_s=3.0)
    q.advance(100.0)
    command(q, 16)
    q.advance(111.9)
    assert q.actual_current == 0
    assert q.state == ChargerState.WAITING_FOR_CAR_DEMAND
    assert q.read_register(reg.SOC) == 0
    q.advance(113.5)
    assert q.actual_current == pytest.approx(8.0)
    assert q.state == ChargerState.CHARGING
    assert q.read_register(reg.SOC) == 55


def test_setpoint_changes_ramp_over_ramp_s() -> None:
    q = running(16, ramp_s=3.0)
    q.advance(10.0)
    assert q.actual_current == 16
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, reg.to_twos(6))
    q.advance(11.5)
    assert q.actual_current == pytest.approx(11.0)
    q.advance(13.0)
    assert q.actual_current == 6


def test_reversal_ramps_through_zero_into_discharging() -> None:
    q = running(10, ramp_s=4.0)
    q.advance(10.0)
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, reg.to_twos(-10))
    q.advance(11.0)
    assert q.actual_current == pytest.approx(5.0)
    q.advance(13.0)
    assert q.actual_current == pytest.approx(-5.0)
    assert q.state == ChargerState.DISCHARGING
    q.advance(20.0)
    assert q.actual_current == -10


def test_stop_pauses_at_once_whatever_the_setpoint() -> None:
    q = running(16, ramp_s=3.0)
    q.advance(30.0)
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.ACTION, reg.ACTION_STOP)
    assert q.actual_current == 0
    assert q.state == ChargerState.PAUSED
    q.advance(60.0)
    assert q.read_register(reg.SETPOINT) == 16
    assert q.actual_current == 0
    assert q.read_register(reg.SOC) == 0


def test_setpoint_zero_while_started_waits_with_no_current() -> None:
    q = running(8, ramp_s=2.0)
    q.advance(5.0)
    q.write_register(reg.LOCKOUT, 1)
    q.write_register(reg.SETPOINT, 0)
    q.advance(6.0)
    assert q.state == ChargerState.CHARGING
    q.advance(8.0)
    assert q.actual_current == 0
    assert q.state == ChargerState.WAITING_FOR_CAR_DEMAND


def test_unplug_and_plug() -> None:
    q = running(16)
    q.advance(10.0)
    q.unplug()
    assert q.state == ChargerState.DISCONNECTED
    assert q.actual_current == 0
    command(q, 16)  # a start with no car does nothing
    q.advance(60.0)
    assert q.state == ChargerState.DISCONNECTED
    q.plug()
    q.advance(70.0)
    assert q.state == ChargerState.PAUSED
    command(q, 16)
    q.advance(71.0)
    assert q.state == ChargerState.CHARGING


def test_writes_before_the_first_advance_count_from_the_first_clock_reading() -> None:
    q = SimQuasar(start_delay_s=12.0, ramp_s=0.0)
    command(q, 10)
    q.advance(5000.0)
    q.advance(5011.0)
    assert q.actual_current == 0
    q.advance(5012.0)
    assert q.actual_current == 10


def test_idle_timeout_pauses_a_charger_left_without_writes() -> None:
    q = running(10)
    q.write_register(reg.IDLE_TIMEOUT, 30)
    q.advance(29.0)
    assert q.state == ChargerState.CHARGING
    q.advance(31.0)
    assert q.state == ChargerState.PAUSED
    assert q.charged_wh == pytest.approx((10 * 240 + 13) * 30 / 3600 + 13 / 3600)


# ---- registers


def test_control_writes_are_refused_while_locked_out() -> None:
    q = SimQuasar()
    q.advance(0.0)
    with pytest.raises(SimRegisterError, match="locked out"):
        q.write_register(reg.SETPOINT, 10)
    with pytest.raises(SimRegisterError, match="locked out"):
        q.write_register(reg.ACTION, reg.ACTION_START)
    assert q.read_register(reg.SETPOINT) == 0
    assert q.state == ChargerState.PAUSED


@pytest.mark.parametrize(
    ("address", "value"),
    [
        (reg.SETPOINT, reg.to_twos(33)),
        (reg.SETPOINT, reg.to_twos(-33)),
        (reg.ACTION, 3),
        (reg.LOCKOUT, 2),
        (reg.STATE, 1),
        (0x1234, 0),
        (reg.IDLE_TIMEOUT, 70000),
    ],
)
def test_bad_writes_are_refused(address: int, value: int) -> None:
    q = SimQuasar()
    q.advance(0.0)
    q.write_register(reg.LOCKOUT, 1)
    with pytest.raises(SimRegisterError):
        q.write_register(address, value)


def test_unknown_register_reads_are_refused() -> None:
    with pytest.raises(SimRegisterError):
        SimQuasar().read_register(0x100)


def test_signed_setpoint_and_power_read_as_twos_complement() -> None:
    q = running(-10)
    q.advance(5.0)
    assert q.read_register(reg.SETPOINT) == 65526
    assert q.read_register(reg.STATE) == ChargerState.DISCHARGING
    assert q.read_register(reg.AC_POWER) == 65536 - (10 * 240 - 13)
    assert reg.from_twos(q.read_register(reg.AC_POWER)) == -2387


def test_power_register_clamps_to_16_bits() -> None:
    q = running(32, voltage=1100.0)
    assert q.read_register(reg.AC_POWER) == 0x7FFF


# ---- the in-process devices


def demo(soc: float = 55.0) -> tuple[ManualClock, SimHome]:
    clock = ManualClock(datetime(2025, 3, 10, 9, 0))
    return clock, build_demo_home(clock, soc=soc)


def recording(q: SimQuasar) -> list[tuple[int, int]]:
    writes: list[tuple[int, int]] = []
    original = q.write_register

    def write(address: int, value: int) -> None:
        writes.append((address, value))
        original(address, value)

    q.write_register = write  # type: ignore[method-assign]
    return writes


def test_sim_charger_writes_the_exact_register_sequences() -> None:
    clock, home = demo()
    charger = SimCharger(home)
    writes = recording(home.quasar)
    charger.set_current(-10)
    assert writes == [(0x51, 1), (0x102, 65526), (0x101, 1), (0x51, 0)]
    writes.clear()
    charger.set_current(0)
    assert writes == [(0x51, 1), (0x101, 2), (0x102, 0), (0x51, 0)]


def test_failed_write_hands_control_back_and_raises() -> None:
    clock, home = demo()
    charger = SimCharger(home)
    writes = recording(home.quasar)
    charger.fail_writes = True
    with pytest.raises(ChargerError, match="simulated"):
        charger.set_current(16)
    assert writes == [(0x51, 1), (0x51, 0)]
    assert home.quasar.read_register(reg.SETPOINT) == 0
    with pytest.raises(ChargerError):
        charger.set_current(40)


def test_charger_status_follows_the_quasar_and_keeps_the_last_good_soc() -> None:
    clock, home = demo(soc=60.0)
    charger = SimCharger(home)
    first = charger.status()
    assert first.state == ChargerState.PAUSED and first.soc is None and first.poll_time == 0.0
    charger.set_current(16)
    clock.advance(20.0)
    flowing = charger.status()
    assert flowing.state == ChargerState.CHARGING
    assert flowing.soc == 60.0 and flowing.soc_time == 20.0
    assert flowing.setpoint == 16
    assert flowing.power_w == pytest.approx(16 * 240 + 13, abs=1)
    charger.set_current(0)
    clock.advance(30.0)
    paused = charger.status()
    assert paused.state == ChargerState.PAUSED
    assert paused.soc == 60.0 and paused.soc_time == 20.0
    assert paused.poll_time == 50.0


def test_failed_polls_reach_comms_failure_at_ten_and_recover() -> None:
    clock, home = demo()
    charger = SimCharger(home)
    charger.status()
    charger.fail_polls = True
    for n in range(1, 10):
        polled = charger.status()
        assert polled.failures == n and not polled.comms_failure
    failed = charger.status()
    assert failed.failures == 10 and failed.comms_failure and failed.error
    assert failed.state == ChargerState.PAUSED  # the last known state is kept
    charger.fail_polls = False
    ok = charger.status()
    assert ok.failures == 0 and not ok.comms_failure and ok.error is None


def test_power_monitor_gives_one_new_reading_per_simulated_second() -> None:
    clock, home = demo()
    monitor = SimPowerMonitor(home)
    first = monitor.latest()
    assert first is not None and first.seq == 1
    clock.advance(0.5)
    assert monitor.latest() is first
    clock.advance(0.5)
    second = monitor.latest()
    assert second.seq == 2 and second.mono == 1.0
    assert second.time == clock.now().timestamp()
    assert [name for name, _ in second.aux] == ["heatpump", "solar"]
    assert second.evse is not None and second.evse.power_w == pytest.approx(13.0)
    assert SimPowerMonitor(home, evse_metered=False).latest().evse is None


def test_frozen_power_monitor_repeats_its_last_reading_with_an_error() -> None:
    clock, home = demo()
    monitor = SimPowerMonitor(home)
    before = monitor.latest()
    monitor.frozen = True
    clock.advance(5.0)
    stale = monitor.latest()
    assert stale.seq == before.seq and stale.grid == before.grid
    assert stale.error == monitor.last_error() == "timeout (simulated)"
    monitor.frozen = False
    clock.advance(1.0)
    assert monitor.latest().seq == before.seq + 6
    assert monitor.last_error() is None
