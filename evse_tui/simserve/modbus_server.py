"""A Modbus TCP server (pymodbus) in a background thread, serving any register bank.

A bank is anything with `read_register(address) -> int` and `write_register(address, value)` that raises
on refusal: the simulated Quasar, or `PlainRegisters` in tests and benchmarks. Every write that reaches
the server is recorded with a timestamp, so tests can assert exact sequences and benchmarks can measure
the time from a command to its first write.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Protocol

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

REGISTER_SPAN = 0x400  # addresses 0..0x3FF are handed to the bank; the Quasar map ends at 0x21A
WRITE_CODES = (6, 16)


class RegisterBank(Protocol):
    def read_register(self, address: int) -> int: ...

    def write_register(self, address: int, value: int) -> None: ...


class RegisterRefused(Exception):
    """A bank's refusal carrying the Modbus exception code to answer with."""

    def __init__(self, message: str, exception_code: int = ExcCodes.ILLEGAL_VALUE) -> None:
        super().__init__(message)
        self.exception_code = exception_code


class PlainRegisters:
    """A dict of holding registers; absent addresses answer exception code 2.

    `fail_reads` / `refuse_writes` map an address to the exception code it answers with (fault tests).
    """

    def __init__(self, values: dict[int, int] | None = None) -> None:
        self.values: dict[int, int] = dict(values or {})
        self.fail_reads: dict[int, int] = {}
        self.refuse_writes: dict[int, int] = {}

    def read_register(self, address: int) -> int:
        if address in self.fail_reads:
            raise RegisterRefused(f"read of 0x{address:X} refused", self.fail_reads[address])
        if address not in self.values:
            raise RegisterRefused(f"no register 0x{address:X}", ExcCodes.ILLEGAL_ADDRESS)
        return self.values[address]

    def write_register(self, address: int, value: int) -> None:
        if address in self.refuse_writes:
            raise RegisterRefused(f"write of 0x{address:X} refused", self.refuse_writes[address])
        if address not in self.values:
            raise RegisterRefused(f"no register 0x{address:X}", ExcCodes.ILLEGAL_ADDRESS)
        self.values[address] = value


@dataclass(frozen=True, slots=True)
class WriteRecord:
    address: int
    value: int
    time: float  # time.perf_counter() when the server received it
    accepted: bool


class WriteRecorder:
    """Every write the server received, in order, with its arrival time; thread-safe."""

    def __init__(self) -> None:
        self._records: list[WriteRecord] = []
        self._changed = threading.Condition()

    def add(self, record: WriteRecord) -> None:
        with self._changed:
            self._records.append(record)
            self._changed.notify_all()

    def records(self) -> list[WriteRecord]:
        with self._changed:
            return list(self._records)

    def writes(self) -> list[tuple[int, int]]:
        """(address, value) of every write received, accepted or not."""
        return [(r.address, r.value) for r in self.records()]

    def clear(self) -> None:
        with self._changed:
            self._records.clear()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait (real seconds) until at least `count` writes have arrived."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._records) >= count, timeout)

    def first_after(self, t: float) -> WriteRecord | None:
        return next((r for r in self.records() if r.time >= t), None)

    def time_to_first_write(self, action: Callable[[], object], timeout: float = 5.0) -> float:
        """Seconds from calling `action` to the first write it causes arriving here (benchmarks).

        `action` may return before the write (a command queued to an engine): this waits for it.
        """
        before = len(self.records())
        began = time.perf_counter()
        action()
        if not self.wait_for(before + 1, timeout):
            raise TimeoutError(f"no Modbus write arrived within {timeout} s")
        return self.records()[before].time - began


def _code(exc: Exception, default: ExcCodes) -> ExcCodes:
    code = getattr(exc, "exception_code", None)
    try:
        return ExcCodes(code) if code is not None else default
    except ValueError:
        return ExcCodes.DEVICE_FAILURE


class ModbusServerThread:
    """Serves `bank` as Modbus unit `device_id` on host:port (port 0 = any free port) until close().

    `lock` (shared with whoever advances a simulation) is held around every bank call; `before_access`
    runs under it first (the sim-devices server brings the simulated charger up to the present there).
    """

    def __init__(
        self,
        bank: RegisterBank,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        device_id: int = 1,
        lock: threading.Lock | threading.RLock | None = None,
        before_access: Callable[[], None] | None = None,
        recorder: WriteRecorder | None = None,
    ) -> None:
        self.bank = bank
        self.host = host
        self.port = port
        self.device_id = device_id
        self.recorder = recorder if recorder is not None else WriteRecorder()
        self._lock = lock
        self._before_access = before_access
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: ModbusTcpServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 5.0) -> ModbusServerThread:
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name=f"modbus-server-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("Modbus server did not start in time")
        if self._error is not None:
            raise OSError(f"cannot serve Modbus on {self.host}:{self.port}: {self._error}")
        return self

    def close(self, timeout: float = 5.0) -> None:
        loop, server = self._loop, self._server
        if loop is not None and server is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(server.shutdown(), loop).result(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> ModbusServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()
            self._loop = None

    async def _serve(self) -> None:
        device = SimDevice(
            id=self.device_id,
            simdata=[SimData(0, count=REGISTER_SPAN, values=0, datatype=DataType.REGISTERS)],
            action=self._action,
        )
        try:
            self._server = ModbusTcpServer(device, address=(self.host, self.port))
            await self._server.serve_forever(background=True)
            self.port = self._server.transport.sockets[0].getsockname()[1]
        except BaseException as exc:  # reported to start() in the caller's thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._server.serving

    async def _action(self, function_code: int, start_address: int, address: int, count: int,
                      registers: list[int], values: list[int] | None) -> ExcCodes | None:
        """pymodbus calls this on every access; reads are filled from the bank, writes go to it."""
        if values is None and function_code in WRITE_CODES:
            return None  # pymodbus reading back what was just written, for the echo reply
        with self._lock if self._lock is not None else nullcontext():
            if self._before_access is not None:
                self._before_access()
            if values is None:
                for offset in range(count):
                    try:
                        value = self.bank.read_register(address + offset)
                    except Exception as exc:
                        return _code(exc, ExcCodes.ILLEGAL_ADDRESS)
                    registers[address + offset - start_address] = int(value) & 0xFFFF
                return None
            for offset, value in enumerate(values):
                received = time.perf_counter()
                try:
                    self.bank.write_register(address + offset, int(value))
                except Exception as exc:
                    self.recorder.add(WriteRecord(address + offset, int(value), received, False))
                    return _code(exc, ExcCodes.ILLEGAL_VALUE)
                self.recorder.add(WriteRecord(address + offset, int(value), received, True))
        return None
