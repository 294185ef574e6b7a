"""The InfluxDB writer against a real server (VictoriaMetrics speaking the v2 write API on 127.0.0.1).

What the owner cares about: every reading arrives with the right fields, an outage loses nothing
within the buffer bound, a full buffer drops the oldest with one warning, a bad token or bucket is
reported once, and control is never made to wait.
"""

from __future__ import annotations

import json
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evse_tui.clock import LONDON, ManualClock
from evse_tui.config.schema import InfluxConfig
from evse_tui.telemetry.influx import FIELD_NAMES, InfluxLogger, PowerPoint
from victoria_server import VictoriaMetrics

TOKEN = "s3cr3t-t0ken-value"
FAST = dict(flush_interval=0.05, retry_initial=0.05, retry_max=0.3, request_timeout=1.0)
LOG_NAME = "test.influx"


def wait_until(condition, timeout: float = 15.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def reading(t: float, i: int) -> PowerPoint:
    """A plausible 1 Hz reading: house load with a V2H discharge following it; SoC known after 5 s."""
    grid = round(900 * math.sin(i / 7) + 150.5, 1)
    return PowerPoint(
        time=t,
        grid=grid,
        grid_pf=0.93 if i % 3 else None,
        evse=-1840.0 - i,
        evse_pf=0.99,
        voltage=240.0 + (i % 10) / 10,
        target_current=-8.0,
        desired_current=-float(i % 16),
        soc=None if i < 5 else 57.0,
        heatpump=412.25,
        solar=None,
    )


class Producer:
    """The control loop's side: submits readings 1 s apart in reading time, quickly in real time."""

    def __init__(self, logger: InfluxLogger, start: float) -> None:
        self.logger = logger
        self.start = start
        self.points: list[PowerPoint] = []
        self.slowest = 0.0

    def run(self, count: int, pause: float = 0.005) -> None:
        for _ in range(count):
            i = len(self.points)
            point = reading(self.start + i, i)
            began = time.perf_counter()
            self.logger.submit(point)
            self.slowest = max(self.slowest, time.perf_counter() - began)
            self.points.append(point)
            time.sleep(pause)

    def span(self) -> tuple[float, float]:
        return self.start - 1, self.start + len(self.points) + 1


def assert_arrived(server: VictoriaMetrics, points: list[PowerPoint], span: tuple[float, float]) -> None:
    """Every field of every point is stored with its value at its ms timestamp; absent fields are absent."""
    expected: dict[str, dict[int, float]] = {}
    for point in points:
        for name, value in point.fields().items():
            expected.setdefault(f"measurement_{name}", {})[round(point.time * 1000)] = value

    def complete() -> bool:
        got = server.export(*span)
        return all(len(got.get(name, {})) >= len(samples) for name, samples in expected.items())

    wait_until(complete, timeout=10, step=0.2)
    got = server.export(*span)
    assert set(got) == set(expected), "metrics stored differ from the fields written"
    for name, samples in expected.items():
        assert got[name].keys() == samples.keys(), f"{name}: timestamps differ"
        for stamp, value in samples.items():
            assert got[name][stamp] == pytest.approx(value, rel=1e-9), f"{name} at {stamp}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 6, 1, 14, 2, 30), tz=LONDON)


@pytest.fixture
def logger_factory(clock) -> Iterator:
    made: list[InfluxLogger] = []

    def make(url: str, **options) -> InfluxLogger:
        cfg = InfluxConfig(enabled=True, url=url, token=TOKEN, org="home", bucket="powerlog")
        logger = InfluxLogger(cfg, clock, log=logging.getLogger(LOG_NAME), **{**FAST, **options})
        made.append(logger)
        return logger

    yield make
    for logger in made:
        logger.close(timeout=2)


def test_point_carries_domain_field_names_and_omits_absent_values():
    point = reading(1_700_000_000.25, 3)
    assert point.fields() == {
        "grid": point.grid,
        "evse": -1843.0,
        "evse_pf": 0.99,
        "voltage": 240.3,
        "evseTargetCurrent": -8.0,
        "evseDesiredCurrent": -3.0,
        "heatpump": 412.25,
    }
    line = point.to_point().to_line_protocol()
    assert line.startswith("measurement ")
    assert line.endswith(" 1700000000250")
    assert "solar" not in line and "batteryChargeLevel" not in line and "grid_pf" not in line
    assert set(point.fields()) <= set(FIELD_NAMES)


def test_stream_of_readings_arrives_with_every_field(victoria, logger_factory):
    logger = logger_factory(victoria.url)
    producer = Producer(logger, start=time.time() - 3600)
    producer.run(150)
    assert wait_until(lambda: logger.buffered == 0)
    assert logger.status() is None
    assert_arrived(victoria, producer.points, producer.span())
    assert producer.slowest < 0.05


def test_outage_loses_no_point_and_never_delays_the_producer(victoria, logger_factory, caplog):
    caplog.set_level(logging.DEBUG, logger=LOG_NAME)
    logger = logger_factory(victoria.url)
    producer = Producer(logger, start=time.time() - 3600)
    producer.run(40)
    assert wait_until(lambda: logger.buffered == 0)

    victoria.stop()
    producer.run(150)  # readings keep coming while the server is down
    assert wait_until(lambda: (logger.status() or "").startswith("InfluxDB unreachable"))
    status = logger.status()
    match = re.fullmatch(r"InfluxDB unreachable since 14:02 \((\d+) points buffered\)", status)
    assert match, status
    assert int(match.group(1)) >= 140  # the outage's points are held, not lost

    victoria.start()  # same port, same storage directory
    producer.run(40)
    assert wait_until(lambda: logger.buffered == 0 and not (logger.status() or "").startswith("InfluxDB unreachable"))
    assert logger.status() == "InfluxDB back since 14:02: buffered points written"
    assert_arrived(victoria, producer.points, producer.span())
    assert producer.slowest < 0.05

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("InfluxDB unreachable since 14:02"), warnings
    assert "connection refused" in warnings[0]
    assert any(r.getMessage().startswith("InfluxDB back since 14:02") for r in caplog.records)


def test_full_buffer_drops_the_oldest_with_one_warning(victoria, logger_factory, caplog):
    caplog.set_level(logging.INFO, logger=LOG_NAME)
    victoria.stop()
    logger = logger_factory(victoria.url, buffer_limit=50)
    producer = Producer(logger, start=time.time() - 3600)
    producer.run(80, pause=0.01)
    assert wait_until(lambda: (logger.status() or "").startswith("InfluxDB unreachable"))
    assert logger.status() == "InfluxDB unreachable since 14:02 (50 points buffered, 30 dropped)"
    assert wait_until(lambda: any("buffer full" in r.getMessage() for r in caplog.records))

    victoria.start()
    assert wait_until(lambda: logger.buffered == 0 and logger.status() and "back" in logger.status())
    assert logger.status() == "InfluxDB back since 14:02: buffered points written, 30 oldest dropped"
    assert_arrived(victoria, producer.points[30:], producer.span())  # only the newest 50 were kept
    full = [r for r in caplog.records if "buffer full" in r.getMessage()]
    assert len(full) == 1 and full[0].levelno == logging.WARNING


def test_close_writes_what_is_pending(victoria, clock):
    cfg = InfluxConfig(enabled=True, url=victoria.url, token=TOKEN, org="home")
    logger = InfluxLogger(cfg, clock, flush_interval=30.0)  # would not flush on its own for 30 s
    producer = Producer(logger, start=time.time() - 3600)
    producer.run(20, pause=0)
    logger.close(timeout=5)
    assert logger.buffered == 0
    assert_arrived(victoria, producer.points, producer.span())


class BlackHole:
    """A server that accepts connections and reads requests but never answers: a hung InfluxDB."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.request_seen = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            conn.settimeout(5)
            try:
                if conn.recv(65536):
                    self.request_seen.set()
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


def test_hung_server_never_blocks_submit(logger_factory):
    hole = BlackHole()
    try:
        logger = logger_factory(hole.url, request_timeout=2.0)
        logger.submit(reading(time.time(), 0))
        assert hole.request_seen.wait(5), "the writer never sent its request"
        # The writer thread is now stuck waiting for an answer; the control loop must not notice.
        producer = Producer(logger, start=time.time())
        began = time.perf_counter()
        producer.run(500, pause=0)
        assert producer.slowest < 0.05
        assert time.perf_counter() - began < 1.0
        assert logger.buffered == 501
        assert wait_until(lambda: (logger.status() or "").startswith("InfluxDB unreachable"), timeout=5)
    finally:
        hole.close()


class Refusing(BaseHTTPRequestHandler):
    """InfluxDB's answer to a write it will never accept (status and JSON body as InfluxDB 2 sends)."""

    status = 401
    body = {"code": "unauthorized", "message": "unauthorized access"}
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        data = json.dumps(self.body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def refusing_server():
    servers = []

    def start(status: int, body: dict) -> str:
        handler = type("Handler", (Refusing,), {"status": status, "body": body, "requests": 0})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        start.handler = handler
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (401, {"code": "unauthorized", "message": "unauthorized access"},
         "InfluxDB rejected the token (401): check influxdb.token (3 points buffered)"),
        (404, {"code": "not found", "message": 'bucket "powerlog" not found'},
         "InfluxDB bucket or organisation not found (404: bucket \"powerlog\" not found): "
         "check influxdb.bucket ('powerlog') and influxdb.org ('home') (3 points buffered)"),
    ],
)
def test_bad_token_or_bucket_is_reported_once_and_kept_retrying(refusing_server, logger_factory, caplog, status, body, expected):
    caplog.set_level(logging.DEBUG, logger=LOG_NAME)
    url = refusing_server(status, body)
    logger = logger_factory(url, retry_max=0.05)
    for i in range(3):
        logger.submit(reading(time.time() + i, i))
    assert wait_until(lambda: refusing_server.handler.requests >= 6), "the writer stopped retrying"
    assert logger.status() == expected
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1, [r.getMessage() for r in problems]
    assert expected.split(" (3 points")[0] in problems[0].getMessage()
    everything = [r.getMessage() for r in caplog.records] + [logger.status()]
    assert not any(TOKEN in text for text in everything)


