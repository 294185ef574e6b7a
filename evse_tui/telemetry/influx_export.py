"""`evse-tui export-influx [START [END]]`: one gzipped CSV and JSON file per local day of InfluxDB points.

A day is local midnight to local midnight in the owner's time zone (23 or 25 hours across a
daylight-saving change), so a file holds the day the owner lived, not a UTC day. The server's
rows (one per field and time) are pivoted here to one row per timestamp with one column per field.
Each file is written to a temporary name and renamed, so only a complete pair counts as exported.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from influxdb_client import InfluxDBClient

from evse_tui.config.schema import InfluxConfig
from evse_tui.telemetry.influx import FIELD_NAMES, MEASUREMENT, describe_failure, redact

QUERY_TIMEOUT_MS = 120_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("start", nargs="?", metavar="START", help="first day, YYYY-MM-DD (default: yesterday)")
    parser.add_argument("end", nargs="?", metavar="END", help="last day, YYYY-MM-DD, inclusive (default: START)")
    parser.add_argument("--force", action="store_true", help="export days again even if already exported")


@dataclass(frozen=True, slots=True)
class DayRange:
    """One local day and the UTC instants of its two midnights (stop is exclusive)."""

    day: date
    start: datetime
    stop: datetime


def local_day(day: date, tz: ZoneInfo) -> DayRange:
    def midnight(d: date) -> datetime:
        return datetime.combine(d, time(0), tz).astimezone(timezone.utc)

    return DayRange(day, midnight(day), midnight(day + timedelta(days=1)))


def flux_query(bucket: str, span: DayRange) -> str:
    """The day's points of measurement `measurement`, as the server stores them (one row per field)."""
    return (
        f"from(bucket: {_flux_string(bucket)})\n"
        f"  |> range(start: {_rfc3339(span.start)}, stop: {_rfc3339(span.stop)})\n"
        f"  |> filter(fn: (r) => r._measurement == {_flux_string(MEASUREMENT)})\n"
    )


def pivot(records: Iterable, tz: ZoneInfo) -> tuple[list[str], list[dict[str, object]]]:
    """Rows of (time, field, value) -> one row per timestamp, oldest first, with its fields as keys.

    Columns are the DOMAIN.md fields in their usual order (always, so every day's file has the same
    header), then any other field the measurement holds, alphabetically.
    """
    by_time: dict[datetime, dict[str, object]] = {}
    extra: set[str] = set()
    for record in records:
        field, value, when = record.get_field(), record.get_value(), record.get_time()
        if field is None or when is None:
            continue
        by_time.setdefault(when, {})[field] = value
        if field not in FIELD_NAMES:
            extra.add(field)
    columns = list(FIELD_NAMES) + sorted(extra)
    rows = [{"time": _local_time(when, tz), **by_time[when]} for when in sorted(by_time)]
    return columns, rows


def csv_bytes(columns: list[str], rows: list[dict[str, object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["time", *columns])
    for row in rows:
        writer.writerow([row["time"], *("" if row.get(c) is None else row[c] for c in columns)])
    return _gzip(text.getvalue().encode())


def json_bytes(bucket: str, span: DayRange, tz: ZoneInfo, columns: list[str], rows: list[dict[str, object]]) -> bytes:
    document = {
        "bucket": bucket,
        "measurement": MEASUREMENT,
        "day": span.day.isoformat(),
        "timezone": tz.key,
        "start": _local_time(span.start, tz),
        "stop": _local_time(span.stop, tz),
        "fields": columns,
        "rows": rows,
    }
    return _gzip(json.dumps(document, separators=(",", ":")).encode())


def export_paths(data_dir: Path, bucket: str, day: date) -> tuple[Path, Path]:
    folder = data_dir / "backup" / "influxdb"
    stem = f"{_safe_name(bucket)}_{day:%Y%m%d}"
    return folder / f"{stem}.csv.gz", folder / f"{stem}.json.gz"


def run(args, cfg: InfluxConfig, data_dir: Path, tz: ZoneInfo, today: date | None = None) -> int:
    """Export the days asked for; 0 done, 2 bad dates, 1 the server failed (message on stderr)."""
    today = today or datetime.now(tz).date()
    try:
        days = _days(getattr(args, "start", None), getattr(args, "end", None), today)
    except ValueError as exc:
        print(f"export-influx: {exc}", file=sys.stderr)
        return 2
    if not cfg.url.startswith(("http://", "https://")):
        print(f"export-influx: influxdb.url {cfg.url!r} is not an http:// or https:// URL", file=sys.stderr)
        return 1
    force = bool(getattr(args, "force", False))
    total = len(days)
    client = InfluxDBClient(url=cfg.url, token=cfg.token, org=cfg.org or None, timeout=QUERY_TIMEOUT_MS)
    try:
        query_api = client.query_api()
        for number, day in enumerate(days, start=1):
            prefix = f"[{number}/{total}] {day.isoformat()}"
            csv_path, json_path = export_paths(data_dir, cfg.bucket, day)
            if not force and csv_path.exists() and json_path.exists():
                print(f"{prefix}: already exported, skipped (--force to export again)", flush=True)
                continue
            span = local_day(day, tz)
            try:
                records = query_api.query_stream(flux_query(cfg.bucket, span), org=cfg.org or None)
                columns, rows = pivot(records, tz)
            except Exception as exc:
                reason = describe_failure(exc, cfg).text
                print(f"export-influx: {day}: query to {redact(cfg.url, cfg)} failed: {reason}", file=sys.stderr)
                return 1
            _write_atomically(json_path, json_bytes(cfg.bucket, span, tz, columns, rows))
            _write_atomically(csv_path, csv_bytes(columns, rows))
            hours = (span.stop - span.start).total_seconds() / 3600
            print(f"{prefix}: {len(rows)} rows ({hours:g} h) -> {csv_path} and .json.gz", flush=True)
    finally:
        client.close()
    return 0


def _days(start_text: str | None, end_text: str | None, today: date) -> list[date]:
    if start_text is None and end_text is None:
        start = end = today - timedelta(days=1)
    else:
        start = _parse_day(start_text, "START")
        end = _parse_day(end_text, "END") if end_text is not None else start
    if end < start:
        raise ValueError(f"END {end} is before START {start}")
    if end >= today:
        raise ValueError(f"{end} is not over yet: whole days up to yesterday ({today - timedelta(days=1)}) can be exported")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _parse_day(text: str, name: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date like 2025-03-30 (YYYY-MM-DD)") from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old state or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)  # left by an interrupted export of this day
    temp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _gzip(data: bytes) -> bytes:
    """Gzip with no name or time in the header, so the same day exports to the same bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed:
        packed.write(data)
    return out.getvalue()


def _local_time(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).isoformat(timespec="milliseconds")


def _rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _flux_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${")
    return f'"{escaped}"'


def _safe_name(bucket: str) -> str:
    """The bucket as a file-name part: path separators and odd characters become '_'."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in bucket).lstrip(".") or "bucket"
