"""A real VictoriaMetrics server on 127.0.0.1 for the InfluxDB writer tests.

VictoriaMetrics accepts InfluxDB's v2 write API (`/api/v2/write`) and stores `measurement` +
field `grid` as metric `measurement_grid`, which `/api/v1/export` returns as JSON lines.
The server can be stopped and started again on the same port and storage directory, which is
exactly an outage of the owner's InfluxDB as the writer sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def find_binary() -> str | None:
    """The victoria-metrics binary (Debian's package puts it in /usr/bin), or None."""
    explicit = os.environ.get("VICTORIA_METRICS_BIN")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("victoria-metrics") or (
        "/usr/bin/victoria-metrics" if os.access("/usr/bin/victoria-metrics", os.X_OK) else None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VictoriaMetrics:
    """One victoria-metrics process: start, stop, start again, read back what was written."""

    def __init__(self, binary: str, storage: Path, port: int | None = None) -> None:
        self.binary = binary
        self.storage = storage
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = storage.parent / f"victoria-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        assert self.process is None, "already running"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                f"-httpListenAddr=127.0.0.1:{self.port}",
                f"-storageDataPath={self.storage}",
                "-retentionPeriod=100y",
                "-search.disableCache",
                "-loggerLevel=ERROR",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"victoria-metrics exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=0.5) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"victoria-metrics did not become healthy within {timeout} s")

    def stop(self) -> None:
        """Graceful stop (SIGTERM), so the storage is consistent for the next start."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def export(self, start_s: float, end_s: float) -> dict[str, dict[int, float]]:
        """All samples of measurement `measurement` in [start, end]: metric name -> {ms: value}."""
        with urllib.request.urlopen(f"{self.url}/internal/force_flush", timeout=5):
            pass
        query = urllib.parse.urlencode(
            {"match[]": '{__name__=~"measurement_.*"}', "start": f"{start_s:.3f}", "end": f"{end_s:.3f}"}
        )
        with urllib.request.urlopen(f"{self.url}/api/v1/export?{query}", timeout=10) as reply:
            body = reply.read().decode()
        series: dict[str, dict[int, float]] = {}
        for line in body.splitlines():
            if line.strip():
                item = json.loads(line)
                samples = series.setdefault(item["metric"]["__name__"], {})
                samples.update(zip(item["timestamps"], item["values"]))
        return series


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[VictoriaMetrics]:
    binary = find_binary()
    if binary is None:
        pytest.skip("victoria-metrics binary not found (apt-get install victoria-metrics, or set VICTORIA_METRICS_BIN)")
    server = VictoriaMetrics(binary, tmp_path / "vm-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()
