"""Stand-ins for the set-up tests (holds no tests): an InfluxDB v2 that checks token, org and bucket like the
real one, and the `evse-tui sim-devices` process with the ports it chose."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent


class FakeInflux(ThreadingHTTPServer):
    """`/health` passes; `/api/v2/write` answers 401 for another token, 404 for another org or bucket
    (with InfluxDB's JSON bodies), else 204. Bodies of accepted writes are kept in `written`."""

    daemon_threads = True

    def __init__(self, token: str, org: str, bucket: str) -> None:
        super().__init__(("127.0.0.1", 0), _InfluxHandler)
        self.token, self.org, self.bucket = token, org, bucket
        self.written: list[bytes] = []
        self.write_requests = 0
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _InfluxHandler(BaseHTTPRequestHandler):
    server: FakeInflux
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, body: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/health":
            self._reply(200, {"name": "influxdb", "message": "ready for queries and writes", "status": "pass",
                              "version": "v2.7.11"})
        else:
            self._reply(404, {"code": "not found", "message": "path not found"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        if parts.path != "/api/v2/write":
            self._reply(404, {"code": "not found", "message": "path not found"})
            return
        self.server.write_requests += 1
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if self.headers.get("Authorization") != f"Token {self.server.token}":
            self._reply(401, {"code": "unauthorized", "message": "unauthorized access"})
        elif query.get("org") != self.server.org:
            self._reply(404, {"code": "not found", "message": f'organization name "{query.get("org")}" not found'})
        elif query.get("bucket") != self.server.bucket:
            self._reply(404, {"code": "not found", "message": f'bucket "{query.get("bucket")}" not found'})
        else:
            if body:
                self.server.written.append(body)
            self._reply(204)


@dataclass
class SimDevices:
    process: subprocess.Popen
    modbus: str  # host:port as config.yaml takes it
    primary: str
    secondary: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_sim_devices(gen: int = 1) -> SimDevices:
    """`evse-tui sim-devices` on 127.0.0.1 with free ports and a second meter; its config lines give the ports."""
    process = subprocess.Popen(
        [sys.executable, "-m", "evse_tui", "sim-devices", "--modbus-port", "0", "--http-port", "0",
         "--aux-http-port", "0", "--gen", str(gen)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        for _ in range(20):  # the banner is a handful of lines; the channels line ends it
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("sim-devices ended: " + "".join(lines))
            lines.append(line)
            if "channels:" in line:
                break
        text = "".join(lines)
        found = {key: re.search(rf'{key}: "([^"]+)"', text) for key in ("url", "primary_url", "secondary_url")}
        if not all(found.values()):
            raise RuntimeError("sim-devices did not print its addresses: " + text)
    except BaseException:
        process.kill()
        process.wait(timeout=5)
        raise
    return SimDevices(process, found["url"].group(1), found["primary_url"].group(1),
                      found["secondary_url"].group(1))
