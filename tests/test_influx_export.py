"""`export-influx` through influxdb-client's real query path, against recorded Flux annotated CSV.

A local HTTP server plays InfluxDB's /api/v2/query: it answers each day's query with the CSV the
server sends for that range (tests/fixtures/influx/), and records the Flux it was sent, so the
range can be checked against local midnights in Europe/London across both daylight-saving changes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from evse_tui.config.schema import InfluxConfig
from evse_tui.telemetry import influx_export

FIXTURES = Path(__file__).parent / "fixtures" / "influx"
LONDON = ZoneInfo("Europe/London")
TOKEN = "export-t0ken-secret"
HEADER = "time,grid,grid_pf,evse,evse_pf,voltage,evseTargetCurrent,evseDesiredCurrent,batteryChargeLevel,heatpump,solar"
# The recorded answer for each range start (UTC) the server may be asked for.
RECORDED = {
    "2025-03-29T00:00:00Z": "2025-03-29.csv",
    "2025-03-30T00:00:00Z": "2025-03-30.csv",
    "2025-10-25T23:00:00Z": "2025-10-26.csv",
}


class FluxServer:
    """InfluxDB's query endpoint, replaying recorded responses; `mode` makes it fail like a real one."""

    def __init__(self) -> None:
        self.queries: list[dict] = []
        self.mode = "ok"  # "ok", "unauthorized" or "truncated"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                url = urlparse(self.path)
                owner.queries.append(
                    {"path": url.path, "params": parse_qs(url.query), "auth": self.headers.get("Authorization"), **body}
                )
                if owner.mode == "unauthorized":
                    return self._send(401, b'{"code":"unauthorized","message":"unauthorized access"}', "application/json")
                found = re.search(r"range\(start: (\S+), stop: (\S+)\)", body["query"])
                name = RECORDED.get(found.group(1)) if found else None
                data = (FIXTURES / name).read_bytes() if name else b""
                if owner.mode == "truncated":
                    return self._send(200, data, "text/csv; charset=utf-8", cut=len(data) // 2)
                self._send(200, data, "text/csv; charset=utf-8")

            def _send(self, status: int, data: bytes, kind: str, cut: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data if cut is None else data[:cut])
                if cut is not None:
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def ranges(self) -> list[tuple[str, str]]:
        return [re.search(r"range\(start: (\S+), stop: (\S+)\)", q["query"]).groups() for q in self.queries]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flux():
    server = FluxServer()
    yield server
    server.close()


@pytest.fixture
def export(flux, tmp_path, capsys):
    """Run the command as the CLI would; returns (status, stdout, stderr)."""
    cfg = InfluxConfig(enabled=True, url=flux.url, token=TOKEN, org="home", bucket="powerlog")

    def run(*argv: str, today: date = date(2025, 11, 1)):
        parser = argparse.ArgumentParser()
        influx_export.add_arguments(parser)
        status = influx_export.run(parser.parse_args(list(argv)), cfg, tmp_path, LONDON, today=today)
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def backup(tmp_path: Path, day: str, kind: str) -> Path:
    return tmp_path / "backup" / "influxdb" / f"powerlog_{day}.{kind}.gz"


def read_csv(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def test_each_day_is_queried_from_local_midnight_to_local_midnight(flux, export, tmp_path):
    status, out, err = export("2025-03-29", "2025-03-31")
    assert (status, err) == (0, "")
    assert flux.ranges() == [
        ("2025-03-29T00:00:00Z", "2025-03-30T00:00:00Z"),  # GMT all day
        ("2025-03-30T00:00:00Z", "2025-03-30T23:00:00Z"),  # clocks go forward at 01:00: 23 hours
        ("2025-03-30T23:00:00Z", "2025-03-31T23:00:00Z"),  # BST all day
    ]
    query = flux.queries[0]
    assert query["path"] == "/api/v2/query" and query["params"]["org"] == ["home"]
    assert query["auth"] == f"Token {TOKEN}"
    assert query["query"].startswith('from(bucket: "powerlog")')
    assert 'filter(fn: (r) => r._measurement == "measurement")' in query["query"]
    assert out.splitlines() == [
        f"[1/3] 2025-03-29: 3 rows (24 h) -> {backup(tmp_path, '20250329', 'csv')} and .json.gz",
        f"[2/3] 2025-03-30: 4 rows (23 h) -> {backup(tmp_path, '20250330', 'csv')} and .json.gz",
        f"[3/3] 2025-03-31: 0 rows (24 h) -> {backup(tmp_path, '20250331', 'csv')} and .json.gz",
    ]


def test_autumn_day_has_25_hours_and_both_half_past_ones(flux, export, tmp_path):
    status, out, _ = export("2025-10-26")
    assert status == 0
    assert flux.ranges() == [("2025-10-25T23:00:00Z", "2025-10-27T00:00:00Z")]
    assert "1 rows" not in out and "4 rows (25 h)" in out
    lines = read_csv(backup(tmp_path, "20251026", "csv"))
    assert lines == [
        HEADER + ",chargerState",  # a field outside DOMAIN.md is kept, after the usual ones
        "2025-10-26T00:00:00.000+01:00,120.2,0.9,13.1,,245.2,0.0,0.0,41.0,520.7,,",
        "2025-10-26T01:30:00.000+01:00,2411.9,0.96,3213.6,0.99,240.1,13.0,13.0,44.0,512.4,,1",
        "2025-10-26T01:30:00.000+00:00,2420.6,0.96,3215.2,0.99,240.3,13.0,13.0,48.0,509.9,,",
        "2025-10-26T23:59:59.000+00:00,505.1,0.93,13.3,,243.9,0.0,0.0,88.0,1210.3,,4",
    ]


def test_spring_day_csv_and_json_hold_one_row_per_timestamp(flux, export, tmp_path):
    assert export("2025-03-30")[0] == 0
    lines = read_csv(backup(tmp_path, "20250330", "csv"))
    assert lines == [
        HEADER,
        "2025-03-30T00:00:00.000+00:00,35.6,0.85,-1930.2,0.98,242.4,-8.0,-8.0,58.0,411.7,",
        "2025-03-30T00:59:59.000+00:00,2890.4,0.97,3450.7,0.99,239.8,14.0,14.0,60.0,398.2,",
        "2025-03-30T02:00:00.000+01:00,2904.1,0.97,3452.3,0.99,239.6,14.0,14.0,60.0,401.5,",
        "2025-03-30T23:59:59.500+01:00,-12.5,0.61,-958.8,0.97,244.2,-4.0,-4.0,77.0,0.0,",
    ]
    document = json.loads(gzip.decompress(backup(tmp_path, "20250330", "json").read_bytes()))
    assert {k: v for k, v in document.items() if k != "rows"} == {
        "bucket": "powerlog",
        "measurement": "measurement",
        "day": "2025-03-30",
        "timezone": "Europe/London",
        "start": "2025-03-30T00:00:00.000+00:00",
        "stop": "2025-03-31T00:00:00.000+01:00",
        "fields": HEADER.split(",")[1:],
    }
    assert len(document["rows"]) == 4
    assert document["rows"][2] == {
        "time": "2025-03-30T02:00:00.000+01:00",
        "grid": 2904.1,
        "grid_pf": 0.97,
        "evse": 3452.3,
        "evse_pf": 0.99,
        "voltage": 239.6,
        "evseTargetCurrent": 14.0,
        "evseDesiredCurrent": 14.0,
        "batteryChargeLevel": 60.0,
        "heatpump": 401.5,
    }
    csv_rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [row["time"] for row in csv_rows] == [row["time"] for row in document["rows"]]


def test_exported_days_are_skipped_unless_forced(flux, export, tmp_path):
    assert export("2025-03-29", "2025-03-30")[0] == 0
    files = [backup(tmp_path, d, k) for d in ("20250329", "20250330") for k in ("csv", "json")]
    before = {f: (f.stat().st_ino, f.read_bytes()) for f in files}

    status, out, _ = export("2025-03-29", "2025-03-30")
    assert status == 0 and len(flux.queries) == 2  # nothing asked again
    assert out.splitlines() == [
        "[1/2] 2025-03-29: already exported, skipped (--force to export again)",
        "[2/2] 2025-03-30: already exported, skipped (--force to export again)",
    ]
    assert {f: (f.stat().st_ino, f.read_bytes()) for f in files} == before

    status, out, _ = export("2025-03-29", "2025-03-30", "--force")
    assert status == 0 and len(flux.queries) == 4
    assert "3 rows" in out and "4 rows" in out
    for f in files:
        inode, content = before[f]
        assert f.stat().st_ino != inode  # written anew (and renamed into place) ...
        assert f.read_bytes() == content  # ... to the same bytes: the export is deterministic


def test_an_interrupted_export_never_counts_as_done(flux, export, tmp_path):
    flux.mode = "truncated"  # the connection drops half way through the day's answer
    status, _, err = export("2025-03-30")
    assert status == 1 and "2025-03-30" in err
    folder = tmp_path / "backup" / "influxdb"
    assert not folder.exists() or list(folder.iterdir()) == []

    # What a crash between the two renames would leave: one file and a temp file.
    folder.mkdir(parents=True, exist_ok=True)
    backup(tmp_path, "20250330", "csv").write_bytes(b"partial")
    (folder / ".powerlog_20250330.json.gz.1234.tmp").write_bytes(b"half")
    flux.mode = "ok"
    status, out, _ = export("2025-03-30")
    assert status == 0 and "4 rows" in out
    assert sorted(p.name for p in folder.iterdir()) == ["powerlog_20250330.csv.gz", "powerlog_20250330.json.gz"]
    assert len(read_csv(backup(tmp_path, "20250330", "csv"))) == 5


def test_default_is_yesterday_in_local_time(flux, export):
    status, out, _ = export(today=date(2025, 3, 31))
    assert status == 0
    assert flux.ranges() == [("2025-03-30T00:00:00Z", "2025-03-30T23:00:00Z")]
    assert out.startswith("[1/1] 2025-03-30: 4 rows (23 h)")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["2025-13-01"], "START '2025-13-01' is not a date like 2025-03-30 (YYYY-MM-DD)"),
        (["yesterday"], "START 'yesterday' is not a date like 2025-03-30 (YYYY-MM-DD)"),
        (["2025-03-30", "2025/03/31"], "END '2025/03/31' is not a date like 2025-03-30 (YYYY-MM-DD)"),
        (["2025-03-30", "2025-03-29"], "END 2025-03-29 is before START 2025-03-30"),
        (["2025-10-31", "2025-11-01"], "2025-11-01 is not over yet: whole days up to yesterday (2025-10-31) can be exported"),
    ],
)
def test_bad_dates_get_a_clear_message_and_status_2(flux, export, argv, message):
    status, out, err = export(*argv)
    assert status == 2
    assert err == f"export-influx: {message}\n"
    assert flux.queries == [] and out == ""


def test_rejected_token_fails_with_status_1_and_never_shows_the_token(flux, export, tmp_path):
    flux.mode = "unauthorized"
    status, out, err = export("2025-03-29", "2025-03-30")
    assert status == 1
    assert len(flux.queries) == 1  # stops at the first failure instead of repeating it per day
    assert "InfluxDB rejected the token (401): check influxdb.token" in err
    assert TOKEN not in out + err
    assert not (tmp_path / "backup" / "influxdb").exists()


def test_unreachable_server_fails_with_status_1(tmp_path, capsys):
    flux = FluxServer()
    url = flux.url
    flux.close()  # nothing listens there any more
    parser = argparse.ArgumentParser()
    influx_export.add_arguments(parser)
    cfg = InfluxConfig(url=url, token=TOKEN, org="home")
    status = influx_export.run(parser.parse_args(["2025-03-29"]), cfg, tmp_path, LONDON, today=date(2025, 4, 1))
    err = capsys.readouterr().err
    assert status == 1
    assert err == f"export-influx: 2025-03-29: query to {url} failed: connection refused\n"
