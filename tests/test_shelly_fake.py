"""A scriptable stand-in for a Shelly meter's HTTP API (imported by the Shelly driver tests; holds no tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def gen1_status(*meters: dict) -> dict:
    return {"emeters": list(meters), "unixtime": 1735689600}


def emeter(power: float, *, valid: bool = True, pf: float = 0.95, voltage: float = 241.0,
           total: float = 1000.0, returned: float = 10.0) -> dict:
    return {"power": power, "reactive": 0.0, "pf": pf, "voltage": voltage, "is_valid": valid,
            "total": total, "total_returned": returned}


class FakeShelly(ThreadingHTTPServer):
    """Routes map a path (with query) to (status, body); body is a dict (sent as JSON) or raw bytes.

    `delay_s` holds a path's answer back, to make the client time out.
    """

    daemon_threads = True

    def __init__(self, routes: dict[str, tuple[int, object]] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, object]] = dict(routes or {})
        self.delay_s: dict[str, float] = {}
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    @classmethod
    def gen1(cls, *meters: dict) -> FakeShelly:
        return cls({"/shelly": (200, {"type": "SHEM", "fw": "20230913-114244/v1.14.0"}),
                    "/status": (200, gen1_status(*meters))})

    @classmethod
    def gen2(cls, *channels: tuple[float, float, float]) -> FakeShelly:
        """channels: (act_power, import Wh, export Wh) per EM1 id."""
        routes: dict[str, tuple[int, object]] = {"/shelly": (200, {"gen": 2, "model": "SPEM-002CEBEU50"})}
        for i, (power, imp, exp) in enumerate(channels):
            routes[f"/rpc/EM1.GetStatus?id={i}"] = (200, {
                "id": i, "current": abs(power) / 240, "voltage": 240.5, "act_power": power,
                "aprt_power": abs(power) * 1.02, "pf": 0.98, "freq": 50.0, "calibration": "factory"})
            routes[f"/rpc/EM1Data.GetStatus?id={i}"] = (200, {
                "id": i, "total_act_energy": imp, "total_act_ret_energy": exp})
        routes[f"/rpc/EM1.GetStatus?id={len(channels)}"] = (
            500, {"code": -105, "message": f"Argument 'id', value {len(channels)} not found!"})
        return cls(routes)


class _Handler(BaseHTTPRequestHandler):
    server: FakeShelly
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        delay = self.server.delay_s.get(self.path, 0.0)
        if delay:
            time.sleep(delay)
        status, body = self.server.routes.get(self.path, (404, b"Not Found"))
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting
