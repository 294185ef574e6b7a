"""The Shelly driver against local HTTP stand-ins: Gen1 and Gen2 readings, mapping, naming and faults."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import pytest
import requests

from evse_tui.clock import ManualClock, ScaledClock
from evse_tui.config.errors import ConfigError
from evse_tui.config.schema import ChannelRef, ShellyConfig
from evse_tui.drivers.addresses import http_base_url
from evse_tui.drivers.factory import make_monitor
from evse_tui.drivers.shelly import ShellyMonitor
from test_shelly_fake import FakeShelly, emeter, gen1_status

FAST = (0.05, 0.1)  # short timeouts keep the timeout tests quick
LOGGER = "evse_tui.drivers.shelly"


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 6, 1, 13, 0))


@pytest.fixture
def gen1():
    server = FakeShelly.gen1(emeter(1234.5, total=123456.7, returned=2345.6), emeter(-2400.0, pf=0.99))
    yield server
    server.close()


def monitor(server: FakeShelly, clock, **kw) -> ShellyMonitor:
    kw.setdefault("timeouts_s", FAST)
    return ShellyMonitor(f"127.0.0.1:{server.port}", clock, **kw)


def test_gen1_grid_with_named_aux_channel_and_energies(gen1, clock):
    clock.advance(42)
    reading = monitor(gen1, clock, names={"primary.2": "solar"}).poll_once()
    assert reading.grid.power_w == 1234.5 and reading.grid.pf == 0.95 and reading.grid.voltage == 241.0
    assert (reading.grid.import_wh, reading.grid.export_wh) == (123456.7, 2345.6)
    assert reading.evse is None  # not metered: the engine models it
    assert [(name, ch.power_w) for name, ch in reading.aux] == [("solar", -2400.0)]
    assert reading.mono == 42 and reading.time == clock.now().timestamp()
    assert reading.seq == 1 and reading.error is None


def test_unnamed_aux_channel_is_called_by_device_and_number(gen1, clock):
    reading = monitor(gen1, clock).poll_once()
    assert [name for name, _ in reading.aux] == ["primary.2"]


def test_evse_channel_mapping(gen1, clock):
    reading = monitor(gen1, clock, grid=ChannelRef("primary", 2), evse=ChannelRef("primary", 1)).poll_once()
    assert (reading.grid.power_w, reading.evse.power_w, reading.aux) == (-2400.0, 1234.5, ())


def test_each_poll_is_a_new_reading(gen1, clock):
    shelly = monitor(gen1, clock)
    assert [shelly.poll_once().seq for _ in range(3)] == [1, 2, 3]


def test_gen2_rpc_channels_and_energy(clock):
    server = FakeShelly.gen2((850.0, 5000.0, 120.0), (3600.0, 900.0, 0.0))
    try:
        reading = monitor(server, clock, evse=ChannelRef("primary", 2)).poll_once()
        assert (reading.grid.power_w, reading.grid.import_wh, reading.grid.export_wh) == (850.0, 5000.0, 120.0)
        assert (reading.grid.voltage, reading.grid.pf) == (240.5, 0.98)
        assert reading.evse.power_w == 3600.0 and reading.error is None
        assert "/status" not in server.hits
    finally:
        server.close()


def test_gen2_single_channel_meter(clock):
    server = FakeShelly.gen2((-300.0, 10.0, 20.0))
    try:
        shelly = monitor(server, clock)
        reading = shelly.poll_once()
        assert reading.grid.power_w == -300.0 and reading.aux == () and reading.error is None
        shelly.poll_once()
        assert server.hits.count("/rpc/EM1.GetStatus?id=1") == 1  # probed once at identification
    finally:
        server.close()


def test_gen2_energy_unavailable_keeps_power(clock):
    server = FakeShelly.gen2((500.0, 1.0, 2.0))
    server.routes["/rpc/EM1Data.GetStatus?id=0"] = (500, b"oops")
    try:
        reading = monitor(server, clock).poll_once()
        assert reading.grid.power_w == 500.0 and reading.grid.import_wh is None
        assert "primary.1: energy totals unavailable: HTTP 500" in reading.error
    finally:
        server.close()


@pytest.mark.parametrize("route, expected", [
    ((500, b"Internal Server Error"), "primary: HTTP 500 (2 tries) GET /status"),
    ((200, b'{"emeters": [{"power": 12'), "primary: bad JSON (2 tries) GET /status"),
    ((200, {"unixtime": 1}), "primary: missing field emeters in /status"),
    ((200, gen1_status(emeter(100.0, valid=False), emeter(5.0))), "primary.1: is_valid: false"),
    ((200, gen1_status({"voltage": 240.0})), "primary.1: missing field power"),
])
def test_faulty_replies_keep_the_last_reading_and_say_why(gen1, clock, route, expected, caplog):
    shelly = monitor(gen1, clock)
    good = shelly.poll_once()
    gen1.routes["/status"] = route
    clock.advance(3)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert shelly.poll_once() is None
    assert shelly.latest() is good  # the age grows from good.mono; nothing newer pretends to be fresh
    assert expected in shelly.last_error()
    assert [r.getMessage() for r in caplog.records if expected in r.getMessage()] != []


def test_timeout(gen1, clock, caplog):
    gen1.delay_s["/status"] = 0.3
    shelly = monitor(gen1, clock)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert shelly.poll_once() is None
    assert shelly.last_error() == "primary: timeout (2 tries) GET /status"
    assert "primary: timeout (2 tries) GET /status" in caplog.text


def test_unreachable_meter(clock):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    shelly = ShellyMonitor(f"http://127.0.0.1:{port}", clock, timeouts_s=FAST)
    assert shelly.poll_once() is None and shelly.latest() is None
    assert shelly.last_error() == "primary: connection refused (2 tries) GET /shelly"


def test_invalid_aux_channel_is_left_out_but_the_grid_is_read(clock, caplog):
    server = FakeShelly.gen1(emeter(700.0), emeter(0.0, valid=False))
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            reading = monitor(server, clock).poll_once()
        assert reading.grid.power_w == 700.0 and reading.aux == ()
        assert reading.error == "primary.2: is_valid: false"
        assert "reading incomplete: primary.2: is_valid: false" in caplog.text
    finally:
        server.close()


def test_timeouts_grow_from_a_tenth_to_one_second_over_five_tries(clock):
    class SlowSession(requests.Session):
        def __init__(self):
            super().__init__()
            self.timeouts = []

        def get(self, url, **kw):
            self.timeouts.append(kw["timeout"])
            raise requests.Timeout()

    session = SlowSession()
    shelly = ShellyMonitor("meter.local", clock, session=session)
    shelly.poll_once()
    assert session.timeouts[0] == 0.1 and session.timeouts[-1] == 1.0 and len(session.timeouts) == 5
    assert session.timeouts == sorted(session.timeouts)
    assert shelly.last_error() == "primary: timeout (5 tries) GET /shelly"


def test_failure_streak_logged_once_and_recovery_logged(gen1, clock, caplog):
    shelly = monitor(gen1, clock)
    shelly.poll_once()
    gen1.routes["/status"] = (503, b"busy")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in range(5):
            shelly.poll_once()
        gen1.routes["/status"] = (200, gen1_status(emeter(1.0)))
        assert shelly.poll_once().grid.power_w == 1.0
    messages = [r.getMessage() for r in caplog.records]
    assert sum("HTTP 503" in m and "no grid reading" in m for m in messages) == 1
    assert sum("complete again" in m for m in messages) == 1
    assert shelly.last_error() is None


def test_secondary_meter_evse_and_aux(gen1, clock):
    second = FakeShelly.gen1(emeter(3500.0), emeter(900.0))
    try:
        shelly = make_monitor(ShellyConfig(
            primary_url=f"127.0.0.1:{gen1.port}", secondary_url=f"http://127.0.0.1:{second.port}",
            grid=ChannelRef("primary", 1), evse=ChannelRef("secondary", 1),
            channels={"primary.2": "solar", "secondary.2": "heatpump"}), clock)
        reading = shelly.poll_once()
        assert (reading.grid.power_w, reading.evse.power_w) == (1234.5, 3500.0)
        assert [(n, c.power_w) for n, c in reading.aux] == [("solar", -2400.0), ("heatpump", 900.0)]
        second.routes["/status"] = (500, b"")
        reading = shelly.poll_once()
        assert reading.grid.power_w == 1234.5 and reading.evse is None
        assert "secondary: HTTP 500" in reading.error and [n for n, _ in reading.aux] == ["solar"]
    finally:
        second.close()


def test_secondary_is_polled_half_a_second_after_the_primary(gen1):
    second = FakeShelly.gen1(emeter(10.0))
    clock = ScaledClock(speed=20)
    shelly = ShellyMonitor(f"127.0.0.1:{gen1.port}", clock, secondary_url=f"127.0.0.1:{second.port}",
                           timeouts_s=FAST)
    got = threading.Event()
    try:
        shelly.start(got.set)
        assert got.wait(5)
        reading = shelly.latest()
        primary_poll, secondary_poll = shelly._polls["primary"], shelly._polls["secondary"]
        assert secondary_poll.mono - primary_poll.mono >= 0.5
        assert reading.mono == primary_poll.mono  # the reading's age is the grid meter's
    finally:
        shelly.close()
        second.close()


def test_poll_thread_delivers_readings_to_the_listener(gen1):
    shelly = ShellyMonitor(f"127.0.0.1:{gen1.port}", ScaledClock(speed=20), timeouts_s=FAST)
    seen = []
    three = threading.Event()

    def listener():
        seen.append(shelly.latest().seq)
        if len(seen) >= 3:
            three.set()

    try:
        shelly.start(listener)
        assert three.wait(5)
    finally:
        shelly.close()
    assert seen[:3] == [1, 2, 3]


def test_mapping_to_a_missing_device_is_a_config_error(clock):
    with pytest.raises(ConfigError, match="shelly.evse.device"):
        ShellyMonitor("meter.local", clock, evse=ChannelRef("secondary", 1))
    with pytest.raises(ConfigError, match="shelly.grid.channel"):
        ShellyMonitor("meter.local", clock, grid=ChannelRef("primary", 0))


@pytest.mark.parametrize("text, expected", [
    ("shellyem-123456.local", "http://shellyem-123456.local:80"),
    ("10.0.0.6:8081", "http://10.0.0.6:8081"),
    ("http://10.0.0.6:8081", "http://10.0.0.6:8081"),
    ("http://10.0.0.6:8081/", "http://10.0.0.6:8081"),
    ("http://meter", "http://meter:80"),
])
def test_shelly_url_forms(text, expected):
    assert http_base_url(text) == expected


@pytest.mark.parametrize("text", ["", "ftp://meter", "http://meter/status", "meter:99999", "http://u:p@meter"])
def test_bad_shelly_url_names_the_key(text):
    with pytest.raises(ConfigError, match="shelly.primary_url"):
        http_base_url(text)
