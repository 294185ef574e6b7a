"""InfluxDB v2 logging of every grid reading, on a background thread so control never waits for it.

The control loop calls `InfluxLogger.submit`, which only appends to a bounded in-memory buffer.
A writer thread sends the buffer in batches through influxdb-client's synchronous write API and
handles outages itself: it keeps the points (dropping the oldest once the bound is reached, with
one warning), retries with a doubling back-off, and reports the trouble once, in the log and in
`status()`, instead of once per failed attempt.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.write_api import SYNCHRONOUS
from urllib3.exceptions import ReadTimeoutError

from evse_tui.clock import Clock
from evse_tui.config.schema import InfluxConfig

MEASUREMENT = "measurement"
# Field names exactly as DOMAIN.md (and as years of existing Grafana dashboards expect them).
FIELD_NAMES = (
    "grid",
    "grid_pf",
    "evse",
    "evse_pf",
    "voltage",
    "evseTargetCurrent",
    "evseDesiredCurrent",
    "batteryChargeLevel",
    "heatpump",
    "solar",
)


@dataclass(frozen=True, slots=True)
class PowerPoint:
    """One grid reading as logged: `time` is wall-clock epoch seconds; None means "not measured"."""

    time: float
    grid: float
    grid_pf: float | None
    evse: float
    evse_pf: float | None
    voltage: float | None
    target_current: float
    desired_current: float
    soc: float | None
    heatpump: float | None = None
    solar: float | None = None

    def fields(self) -> dict[str, float]:
        """The InfluxDB fields by their DOMAIN.md names; absent or non-finite values are left out."""
        values = (
            self.grid,
            self.grid_pf,
            self.evse,
            self.evse_pf,
            self.voltage,
            self.target_current,
            self.desired_current,
            self.soc,
            self.heatpump,
            self.solar,
        )
        return {
            name: float(value)
            for name, value in zip(FIELD_NAMES, values)
            if value is not None and math.isfinite(value)
        }

    def to_point(self) -> Point:
        """The point in measurement `measurement`, stamped with the reading's time in milliseconds."""
        point = Point(MEASUREMENT).time(round(self.time * 1000), WritePrecision.MS)
        for name, value in self.fields().items():
            point.field(name, value)
        return point


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a request to InfluxDB failed, in the owner's words.

    `kind` is "unreachable" (retry: network, timeout, 5xx, 429), "config" (retry slowly, but the
    owner must act: bad token, unknown bucket or org) or "refused" (the points themselves were
    rejected; retrying cannot help).
    """

    kind: str
    text: str
    retry_after: float | None = None


def redact(text: str, cfg: InfluxConfig) -> str:
    """`text` with the token blanked out, whatever produced it.

    A token of a few characters is not redacted: it would mangle ordinary words ("connec***ion")
    and is no secret anyway; InfluxDB's own tokens are 88 characters.
    """
    return text.replace(cfg.token, "***") if len(cfg.token) >= 6 else text


def describe_failure(exc: BaseException, cfg: InfluxConfig) -> Failure:
    """Classify an influxdb-client/urllib3 exception and say what the owner should check."""
    if isinstance(exc, InfluxDBError):
        status = getattr(exc, "status", None) or (exc.response.status if exc.response is not None else None)
        message = exc.message
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        message = redact(str(message or "").strip(), cfg)[:200]
        retry_after = _seconds(exc.retry_after)
        if status in (401, 403):
            return Failure("config", f"InfluxDB rejected the token ({status}): check influxdb.token")
        if status == 404:
            return Failure(
                "config",
                f"InfluxDB bucket or organisation not found (404: {message}): "
                f"check influxdb.bucket ({cfg.bucket!r}) and influxdb.org ({cfg.org!r})",
            )
        if status is not None and (status == 429 or status >= 500):
            return Failure("unreachable", f"InfluxDB answered {status}: {message}", retry_after)
        hint = "; influxdb.org is empty: set it to your InfluxDB organisation" if not cfg.org else ""
        return Failure("refused", f"InfluxDB refused the request ({status}: {message}){hint}")
    return Failure("unreachable", redact(_network_reason(exc), cfg))


def _network_reason(exc: BaseException) -> str:
    """The useful part of a connection error: the OS's words, not urllib3's object reprs."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ReadTimeoutError):
            return "no answer in time (read timeout)"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror.lower()
        seen = seen.__cause__ or seen.__context__
    return f"{type(exc).__name__}: {exc}"[:200]


