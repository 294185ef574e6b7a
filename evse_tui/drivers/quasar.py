"""The Wallbox Quasar over Modbus TCP: a 1 Hz poll thread and the command sequences of DOMAIN.md.

One lock covers the connection, so a command never interleaves with a poll. Every failure becomes a short
reason for the owner ("connection refused", "timeout reading 0x219", "exception code 2 reading 0x219");
the connection is dropped on any failure and re-opened by the next request, so the driver recovers by
itself when the charger comes back.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import replace

from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from evse_tui.clock import Clock
from evse_tui.control.states import COMMS_FAILURE, charger_state_name
from evse_tui.drivers.base import Charger, ChargerError, ChargerStatus, Listener
from evse_tui.drivers.wallbox_cloud import CloudRestartError, WallboxCloud

log = logging.getLogger("evse_tui.drivers.quasar")

# pymodbus reports every failed request at ERROR; this driver reports failure streaks itself, once.
if logging.getLogger("pymodbus").level == logging.NOTSET:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

DEVICE_ID = 1
REG_CONTROL = 0x51  # 1 = Modbus control, 0 = the owner's app
REG_ACTION = 0x101  # 1 = start, 2 = stop (pause)
REG_SETPOINT = 0x102  # signed amps, two's complement
REG_POWER = 0x20E  # signed watts, optional
REG_STATE = 0x219
REG_SOC = 0x21A
ACTION_START = 1
ACTION_STOP = 2
MAX_AMPS = 32

COMMS_FAILURE_POLLS = 10
RESTART_SPACING_S = 7 * 60.0
POWER_RECHECK_S = 300.0
SOC_VALID = range(5, 101)


def to_register(amps: int) -> int:
    """Signed amps as the 16-bit two's complement the charger expects (-10 -> 65526)."""
    return amps & 0xFFFF


