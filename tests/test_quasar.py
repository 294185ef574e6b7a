"""The Quasar driver against an in-process pymodbus server: exact command writes and what polls report."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import pytest

from evse_tui.clock import ManualClock, ScaledClock
from evse_tui.config.errors import ConfigError
from evse_tui.control.states import charger_state_name
from evse_tui.drivers.addresses import modbus_address
from evse_tui.drivers.base import ChargerError
from evse_tui.drivers.quasar import QuasarCharger
from evse_tui.simserve.modbus_server import ModbusServerThread, PlainRegisters

PAUSED = 4


class CountingRegisters(PlainRegisters):
    """Plain registers that also count reads per address."""

    def __init__(self, values):
        super().__init__(values)
        self.reads: dict[int, int] = {}

    def read_register(self, address):
        self.reads[address] = self.reads.get(address, 0) + 1
        return super().read_register(address)


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 1, 15, 12, 0))


@pytest.fixture
def bank():
    return CountingRegisters({0x51: 0, 0x58: 0, 0x101: 2, 0x102: 0, 0x20E: 13, 0x219: PAUSED, 0x21A: 0})


@pytest.fixture
def server(bank):
    with ModbusServerThread(bank) as srv:
        yield srv


@pytest.fixture
def charger(server, clock):
    quasar = QuasarCharger("127.0.0.1", server.port, clock, timeout_s=0.5)
    yield quasar
    quasar.close()


def test_start_writes_lockout_setpoint_start_and_hands_back(charger, server, bank):
    charger.set_current(10)
    assert server.recorder.writes() == [(0x51, 1), (0x102, 10), (0x101, 1), (0x51, 0)]
    assert bank.values[0x51] == 0


def test_change_writes_the_new_setpoint_in_the_same_sequence(charger, server):
    charger.set_current(10)
    server.recorder.clear()
    charger.set_current(16)
    assert server.recorder.writes() == [(0x51, 1), (0x102, 16), (0x101, 1), (0x51, 0)]


def test_discharge_setpoint_is_twos_complement(charger, server):
    charger.set_current(-10)
    assert server.recorder.writes() == [(0x51, 1), (0x102, 65526), (0x101, 1), (0x51, 0)]
    server.recorder.clear()
    charger.set_current(-32)
    assert server.recorder.writes() == [(0x51, 1), (0x102, 65504), (0x101, 1), (0x51, 0)]


def test_stop_writes_stop_then_zero_setpoint(charger, server, bank):
    charger.set_current(12)
    server.recorder.clear()
    charger.set_current(0)
    assert server.recorder.writes() == [(0x51, 1), (0x101, 2), (0x102, 0), (0x51, 0)]
    assert (bank.values[0x101], bank.values[0x102], bank.values[0x51]) == (2, 0, 0)


def test_failed_write_still_hands_control_back(charger, server, bank):
    bank.refuse_writes[0x101] = 4
    with pytest.raises(ChargerError, match="exception code 4 writing 0x101=1"):
        charger.set_current(8)
    assert server.recorder.writes() == [(0x51, 1), (0x102, 8), (0x101, 1), (0x51, 0)]
    assert [r.accepted for r in server.recorder.records()] == [True, True, False, True]
    assert bank.values[0x51] == 0


def test_refused_lockout_write_still_tries_to_hand_back(charger, server, bank):
    bank.values[0x51] = 1  # left in remote control by someone else
    bank.refuse_writes[0x51] = 3
    with pytest.raises(ChargerError, match="control NOT handed back"):
        charger.set_current(0)
    assert server.recorder.writes() == [(0x51, 1), (0x51, 0)]


def test_out_of_range_current_is_refused_without_writing(charger, server):
    for amps in (33, -33, 100):
        with pytest.raises(ChargerError, match="-32 to 32"):
            charger.set_current(amps)
    assert server.recorder.writes() == []


def test_command_updates_setpoint_in_status_at_once(charger):
    charger.set_current(-7)
    assert charger.status().setpoint == -7


def test_poll_decodes_state_soc_signed_setpoint_and_power(charger, bank, clock):
    bank.values.update({0x219: 11, 0x21A: 63, 0x102: 65526, 0x20E: 65536 - 2400})
    clock.advance(5)
    status = charger.poll_once()
    assert (status.state, status.soc, status.setpoint, status.power_w) == (11, 63.0, -10, -2400.0)
    assert status.soc_time == clock.monotonic() and status.poll_time == clock.monotonic()
    assert (status.failures, status.comms_failure, status.error) == (0, False, None)


@pytest.mark.parametrize("raw", [0, 255, 4, 101])
def test_soc_outside_5_to_100_keeps_last_good_value_and_its_time(charger, bank, clock, raw, caplog):
    bank.values.update({0x219: 1, 0x21A: 71})
    charger.poll_once()
    good_time = clock.monotonic()
    clock.advance(30)
    bank.values[0x21A] = raw
    with caplog.at_level(logging.INFO, logger="evse_tui.drivers.quasar"):
        status = charger.poll_once()
        charger.poll_once()
    assert (status.soc, status.soc_time) == (71.0, good_time)
    assert status.failures == 0 and status.error is None
    assert sum(f"reads {raw}" in r.getMessage() for r in caplog.records) == 1  # said once, not every poll


def test_soc_unknown_until_a_valid_value(charger, bank):
    bank.values[0x21A] = 255
    assert charger.poll_once().soc is None
    bank.values.update({0x219: 1, 0x21A: 5})
    assert charger.poll_once().soc == 5.0


@pytest.mark.parametrize("state, name", [
    (5, "END OF SCHEDULE"), (6, "LOCKED"), (8, "POWER SHARING"), (9, "POWER SHARING"),
    (12, "unknown (12)"), (200, "unknown (200)"),
])
def test_every_state_value_is_shown_by_name_and_is_not_a_failure(charger, bank, state, name, caplog):
    bank.values[0x219] = state
    with caplog.at_level(logging.INFO, logger="evse_tui.drivers.quasar"):
        status = charger.poll_once()
    assert status.state == state and charger_state_name(status.state) == name
    assert (status.failures, status.comms_failure, status.error) == (0, False, None)
    assert any(name in r.getMessage() for r in caplog.records)


def test_missing_power_register_is_not_a_failure_and_is_asked_again_later(charger, bank, clock):
    del bank.values[0x20E]
    status = charger.poll_once()
    assert status.power_w is None and status.failures == 0 and status.error is None
    for _ in range(5):
        clock.advance(1)
        charger.poll_once()
    assert bank.reads[0x20E] == 1  # remembered as absent, not asked every poll
    bank.values[0x20E] = 3700
    clock.advance(300)
    assert charger.poll_once().power_w == 3700.0
    assert bank.reads[0x20E] == 2


def test_poll_thread_calls_listener(bank, server):
    polled = threading.Event()
    quasar = QuasarCharger("127.0.0.1", server.port, ScaledClock(speed=50))
    try:
        quasar.start(polled.set)
        assert polled.wait(5)
        assert quasar.status().state == PAUSED
    finally:
        quasar.close()


@pytest.mark.parametrize("text, expected", [
    ("WB012345.local", ("WB012345.local", 502)),
    ("192.168.1.40", ("192.168.1.40", 502)),
    ("127.0.0.1:5020", ("127.0.0.1", 5020)),
    (" quasar.lan:1502 ", ("quasar.lan", 1502)),
    ("[fe80::1]:503", ("fe80::1", 503)),
])
def test_wallbox_url_forms(text, expected):
    assert modbus_address(text) == expected


@pytest.mark.parametrize("text", ["", "host:0", "host:70000", "host:abc", "host:502/x", "a b"])
def test_bad_wallbox_url_names_the_key(text):
    with pytest.raises(ConfigError, match="wallbox.url"):
        modbus_address(text)
