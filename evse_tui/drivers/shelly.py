"""Shelly energy meters over HTTP: Gen1 `/status` or the Gen2+ RPC, chosen from `GET /shelly`.

Every request starts with a short timeout and grows it over a few tries, so a slow meter costs little and a
dead one is reported fast. A failed poll never replaces the last good reading; it leaves a reason
("timeout", "HTTP 500", "bad JSON", "missing field emeters", "is_valid: false") for the screen and the log.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field

import requests

from evse_tui.clock import Clock
from evse_tui.config.errors import ConfigError
from evse_tui.config.schema import ChannelRef
from evse_tui.drivers.addresses import http_base_url
from evse_tui.drivers.base import ChannelReading, Listener, MeterReading, PowerMonitor

log = logging.getLogger("evse_tui.drivers.shelly")

DEFAULT_TIMEOUTS_S = (0.1, 0.25, 0.5, 0.75, 1.0)
DEVICES = ("primary", "secondary")


class MeterFailure(Exception):
    """A meter could not be read; the message is the reason the owner sees."""


@dataclass(slots=True)
class DevicePoll:
    """What one meter answered in one poll: its good channels, per-channel problems, or why it failed."""

    mono: float
    time: float
    channels: dict[int, ChannelReading] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)
    error: str | None = None


def _number(data: dict, key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


class ShellyDevice:
    """One meter: learns its generation from `/shelly` once, then reads all its channels (1-based)."""

    def __init__(self, base_url: str, session: requests.Session, timeouts_s: tuple[float, ...]) -> None:
        self.base_url = base_url
        self._session = session
        self._timeouts = timeouts_s
        self.gen: int | None = None
        self._gen2_channels = 2

    def read(self) -> tuple[dict[int, ChannelReading], dict[int, str]]:
        if self.gen is None:
            self._identify()
        if self.gen == 1:
            return self._read_gen1()
        return self._read_gen2()

    def _get(self, path: str, *, rpc_error_ok: bool = False) -> object:
        """GET with growing timeouts; the reason of the last try is raised if all fail.

        With `rpc_error_ok` a Gen2 RPC error body (`{"code": -105, ...}`) is returned whatever its HTTP status.
        """
        reason = "no tries"
        for timeout in self._timeouts:
            try:
                reply = self._session.get(self.base_url + path, timeout=timeout)
            except requests.Timeout:
                reason = "timeout"
                continue
            except requests.ConnectionError as exc:
                reason = "connection refused" if "refused" in str(exc).lower() else "cannot connect"
                continue
            except requests.RequestException as exc:
                reason = type(exc).__name__
                continue
            if reply.status_code != 200:
                reason = f"HTTP {reply.status_code}"
                if rpc_error_ok and self._rpc_error(reply):
                    return reply.json()
                continue
            try:
                return reply.json()
            except ValueError:
                reason = "bad JSON"
                continue
        tries = len(self._timeouts)
        raise MeterFailure(f"{reason} ({tries} {'try' if tries == 1 else 'tries'}) GET {path}")

    @staticmethod
    def _rpc_error(reply: requests.Response) -> bool:
        try:
            body = reply.json()
        except ValueError:
            return False
        return isinstance(body, dict) and isinstance(body.get("code"), int)

    def _identify(self) -> None:
        info = self._get("/shelly")
        if not isinstance(info, dict):
            raise MeterFailure("bad JSON from /shelly (not an object)")
        gen = info.get("gen")
        if isinstance(gen, int) and not isinstance(gen, bool) and gen >= 2:
            self._gen2_channels = self._count_gen2_channels()
            self.gen = gen
        else:
            self.gen = 1
        log.info("Shelly %s: generation %d (%s)", self.base_url, self.gen,
                 info.get("model") or info.get("type") or "unknown model")

    def _count_gen2_channels(self) -> int:
        """Meters with one clamp answer an RPC error (`{"code": ...}`) for id=1."""
        reply = self._get("/rpc/EM1.GetStatus?id=1", rpc_error_ok=True)
        return 1 if isinstance(reply, dict) and "code" in reply and "act_power" not in reply else 2

    def _read_gen1(self) -> tuple[dict[int, ChannelReading], dict[int, str]]:
        data = self._get("/status")
        emeters = data.get("emeters") if isinstance(data, dict) else None
        if not isinstance(emeters, list) or not emeters:
            raise MeterFailure("missing field emeters in /status")
        channels: dict[int, ChannelReading] = {}
        problems: dict[int, str] = {}
        for number, meter in enumerate(emeters, start=1):
            if not isinstance(meter, dict) or _number(meter, "power") is None:
                problems[number] = "missing field power"
            elif meter.get("is_valid") is False:
                problems[number] = "is_valid: false"
            else:
                channels[number] = ChannelReading(
                    power_w=_number(meter, "power"), pf=_number(meter, "pf"), voltage=_number(meter, "voltage"),
                    import_wh=_number(meter, "total"), export_wh=_number(meter, "total_returned"))
        return channels, problems

    def _read_gen2(self) -> tuple[dict[int, ChannelReading], dict[int, str]]:
        channels: dict[int, ChannelReading] = {}
        problems: dict[int, str] = {}
        for number in range(1, self._gen2_channels + 1):
            status = self._get(f"/rpc/EM1.GetStatus?id={number - 1}")
            if not isinstance(status, dict) or _number(status, "act_power") is None:
                problems[number] = "missing field act_power"
                continue
            if status.get("errors"):
                problems[number] = f"errors: {', '.join(map(str, status['errors']))}"
                continue
            import_wh = export_wh = None
            try:
                energy = self._get(f"/rpc/EM1Data.GetStatus?id={number - 1}")
            except MeterFailure as exc:
                problems[number] = f"energy totals unavailable: {exc}"
            else:
                if isinstance(energy, dict):
                    import_wh = _number(energy, "total_act_energy")
                    export_wh = _number(energy, "total_act_ret_energy")
            channels[number] = ChannelReading(
                power_w=_number(status, "act_power"), pf=_number(status, "pf"), voltage=_number(status, "voltage"),
                import_wh=import_wh, export_wh=export_wh)
        return channels, problems


class ShellyMonitor(PowerMonitor):
    """One or two Shelly meters seen as the grid channel, an optional EVSE channel and named extras."""

    def __init__(
        self,
        primary_url: str,
        clock: Clock,
        *,
        secondary_url: str | None = None,
        grid: ChannelRef = ChannelRef("primary", 1),
        evse: ChannelRef = ChannelRef("", None),
        names: dict[str, str] | None = None,
        session: requests.Session | None = None,
        timeouts_s: tuple[float, ...] = DEFAULT_TIMEOUTS_S,
        poll_interval_s: float = 1.0,
        secondary_offset_s: float = 0.5,
    ) -> None:
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self.secondary_offset_s = secondary_offset_s
        self._session = session or requests.Session()
        self._devices: dict[str, ShellyDevice] = {
            "primary": ShellyDevice(http_base_url(primary_url, "shelly.primary_url"), self._session, timeouts_s)}
        if secondary_url:
            self._devices["secondary"] = ShellyDevice(
                http_base_url(secondary_url, "shelly.secondary_url"), self._session, timeouts_s)
        self.grid = self._check_ref(grid, "shelly.grid", required=True)
        self.evse = self._check_ref(evse, "shelly.evse", required=False)
        self.names = dict(names or {})
        self._polls: dict[str, DevicePoll] = {}
        self._logged_error: str | None = None  # what was last logged as wrong, so a streak is logged once
        self._latest: MeterReading | None = None
        self._last_error: str | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _check_ref(self, ref: ChannelRef, key: str, *, required: bool) -> ChannelRef:
        if not ref.device and not required:
            return ChannelRef("", None)
        if ref.device not in self._devices:
            allowed = "must be primary or secondary (with secondary_url set)"
            raise ConfigError(f"{key}.device", ref.device, allowed)
        if not isinstance(ref.channel, int) or ref.channel < 1:
            raise ConfigError(f"{key}.channel", ref.channel, "must be a channel number (1 or 2)")
        return ref

    # -- the PowerMonitor interface ----------------------------------------------------------------------
    def latest(self) -> MeterReading | None:
        return self._latest

    def last_error(self) -> str | None:
        return self._last_error

    def start(self, listener: Listener | None = None) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(listener,), name="shelly-poll", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3.0)  # a daemon: a slow request left in flight ends at its own timeout
            self._thread = None
        self._session.close()

    # -- polling ----------------------------------------------------------------------------------------
    def _run(self, listener: Listener | None) -> None:
        while not self._stop.is_set():
            began = self.clock.monotonic()
            try:
                self.poll_device("primary")
                if "secondary" in self._devices:
                    if self.clock.wait(self._stop, self.secondary_offset_s):
                        break
                    self.poll_device("secondary")
                if self.publish() is not None and listener is not None:
                    listener()
            except Exception:  # a bug here must not silently end polling
                log.exception("Shelly poll loop error")
            spent = self.clock.monotonic() - began
            self.clock.wait(self._stop, max(0.0, self.poll_interval_s - spent))

    def poll_once(self) -> MeterReading | None:
        """Poll every meter at once and publish; returns the new reading, or None if the grid failed."""
        for name in self._devices:
            self.poll_device(name)
        return self.publish()

    def poll_device(self, name: str) -> DevicePoll:
        device = self._devices[name]
        poll = DevicePoll(mono=self.clock.monotonic(), time=self.clock.now().timestamp())
        try:
            poll.channels, poll.problems = device.read()
        except MeterFailure as exc:
            poll.error = str(exc)
        self._polls[name] = poll
        return poll

    def _log_change(self, grid_ok: bool, error: str | None) -> None:
        """Log when what is wrong changes (a failure streak once, then its end), not every poll."""
        if error == self._logged_error:
            return
        if error is None:
            log.info("Shelly: all readings complete again (was: %s)", self._logged_error)
        elif grid_ok:
            log.warning("Shelly: reading incomplete: %s", error)
        else:
            log.warning("Shelly: no grid reading: %s", error)
        self._logged_error = error

    def publish(self) -> MeterReading | None:
        """Combine the devices' latest polls into a reading, if the grid channel is among them."""
        notes: list[str] = []
        grid_poll = self._polls.get(self.grid.device)
        grid_key = f"{self.grid.device}.{self.grid.channel}"
        grid = grid_poll.channels.get(self.grid.channel) if grid_poll and not grid_poll.error else None
        for name, poll in self._polls.items():
            if poll.error:
                notes.append(f"{name}: {poll.error}")
            for number, problem in sorted(poll.problems.items()):
                notes.append(f"{name}.{number}: {problem}")
        if grid is None:
            if grid_poll is not None and not grid_poll.error and self.grid.channel not in grid_poll.problems:
                notes.append(f"{grid_key}: no such channel")
            self._last_error = "; ".join(notes) or f"{grid_key}: no reading yet"
            self._log_change(False, self._last_error)
            return None
        evse = None
        if self.evse.device:
            evse_poll = self._polls.get(self.evse.device)
            if evse_poll is not None and not evse_poll.error:
                evse = evse_poll.channels.get(self.evse.channel)
            if evse is None:
                notes.append(f"EVSE channel {self.evse.device}.{self.evse.channel} missing, modelled instead")
        aux = []
        for name, poll in self._polls.items():
            if poll.error:
                continue
            for number, reading in sorted(poll.channels.items()):
                if (name, number) in ((self.grid.device, self.grid.channel), (self.evse.device, self.evse.channel)):
                    continue
                key = f"{name}.{number}"
                aux.append((self.names.get(key, key), reading))
        self._seq += 1
        error = "; ".join(notes) or None
        reading = MeterReading(seq=self._seq, time=grid_poll.time, mono=grid_poll.mono, grid=grid, evse=evse,
                               aux=tuple(aux), error=error)
        self._latest = reading
        self._last_error = error
        self._log_change(True, error)
        return reading
