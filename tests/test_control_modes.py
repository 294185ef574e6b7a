"""The owner's command words and what each mode decides."""

import pytest

from evse_tui.control.modes import CommandError, Mode, ModeCommand, mode_decision, parse_mode
from evse_tui.control.states import ControlState as S


def parse(word):
    return parse_mode(word, 32, 16)


@pytest.mark.parametrize(
    "word, mode, tariff",
    [
        ("s", Mode.SMART, None), ("smart", Mode.SMART, None), ("g", Mode.SMART, "OCTGO"), ("go", Mode.SMART, "OCTGO"),
        ("octgo", Mode.SMART, "OCTGO"), ("f", Mode.SMART, "FLUX"), ("flux", Mode.SMART, "FLUX"), ("cosy", Mode.SMART, "COSY"),
        ("c", Mode.CHARGE, None), ("charge", Mode.CHARGE, None), ("d", Mode.DISCHARGE, None), ("p", Mode.PAUSE, None),
        ("pause", Mode.PAUSE, None), ("solar", Mode.SOLAR, None), ("ph", Mode.POWER_HOME, None),
        ("power-home", Mode.POWER_HOME, None), ("b", Mode.BALANCE, None), ("balance", Mode.BALANCE, None),
        ("u", Mode.PAUSE_UNTIL_DISCONNECT, None), ("unplug", Mode.PAUSE_UNTIL_DISCONNECT, None), (" C ", Mode.CHARGE, None),
    ],
)
def test_command_words(word, mode, tariff):
    command = parse(word)
    assert (command.mode, command.tariff) == (mode, tariff)


@pytest.mark.parametrize("word, amps", [("10", 10), ("-8", -8), ("32", 32), ("-16", -16), ("3", 3), ("-3", -3)])
def test_fixed_currents(word, amps):
    assert parse(word) == ModeCommand(Mode.FIXED, amps=amps)


def test_zero_pauses():
    assert parse("0").mode is Mode.PAUSE


@pytest.mark.parametrize("word, reason", [("40", "outside -16..32"), ("-17", "outside -16..32"), ("2", "minimum of 3 A"), ("-1", "minimum of 3 A"), ("zap", "unknown command"), ("", "empty")])
def test_refusals_say_why(word, reason):
    with pytest.raises(CommandError, match=reason):
        parse(word)


@pytest.mark.parametrize(
    "command, state, lo, hi",
    [
        (ModeCommand(Mode.CHARGE), S.CHARGE, 32, 32),
        (ModeCommand(Mode.DISCHARGE), S.DISCHARGE, 16, 16),
        (ModeCommand(Mode.PAUSE), S.DORMANT, None, None),
        (ModeCommand(Mode.FIXED, 10), S.CHARGE, 10, 10),
        (ModeCommand(Mode.FIXED, -8), S.DISCHARGE, 8, 8),
        (ModeCommand(Mode.SOLAR), S.LOAD_FOLLOW_CHARGE, 3, 32),
        (ModeCommand(Mode.POWER_HOME), S.LOAD_FOLLOW_DISCHARGE, 3, 16),
        (ModeCommand(Mode.BALANCE), S.LOAD_FOLLOW_BIDIRECTIONAL, 3, 32),
        (ModeCommand(Mode.PAUSE_UNTIL_DISCONNECT), S.DORMANT, None, None),
    ],
)
def test_each_mode_decides(command, state, lo, hi):
    decision = mode_decision(command, 32, 16)
    assert (decision.state, decision.min_current, decision.max_current) == (state, lo, hi)
    assert decision.reason
