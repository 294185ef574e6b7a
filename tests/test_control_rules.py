"""Each control state's clamp, the full/empty rules, SoC unknown, and the change delays."""

import pytest

from evse_tui.control.change_delay import ChangeGate, change_delay
from evse_tui.control.rules import soc_unknown_decision, target_current
from evse_tui.control.states import ControlState as S
from evse_tui.control.states import charger_state_name
from evse_tui.tariffs.base import Decision

MAXC, MAXD = 32, 16


def target(state, desired, lo=None, hi=None, soc=50.0):
    return target_current(Decision(state, lo, hi), desired, soc, MAXC, MAXD)


@pytest.mark.parametrize(
    "state, desired, lo, hi, expected",
    [
        (S.DORMANT, 10, None, None, 0),
        (S.DORMANT, -10, None, None, 0),
        (S.CHARGE, 0, None, None, 32),  # no range: the max charge current
        (S.CHARGE, -20, None, None, 32),
        (S.CHARGE, 5, 3, 16, 5),  # a range follows the desire within it
        (S.CHARGE, 1, 6, 16, 6),
        (S.CHARGE, 30, 6, 16, 16),
        (S.CHARGE, 0, 40, 40, 32),  # never above the owner's limit
        (S.DISCHARGE, 0, None, None, -16),
        (S.DISCHARGE, 0, 10, 16, -10),
        (S.DISCHARGE, -13, 10, 16, -13),
        (S.DISCHARGE, -25, 10, 16, -16),
        (S.DISCHARGE, 8, 10, 16, -10),
        (S.LOAD_FOLLOW_CHARGE, 10, 3, 32, 10),
        (S.LOAD_FOLLOW_CHARGE, 2, 3, 32, 0),  # below min -> 0
        (S.LOAD_FOLLOW_CHARGE, 5, 6, 16, 0),
        (S.LOAD_FOLLOW_CHARGE, 20, 6, 16, 16),  # above max -> max
        (S.LOAD_FOLLOW_CHARGE, -10, 3, 32, 0),  # any discharge desire -> 0
        (S.LOAD_FOLLOW_DISCHARGE, -10, 3, 16, -10),
        (S.LOAD_FOLLOW_DISCHARGE, -20, 2, 16, -16),
        (S.LOAD_FOLLOW_DISCHARGE, -5, 6, 16, 0),
        (S.LOAD_FOLLOW_DISCHARGE, 10, 3, 16, 0),  # any charge desire -> 0
        (S.LOAD_FOLLOW_DISCHARGE, -3, None, None, -3),  # no range: 3 A minimum, owner's max
        (S.LOAD_FOLLOW_DISCHARGE, -30, None, None, -16),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, 10, 6, 16, 10),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, -10, 6, 16, -10),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, 5, 6, 16, 0),  # dead band
        (S.LOAD_FOLLOW_BIDIRECTIONAL, -5, 6, 16, 0),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, 0, 6, 16, 0),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, 25, 6, 16, 16),
        (S.LOAD_FOLLOW_BIDIRECTIONAL, -25, 6, 32, -16),  # discharge capped by the owner's discharge limit
    ],
)
def test_each_control_state_clamps_the_desire(state, desired, lo, hi, expected):
    assert target(state, desired, lo, hi) == expected


def test_the_hardware_minimum_of_3_a_is_never_undercut():
    assert target(S.CHARGE, 0, 2, 2) == 3
    assert target(S.DISCHARGE, 0, 1, 1) == -3


@pytest.mark.parametrize("soc, charge, discharge", [(96.9, 32, -16), (97.0, 0, -16), (100, 0, -16), (5.1, 32, -16), (5.0, 32, 0), (0, 32, 0)])
def test_no_charging_when_full_and_no_discharging_when_empty(soc, charge, discharge):
    assert target(S.CHARGE, 0, soc=soc) == charge
    assert target(S.DISCHARGE, 0, soc=soc) == discharge


def test_unknown_soc_does_not_block_explicit_charge_or_discharge():
    assert target(S.CHARGE, 0, soc=None) == 32
    assert target(S.DISCHARGE, 0, soc=None) == -16


def test_soc_unknown_decision_charges_gently_at_3_a():
    decision = soc_unknown_decision()
    assert target_current(decision, -20, None, MAXC, MAXD) == 3
    assert "SoC unknown" in decision.reason


@pytest.mark.parametrize(
    "before, after, delay",
    [(0, 3, 21.9), (0, -32, 21.9), (10, 11, 5.9), (10, 9, 5.9), (-8, -10, 7.9), (10, 12, 7.9), (10, 13, 10.9), (10, 0, 10.9), (16, -16, 10.9), (3, 2, 5.9)],
)
def test_change_delays(before, after, delay):
    assert change_delay(before, after) == pytest.approx(delay)


def test_gate_refuses_a_change_until_the_delay_has_passed():
    gate = ChangeGate().after_change(100.0, 0, 10)
    assert not gate.allows(121.8, 10, 11)
    assert gate.wait_s(121.0) == pytest.approx(0.9)
    assert gate.allows(121.9, 10, 11)


def test_gate_also_honours_the_delay_of_the_next_change():
    gate = ChangeGate().after_change(100.0, 10, 11)  # a 1 A step: 5.9 s
    assert gate.allows(105.9, 11, 12)
    assert not gate.allows(105.9, 11, 20)  # a big step waits its own 10.9 s
    assert gate.allows(110.9, 11, 20)


@pytest.mark.parametrize("code, name", [(0, "DISCONNECTED"), (1, "CHARGING"), (4, "PAUSED"), (11, "DISCHARGING"), (12, "unknown (12)"), (200, "unknown (200)"), (None, "UNKNOWN")])
def test_every_charger_state_has_a_name(code, name):
    assert charger_state_name(code) == name
