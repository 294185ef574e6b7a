"""The simulated home's clamps served as a Shelly meter's HTTP API (Gen1 EM or Gen2 Pro EM).

Channels are named from the home (`grid`, `evse`, `heatpump`, `solar`) and laid out in order: by default
channel 1 is the grid and channel 2 the EVSE. Every request brings the home up to the present first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from evse_tui.drivers.base import ChannelReading

ChannelSource = Callable[[], dict[str, ChannelReading]]

GEN1_INFO = {"type": "SHEM", "mac": "C45BBE000001", "auth": False, "fw": "20230913-114244/v1.14.0-gcb84623",
             "longid": 1, "num_outputs": 1, "num_meters": 0, "num_emeters": 2}
GEN2_INFO = {"id": "shellyproem50-sim", "mac": "C45BBE000002", "model": "SPEM-002CEBEU50", "gen": 2,
             "fw_id": "20240625-122244/1.3.3-gbdfd9b3", "ver": "1.3.3", "app": "ProEM", "auth_en": False}


def _round(value: float | None, digits: int) -> float:
    return round(value or 0.0, digits)


def gen1_emeter(ch: ChannelReading) -> dict:
    return {"power": _round(ch.power_w, 2), "reactive": 0.0, "pf": _round(ch.pf, 2),
            "voltage": _round(ch.voltage, 2), "is_valid": True,
            "total": _round(ch.import_wh, 1), "total_returned": _round(ch.export_wh, 1)}


def gen2_em1(index: int, ch: ChannelReading) -> dict:
    voltage = ch.voltage or 0.0
    pf = ch.pf or 0.0
    apparent = abs(ch.power_w) / pf if pf else abs(ch.power_w)
    return {"id": index, "current": round(apparent / voltage, 3) if voltage else 0.0, "voltage": round(voltage, 1),
            "act_power": round(ch.power_w, 1), "aprt_power": round(apparent, 1), "pf": round(pf, 2),
            "freq": 50.0, "calibration": "factory"}


def gen2_em1data(index: int, ch: ChannelReading) -> dict:
    return {"id": index, "total_act_energy": _round(ch.import_wh, 2), "total_act_ret_energy": _round(ch.export_wh, 2)}


class ShellyHttpServer(ThreadingHTTPServer):
    """Serves `source()` channels named in `layout` (channel 1 first) as a Gen1 or Gen2 Shelly until close()."""

    daemon_threads = True

    def __init__(
        self,
        source: ChannelSource,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        gen: int = 1,
        layout: tuple[str, ...] = ("grid", "evse"),
        clock_now: Callable[[], float] | None = None,
    ) -> None:
        if gen not in (1, 2):
            raise ValueError("gen must be 1 or 2")
        self.source = source
        self.gen = gen
        self.layout = layout
        self.clock_now = clock_now
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> ShellyHttpServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"shelly-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5)
            self._thread = None
        self.server_close()

    def answer(self, path: str) -> tuple[int, object]:
        """(HTTP status, JSON body) for a request path."""
        parts = urlsplit(path)
        route = parts.path.rstrip("/") or "/"
        if route == "/shelly":
            return 200, GEN1_INFO if self.gen == 1 else GEN2_INFO
        readings = [self.source()[name] for name in self.layout]
        if self.gen == 1 and route == "/status":
            body: dict = {"emeters": [gen1_emeter(ch) for ch in readings]}
            if self.clock_now is not None:
                body["unixtime"] = int(self.clock_now())
            return 200, body
        if self.gen == 2 and route in ("/rpc/EM1.GetStatus", "/rpc/EM1Data.GetStatus"):
            raw_id = parse_qs(parts.query).get("id", ["0"])[0]
            if not raw_id.isdigit() or int(raw_id) >= len(readings):
                return 500, {"code": -105, "message": f"Argument 'id', value {raw_id} not found!"}
            index = int(raw_id)
            if route == "/rpc/EM1.GetStatus":
                return 200, gen2_em1(index, readings[index])
            return 200, gen2_em1data(index, readings[index])
        return 404, {"code": 404, "message": "Not Found"}


class _Handler(BaseHTTPRequestHandler):
    server: ShellyHttpServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the meters do
    disable_nagle_algorithm = True  # headers and body leave together, not 40 ms apart

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        try:
            status, body = self.server.answer(self.path)
        except Exception as exc:  # a simulation bug answers 500 rather than killing the connection
            status, body = 500, {"code": -1, "message": f"{type(exc).__name__}: {exc}"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