def from_register(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


def command_sequence(amps: int) -> tuple[tuple[int, int], ...]:
    """(register, value) writes for one command; the last always hands control back to the owner's app."""
    if amps == 0:
        return ((REG_CONTROL, 1), (REG_ACTION, ACTION_STOP), (REG_SETPOINT, 0), (REG_CONTROL, 0))
    return ((REG_CONTROL, 1), (REG_SETPOINT, to_register(amps)), (REG_ACTION, ACTION_START), (REG_CONTROL, 0))


class ModbusFailure(Exception):
    """One failed request, with the reason the owner sees."""

    def __init__(self, reason: str, *, exception_code: int | None = None, dropped: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exception_code = exception_code  # the charger answered, but with a Modbus exception
        self.dropped = dropped  # an open connection broke (worth one retry on a fresh one)


class _TcpClient(ModbusTcpClient):
    """pymodbus's sync client, keeping the reason a connect failed (pymodbus only logs it)."""

    connect_error: OSError | None = None

    def connect(self) -> bool:
        if self.socket:
            return True
        try:
            sock = socket.create_connection(
                (self.comm_params.host, self.comm_params.port), timeout=self.comm_params.timeout_connect
            )
        except OSError as exc:
            self.connect_error = exc
            self.socket = None
            return False
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket = sock
        self.connect_error = None
        return True


def _connect_reason(exc: OSError | None) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timeout connecting"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror})"
    if exc is None:
        return "cannot connect"
    return f"cannot connect ({exc.strerror or exc})"


class ModbusLink:
    """One Modbus TCP connection to unit 1 that re-opens itself; not thread-safe (the charger locks it)."""

    def __init__(self, host: str, port: int, *, timeout_s: float = 1.0, device_id: int = DEVICE_ID) -> None:
        self.host, self.port, self.device_id = host, port, device_id
        self.timeout_s = timeout_s
        self._client = _TcpClient(host, port=port, timeout=timeout_s, retries=0, reconnect_delay=0)

    def read(self, address: int) -> int:
        reply = self._call(f"reading 0x{address:X}", lambda: self._client.read_holding_registers(
            address, count=1, device_id=self.device_id))
        registers = getattr(reply, "registers", None)
        if not registers:
            raise ModbusFailure(f"empty reply reading 0x{address:X}")
        return int(registers[0])

    def write(self, address: int, value: int) -> None:
        self._call(f"writing 0x{address:X}={value}", lambda: self._client.write_register(
            address, value, device_id=self.device_id))

    def close(self) -> None:
        self._client.close()

    def _call(self, what: str, request):
        was_open = self._client.connected
        if not self._client.connect():
            raise ModbusFailure(_connect_reason(self._client.connect_error))
        try:
            reply = request()
        except ConnectionException as exc:
            self.close()
            closed = "unexpectedly closed" in str(exc)
            raise ModbusFailure(
                f"connection closed by the charger {what}" if closed else f"connection lost {what}",
                dropped=was_open) from None
        except ModbusIOException:
            self.close()  # a late answer must not be taken for the next request's
            raise ModbusFailure(f"timeout {what}") from None
        except (ModbusException, OSError) as exc:
            self.close()
            raise ModbusFailure(f"{type(exc).__name__} {what}", dropped=was_open) from None
        if reply.isError():
            code = getattr(reply, "exception_code", None)
            raise ModbusFailure(f"exception code {code} {what}", exception_code=code)
        return reply


class QuasarCharger(Charger):
    """A Quasar polled once a second; commands block until written and always hand control back."""

    def __init__(
        self,
        host: str,
        port: int,
        clock: Clock,
        *,
        cloud: WallboxCloud | None = None,
        poll_interval_s: float = 1.0,
        timeout_s: float = 1.0,
    ) -> None:
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self._link = ModbusLink(host, port, timeout_s=timeout_s)
        self._cloud = cloud
        self._io_lock = threading.Lock()  # the connection: polls and commands take turns
        self._status_lock = threading.Lock()
        self._status = ChargerStatus()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._power_absent_since: float | None = None
        self._last_restart: float | None = None
        self._cloud_note = ""
        self._told_no_credentials = False
        self._soc_invalid: int | None = None
        self.where = f"{host}:{port}"

    # -- the Charger interface ---------------------------------------------------------------------------
    def status(self) -> ChargerStatus:
        return self._status

    def set_current(self, amps: int) -> None:
        if isinstance(amps, bool) or not isinstance(amps, int) or abs(amps) > MAX_AMPS:
            raise ChargerError(f"current {amps!r} A refused: must be a whole number from -32 to 32")
        sequence = command_sequence(amps)
        with self._io_lock:
            failure = self._write_all(sequence[:-1])
            if failure is not None and failure[2].dropped and failure[0] == sequence[0][0]:
                log.info("Quasar %s: connection was dropped, re-opening it for the command", self.where)
                failure = self._write_all(sequence[:-1])
            handback = self._write_all(sequence[-1:])
            if failure is None and handback is None:
                with self._status_lock:  # under the connection lock: no older poll result can follow
                    self._status = replace(self._status, setpoint=amps)
        if failure is not None:
            text = failure[2].reason
            if handback is not None:
                text += f"; control NOT handed back ({handback[2].reason})"
            log.warning("Quasar %s: command %+d A failed: %s", self.where, amps, text)
            raise ChargerError(text)
        if handback is not None:
            text = f"control NOT handed back to the app: {handback[2].reason}"
            log.error("Quasar %s: command %+d A written but %s", self.where, amps, text)
            raise ChargerError(text)
        log.debug("Quasar %s: command %+d A written: %s", self.where, amps,
                  ", ".join(f"0x{a:X}={v}" for a, v in sequence))

    def start(self, listener: Listener | None = None) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(listener,), name="quasar-poll", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self._link.timeout_s + 1)
            self._thread = None
        with self._io_lock:
            self._link.close()

    # -- polling ----------------------------------------------------------------------------------------
    def _run(self, listener: Listener | None) -> None:
        while not self._stop.is_set():
            began = self.clock.monotonic()
            try:
                self.poll_once()
                if listener is not None:
                    listener()
            except Exception:  # a bug here must not silently end polling
                log.exception("Quasar %s: poll loop error", self.where)
            spent = self.clock.monotonic() - began
            self.clock.wait(self._stop, max(0.0, self.poll_interval_s - spent))

    def poll_once(self) -> ChargerStatus:
        """Read state, SoC, setpoint and (where answered) power; count and report failures."""
        with self._io_lock:  # held while recording too, so a command's setpoint is never overwritten by older
            try:
                state = self._link.read(REG_STATE)
                soc_raw = self._link.read(REG_SOC)
                setpoint = from_register(self._link.read(REG_SETPOINT))
                power = self._read_power()
            except ModbusFailure as exc:
                self._record_failure(exc.reason)
            else:
                self._record_success(state, soc_raw, setpoint, power, self.clock.monotonic())
                return self._status
        if self._status.comms_failure:  # outside the lock: the cloud may take seconds
            self._maybe_restart(self.clock.monotonic())
            if self._cloud_note:
                with self._status_lock:
                    status = self._status
                    self._status = replace(status, error=f"{status.error}; {self._cloud_note}")
        return self._status

    def _read_power(self) -> float | None:
        now = self.clock.monotonic()
        if self._power_absent_since is not None and now - self._power_absent_since < POWER_RECHECK_S:
            return None
        try:
            value = self._link.read(REG_POWER)
        except ModbusFailure as exc:
            if exc.exception_code is None:
                raise
            if self._power_absent_since is None:
                log.info("Quasar %s: 0x20E (actual power) not answered (%s); asking again every %.0f s",
                         self.where, exc.reason, POWER_RECHECK_S)
            self._power_absent_since = now
            return None
        if self._power_absent_since is not None:
            log.info("Quasar %s: 0x20E (actual power) now answered", self.where)
            self._power_absent_since = None
        return float(from_register(value))

    def _record_success(self, state: int, soc_raw: int, setpoint: int, power: float | None, now: float) -> None:
        old = self._status
        if old.failures:
            log.info("Quasar %s: answering again after %d failed poll(s)", self.where, old.failures)
            self._cloud_note = ""
        if state != old.state:
            unknown = charger_state_name(state).startswith("unknown")
            log.log(logging.WARNING if unknown else logging.INFO, "Quasar %s: charger state %s -> %s",
                    self.where, charger_state_name(old.state), charger_state_name(state))
        soc, soc_time = old.soc, old.soc_time
        if soc_raw in SOC_VALID:
            soc, soc_time = float(soc_raw), now
            self._soc_invalid = None
        elif soc_raw != self._soc_invalid:
            self._soc_invalid = soc_raw
            kept = f"keeping {soc:.0f}%" if soc is not None else "SoC still unknown"
            log.info("Quasar %s: SoC register reads %d (outside 5..100), %s", self.where, soc_raw, kept)
        with self._status_lock:
            self._status = ChargerStatus(state=state, soc=soc, soc_time=soc_time, setpoint=setpoint,
                                         power_w=power, poll_time=now, failures=0, comms_failure=False,
                                         error=None)

    def _record_failure(self, reason: str) -> None:
        failures = self._status.failures + 1
        if failures == 1:
            log.warning("Quasar %s: poll failed: %s (retrying every %.0f s)", self.where, reason, self.poll_interval_s)
        else:
            log.debug("Quasar %s: poll %d failed: %s", self.where, failures, reason)
        comms_failure = failures >= COMMS_FAILURE_POLLS
        if failures == COMMS_FAILURE_POLLS:
            log.error("Quasar %s: %s after %d failed polls: %s", self.where, COMMS_FAILURE, failures, reason)
        with self._status_lock:
            self._status = replace(self._status, failures=failures, comms_failure=comms_failure, error=reason)

    def _maybe_restart(self, now: float) -> None:
        """Restart through the Wallbox cloud at most once per 7 minutes, only with credentials."""
        if self._cloud is None:
            if not self._told_no_credentials:
                self._told_no_credentials = True
                log.warning("Quasar %s: no Wallbox username, password and serial configured, so the charger "
                            "cannot be restarted automatically; still retrying Modbus", self.where)
            self._cloud_note = "no Wallbox credentials for an automatic restart"
            return
        if self._last_restart is not None and now - self._last_restart < RESTART_SPACING_S:
            return
        self._last_restart = now
        stamp = self.clock.now().strftime("%H:%M")
        log.warning("Quasar %s: asking the Wallbox cloud to restart charger %s", self.where, self._cloud.serial)
        try:
            self._cloud.restart()
        except CloudRestartError as exc:
            log.error("Quasar %s: %s", self.where, exc)
            self._cloud_note = f"cloud restart failed at {stamp}: {exc}"
            return
        log.warning("Quasar %s: restart of charger %s requested; it takes about 6 minutes",
                    self.where, self._cloud.serial)
        self._cloud_note = f"restart requested via Wallbox cloud at {stamp}"

    def _write_all(self, writes) -> tuple[int, int, ModbusFailure] | None:
        """Write in order, stopping at the first failure; returns (register, value, failure) or None."""
        for address, value in writes:
            try:
                self._link.write(address, value)
            except ModbusFailure as exc:
                return address, value, exc
        return None
