"""The Quasar driver when the charger misbehaves: refused, silent, hanging up, answering with exceptions."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import datetime

import pytest

from evse_tui.clock import ManualClock
from evse_tui.drivers.base import ChargerError
from evse_tui.drivers.quasar import QuasarCharger
from evse_tui.simserve.modbus_server import ModbusServerThread, PlainRegisters

LOGGER = "evse_tui.drivers.quasar"


def registers():
    return PlainRegisters({0x51: 0, 0x101: 2, 0x102: 0, 0x20E: 0, 0x219: 4, 0x21A: 0})


def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RawServer:
    """A TCP server that accepts and then either stays silent or hangs up on the first request."""

    def __init__(self, hang_up: bool) -> None:
        self.hang_up = hang_up
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(2)
            self._conns.append(conn)
            try:
                if conn.recv(260):
                    self.requests += 1
                    if self.hang_up:
                        conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 1, 15, 12, 0))


def test_connection_refused_is_counted_and_shown(clock, caplog):
    quasar = QuasarCharger("127.0.0.1", free_port(), clock, timeout_s=0.5)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        status = quasar.poll_once()
    assert (status.failures, status.error, status.state) == (1, "connection refused", None)
    assert any("connection refused" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_silent_charger_times_out(clock, caplog):
    raw = RawServer(hang_up=False)
    try:
        quasar = QuasarCharger("127.0.0.1", raw.port, clock, timeout_s=0.2)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            status = quasar.poll_once()
        assert status.failures == 1 and status.error == "timeout reading 0x219"
        assert "poll failed: timeout reading 0x219" in caplog.text
        quasar.close()
    finally:
        raw.close()


def test_connection_closed_mid_request(clock, caplog):
    raw = RawServer(hang_up=True)
    try:
        quasar = QuasarCharger("127.0.0.1", raw.port, clock, timeout_s=0.5)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            status = quasar.poll_once()
        assert status.failures == 1 and status.error == "connection closed by the charger reading 0x219"
        assert "poll failed: connection closed by the charger reading 0x219" in caplog.text
        assert quasar.poll_once().failures == 2  # and it reconnects for the next poll
        assert raw.requests == 2
        quasar.close()
    finally:
        raw.close()


def test_exception_reply_is_a_failed_poll_with_its_code(clock, caplog):
    bank = registers()
    bank.fail_reads[0x219] = 2
    with ModbusServerThread(bank) as server:
        quasar = QuasarCharger("127.0.0.1", server.port, clock)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            status = quasar.poll_once()
        assert (status.failures, status.error) == (1, "exception code 2 reading 0x219")
        assert "poll failed: exception code 2 reading 0x219" in caplog.text
        bank.fail_reads.clear()
        bank.fail_reads[0x21A] = 4
        assert quasar.poll_once().error == "exception code 4 reading 0x21A"
        quasar.close()


def test_ten_failures_make_comms_failure_logged_once_and_recovery_logged(clock, caplog):
    port = free_port()
    quasar = QuasarCharger("127.0.0.1", port, clock)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for n in range(1, 13):
            status = quasar.poll_once()
            assert status.failures == n and status.comms_failure == (n >= 10)
            clock.advance(1)
        with ModbusServerThread(registers(), port=port):
            status = quasar.poll_once()
    assert (status.failures, status.comms_failure, status.error, status.state) == (0, False, None, 4)
    above_debug = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert sum("poll failed" in m for m in above_debug) == 1
    assert sum("COMMS FAILURE" in m for m in above_debug) == 1
    assert sum("answering again after 12 failed poll(s)" in m for m in above_debug) == 1


def test_without_credentials_says_so_once_and_keeps_polling(clock, caplog):
    quasar = QuasarCharger("127.0.0.1", free_port(), clock)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in range(15):
            status = quasar.poll_once()
    assert status.failures == 15
    assert "no Wallbox credentials" in status.error
    assert sum("cannot be restarted automatically" in r.getMessage() for r in caplog.records) == 1


def test_dead_charger_fails_the_command_quickly_with_the_reason(clock):
    quasar = QuasarCharger("127.0.0.1", free_port(), clock)
    with pytest.raises(ChargerError, match="connection refused"):
        quasar.set_current(10)


def test_silent_charger_fails_the_command_without_hanging(clock):
    raw = RawServer(hang_up=False)
    try:
        quasar = QuasarCharger("127.0.0.1", raw.port, clock, timeout_s=0.2)
        with pytest.raises(ChargerError, match="timeout writing 0x51=1"):
            quasar.set_current(0)
        quasar.close()
    finally:
        raw.close()


def test_stop_reopens_a_dropped_connection_and_hands_back(clock):
    """The clean exit's stop still arrives when the charger restarted under an open connection."""
    bank = registers()
    server = ModbusServerThread(bank).start()
    port = server.port
    quasar = QuasarCharger("127.0.0.1", port, clock)
    quasar.set_current(10)  # the connection is now open
    server.close()
    with ModbusServerThread(bank, port=port) as again:
        quasar.set_current(0)
        assert again.recorder.writes() == [(0x51, 1), (0x101, 2), (0x102, 0), (0x51, 0)]
    assert (bank.values[0x101], bank.values[0x51]) == (2, 0)
    quasar.close()


def test_command_after_failed_polls_reconnects(clock):
    bank = registers()
    port = free_port()
    quasar = QuasarCharger("127.0.0.1", port, clock)
    for _ in range(3):
        quasar.poll_once()
    with ModbusServerThread(bank, port=port) as server:
        quasar.set_current(-6)
        assert server.recorder.writes() == [(0x51, 1), (0x102, 65530), (0x101, 1), (0x51, 0)]
    quasar.close()