def test_points_the_server_refuses_are_discarded_with_one_error(refusing_server, logger_factory, caplog):
    caplog.set_level(logging.DEBUG, logger=LOG_NAME)
    body = {"code": "invalid", "message": "partial write: field type conflict: input field \"grid\" is type float, already exists as type integer"}
    url = refusing_server(400, body)
    logger = logger_factory(url, batch_size=2)
    for i in range(5):
        logger.submit(reading(time.time() + i, i))
    assert wait_until(lambda: logger.buffered == 0)
    assert refusing_server.handler.requests == 3  # batches of 2, 2, 1: each tried once, not retried
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["InfluxDB refused the request (400: " + body["message"] + "); 2 points discarded"]
    assert logger.status().startswith("InfluxDB refused the request (400")


def test_disabled_logger_accepts_readings_and_does_nothing(clock):
    writers = lambda: [t for t in threading.enumerate() if t.name == "influx-writer"]  # noqa: E731
    before = writers()
    logger = InfluxLogger(InfluxConfig(enabled=False), clock)
    logger.submit(reading(time.time(), 0))
    assert logger.buffered == 0
    assert logger.status() is None
    assert writers() == before
    logger.close()


def test_url_without_scheme_is_reported_not_raised(clock, caplog):
    logger = InfluxLogger(InfluxConfig(enabled=True, url="localhost:8086", token=TOKEN), clock)
    logger.submit(reading(time.time(), 0))
    assert logger.status() == "influxdb.url 'localhost:8086' is not an http:// or https:// URL: logging is off"
    logger.close()


def test_failure_text_never_carries_the_token():
    from evse_tui.telemetry.influx import describe_failure

    cfg = InfluxConfig(enabled=True, token=TOKEN)
    failure = describe_failure(OSError(f"proxy said: bad header Token {TOKEN}"), cfg)
    assert TOKEN not in failure.text and "***" in failure.text