def _seconds(value: object) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date in Retry-After: fall back to our own back-off


class InfluxLogger:
    """Logs PowerPoints to InfluxDB without ever making the caller wait.

    `clock` gives the local wall time shown in the status ("since 14:02"). Retry pacing runs on
    real time: it is about the network, not about the home.
    """

    def __init__(
        self,
        cfg: InfluxConfig,
        clock: Clock,
        *,
        buffer_limit: int = 7200,
        log: logging.Logger | None = None,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        retry_initial: float = 1.0,
        retry_max: float = 60.0,
        request_timeout: float = 5.0,
        recovery_notice_s: float = 60.0,
    ) -> None:
        if buffer_limit < 1 or batch_size < 1:
            raise ValueError("buffer_limit and batch_size must be at least 1")
        if flush_interval <= 0 or retry_initial <= 0 or retry_max < retry_initial or request_timeout <= 0:
            raise ValueError("flush_interval, retry_initial, request_timeout must be positive and retry_max >= retry_initial")
        self._cfg = cfg
        self._clock = clock
        self._log = log or logging.getLogger(__name__)
        self._limit = buffer_limit
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._request_timeout = request_timeout
        self._recovery_notice_s = recovery_notice_s

        self._lock = threading.Lock()
        self._buffer: deque[tuple[int, PowerPoint]] = deque()
        self._seq = 0
        self._dropped = 0  # since the trouble began (reported at recovery)
        self._drop_warned = True  # the writer thread owns the warning; True = nothing to warn about
        self._failure: Failure | None = None
        self._since: datetime | None = None
        self._recovered: tuple[float, str] | None = None  # (monotonic time, notice)
        self._closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

        if not cfg.enabled:
            return
        if not cfg.url.startswith(("http://", "https://")):
            self._failure = Failure("config", f"influxdb.url {cfg.url!r} is not an http:// or https:// URL: logging is off")
            self._log.error(self._failure.text)
            return
        self._thread = threading.Thread(target=self._run, name="influx-writer", daemon=True)
        self._thread.start()

    # -- the control loop's side: never blocks on I/O, never raises ---------------------------

    def submit(self, point: PowerPoint) -> None:
        """Queue one reading; O(1). When the buffer is full the oldest point makes room."""
        if self._thread is None or self._closed:
            return
        with self._lock:
            if len(self._buffer) >= self._limit:
                self._buffer.popleft()
                self._dropped += 1
                if self._dropped == 1:
                    self._drop_warned = False
            self._seq += 1
            self._buffer.append((self._seq, point))

    def status(self) -> str | None:
        """None when healthy; otherwise one line for the screen (also for a minute after a recovery)."""
        with self._lock:
            failure, since, buffered, dropped = self._failure, self._since, len(self._buffer), self._dropped
            recovered = self._recovered
        if failure is None:
            if recovered and self._clock.monotonic() - recovered[0] < self._recovery_notice_s:
                return recovered[1]
            return None
        if self._thread is None:
            return failure.text
        count = f"{buffered} points buffered" + (f", {dropped} dropped" if dropped else "")
        if failure.kind == "unreachable":
            return f"InfluxDB unreachable since {self._format_since(since)} ({count})"
        return f"{failure.text} ({count})"

    @property
    def buffered(self) -> int:
        """Points waiting to be written."""
        with self._lock:
            return len(self._buffer)

    def close(self, timeout: float = 3.0) -> None:
        """Write what can be written within `timeout` seconds, then stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(max(0.0, timeout))
        if self._thread.is_alive():
            self._log.warning(
                "InfluxDB: still waiting for the server after %.1f s at shutdown; %d points not written",
                timeout,
                self.buffered,
            )

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        client = InfluxDBClient(
            url=self._cfg.url,
            token=self._cfg.token,
            org=self._cfg.org or None,
            timeout=round(self._request_timeout * 1000),
        )
        writer = client.write_api(write_options=SYNCHRONOUS)
        delay = self._flush_interval
        try:
            while not self._stop.wait(delay):
                failure = self._drain(writer)
                delay = self._flush_interval if failure is None else self._backoff(delay, failure)
            self._drain(writer, final=True)
            left = self.buffered
            if left:
                self._log.warning("InfluxDB: %d points not written at shutdown (server unreachable)", left)
        except Exception as exc:  # a bug here must not take the program down, but must be seen
            self._log.exception("InfluxDB writer stopped: %s", redact(str(exc), self._cfg))
        finally:
            client.close()

    def _backoff(self, delay: float, failure: Failure) -> float:
        if failure.kind == "config":
            return self._retry_max  # the owner must act; a slow retry notices when they have
        if delay <= self._flush_interval:
            delay = self._retry_initial
        else:
            delay = min(self._retry_max, delay * 2)
        if failure.retry_after is not None:
            delay = min(self._retry_max, max(delay, failure.retry_after))
        return delay

    def _drain(self, writer, final: bool = False) -> Failure | None:
        """Send the buffer batch by batch; stop at the first failure and return it."""
        self._warn_drops()
        while True:
            with self._lock:
                batch = list(islice(self._buffer, self._batch_size))
            if not batch:
                return None
            try:
                writer.write(
                    bucket=self._cfg.bucket,
                    org=self._cfg.org or None,
                    record=[point.to_point() for _, point in batch],
                    write_precision=WritePrecision.MS,
                )
            except Exception as exc:
                failure = describe_failure(exc, self._cfg)
                if failure.kind == "refused":
                    self._forget(batch[-1][0])
                    self._note_refused(failure, len(batch))
                    continue
                self._note_failure(failure, final)
                return failure
            self._forget(batch[-1][0])
            self._note_success()

    def _forget(self, last_seq: int) -> None:
        """Remove written points; points the producer dropped meanwhile are simply already gone."""
        with self._lock:
            while self._buffer and self._buffer[0][0] <= last_seq:
                self._buffer.popleft()

    def _warn_drops(self) -> None:
        with self._lock:
            warn, self._drop_warned = not self._drop_warned, True
        if warn:
            self._log.warning(
                "InfluxDB buffer full (%d points): dropping the oldest points until the server is back",
                self._limit,
            )

    def _note_failure(self, failure: Failure, final: bool) -> None:
        with self._lock:
            previous = self._failure
            if previous is None or previous.kind == "refused":
                self._since = self._clock.now()
                self._recovered = None
            self._failure = failure
            buffered = len(self._buffer)
        if previous is not None and previous.kind == failure.kind and (failure.kind != "config" or previous.text == failure.text):
            self._log.debug("InfluxDB still failing: %s", failure.text)
            return
        if failure.kind == "unreachable":
            self._log.warning(
                "InfluxDB unreachable since %s (%d points buffered): %s; retrying with back-off",
                self._format_since(self._since),
                buffered,
                failure.text,
            )
        elif not final:
            self._log.error("%s; points are kept (up to %d) and retried every %g s", failure.text, self._limit, self._retry_max)

    def _note_refused(self, failure: Failure, count: int) -> None:
        with self._lock:
            previous, self._failure = self._failure, failure
            if previous is None:
                self._since = self._clock.now()
        if previous is None or previous.text != failure.text:
            self._log.error("%s; %d points discarded", failure.text, count)
        else:
            self._log.debug("%s; %d points discarded", failure.text, count)

    def _note_success(self) -> None:
        with self._lock:
            failure, since, dropped = self._failure, self._since, self._dropped
            if failure is None or self._buffer:
                return  # healthy all along, or still catching up after an outage
            self._failure = None
            self._dropped = 0
            notice = f"InfluxDB back since {self._clock.now():%H:%M}: buffered points written"
            if dropped:
                notice += f", {dropped} oldest dropped"
            self._recovered = (self._clock.monotonic(), notice)
        self._log.info("%s (trouble since %s: %s)", notice, self._format_since(since), failure.text)

    def _format_since(self, since: datetime | None) -> str:
        if since is None:
            return "?"
        if since.date() != self._clock.now().date():
            return f"{since:%Y-%m-%d %H:%M}"
        return f"{since:%H:%M}"
