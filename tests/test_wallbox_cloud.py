"""The cloud restart after COMMS FAILURE, against a local server standing in for the Wallbox cloud."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evse_tui.clock import ManualClock
from evse_tui.config.schema import WallboxConfig
from evse_tui.drivers.factory import make_charger
from evse_tui.drivers.quasar import QuasarCharger
from evse_tui.drivers.wallbox_cloud import CloudRestartError, WallboxCloud

USER, PASSWORD, SERIAL = "owner@example.com", "s3cret-Pa55", "123456"


class FakeCloud(ThreadingHTTPServer):
    """Sign-in and remote-action endpoints as the `wallbox` package calls them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CloudHandler)
        self.requests: list[tuple[str, str, dict | None, str]] = []  # method, path, body, authorization
        self.accept_password = PASSWORD
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def restarts(self) -> list[str]:
        return [path for method, path, body, _ in self.requests
                if method == "POST" and path.endswith("/remote-action") and body == {"action": 3}]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class CloudHandler(BaseHTTPRequestHandler):
    server: FakeCloud

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.server.requests.append(("GET", self.path, None, auth))
        expected = "Basic " + base64.b64encode(f"{USER}:{self.server.accept_password}".encode()).decode()
        if self.path != "/users/signin" or auth != expected:
            self._reply(401, {"error": "unauthorized"})
            return
        far = int((datetime.now().timestamp() + 3600) * 1000)
        self._reply(200, {"data": {"attributes": {
            "token": "jwt-token", "refresh_token": "refresh", "ttl": far, "refresh_token_ttl": far}}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        auth = self.headers.get("Authorization", "")
        self.server.requests.append(("POST", self.path, body, auth))
        if auth != "Bearer jwt-token":
            self._reply(401, {"error": "unauthorized"})
            return
        self._reply(200, {"id": 1, "status": "ok"})


@pytest.fixture
def cloud_server():
    server = FakeCloud()
    yield server
    server.stop()


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 1, 15, 3, 0))


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cloud_for(server: FakeCloud) -> WallboxCloud:
    return WallboxCloud(USER, PASSWORD, SERIAL, auth_url=server.url, base_url=server.url, timeout_s=2)


def test_restart_signs_in_and_posts_restart_action(cloud_server):
    cloud_for(cloud_server).restart()
    assert [(m, p) for m, p, _, _ in cloud_server.requests] == [
        ("GET", "/users/signin"), ("POST", f"/v3/chargers/{SERIAL}/remote-action")]
    assert cloud_server.requests[1][2:] == ({"action": 3}, "Bearer jwt-token")


def test_restart_after_ten_failures_then_not_again_within_seven_minutes(cloud_server, clock, caplog):
    quasar = QuasarCharger("127.0.0.1", dead_port(), clock, cloud=cloud_for(cloud_server))
    with caplog.at_level(logging.INFO):
        for _ in range(9):
            quasar.poll_once()
            clock.advance(1)
        assert cloud_server.restarts() == []
        status = quasar.poll_once()
        assert status.comms_failure and len(cloud_server.restarts()) == 1
        assert "restart requested via Wallbox cloud at 03:00" in status.error
        for _ in range(419):  # up to 6 min 59 s after the restart
            clock.advance(1)
            quasar.poll_once()
        assert len(cloud_server.restarts()) == 1
        clock.advance(1)
        quasar.poll_once()  # 7 minutes after the first restart
        assert len(cloud_server.restarts()) == 2
    assert PASSWORD not in caplog.text


def test_no_restart_without_credentials(cloud_server, clock):
    for cfg in (WallboxConfig(url=f"127.0.0.1:{dead_port()}"),
                WallboxConfig(url=f"127.0.0.1:{dead_port()}", username=USER, password=PASSWORD, serial=None),
                WallboxConfig(url=f"127.0.0.1:{dead_port()}", username=USER, password="", serial=SERIAL)):
        quasar = make_charger(cfg, clock)
        for _ in range(12):
            status = quasar.poll_once()
        assert status.comms_failure and "no Wallbox credentials" in status.error
    assert cloud_server.requests == []


def test_factory_builds_a_cloud_from_credentials(clock):
    cfg = WallboxConfig(url=f"127.0.0.1:{dead_port()}", username=USER, password=PASSWORD, serial=SERIAL)
    quasar = make_charger(cfg, clock)
    assert isinstance(quasar, QuasarCharger) and quasar._cloud is not None and quasar._cloud.serial == SERIAL


def test_sign_in_refused_is_reported_without_the_password(cloud_server, clock, caplog):
    cloud_server.accept_password = "another"
    quasar = QuasarCharger("127.0.0.1", dead_port(), clock, cloud=cloud_for(cloud_server))
    with caplog.at_level(logging.DEBUG):
        for _ in range(10):
            status = quasar.poll_once()
    assert "sign-in failed: HTTP 401" in status.error
    assert cloud_server.restarts() == []
    assert PASSWORD not in caplog.text and PASSWORD not in status.error


def test_unreachable_cloud_is_an_error_not_a_crash(clock):
    cloud = WallboxCloud(USER, PASSWORD, SERIAL, auth_url=f"http://127.0.0.1:{dead_port()}/", timeout_s=1)
    with pytest.raises(CloudRestartError, match="sign-in failed: ConnectionError") as err:
        cloud.restart()
    assert PASSWORD not in str(err.value) and PASSWORD not in repr(cloud)
