"""The harness the reliability and fault tests share (this module holds no tests).

`Program` runs the real `evse-tui` in a child process and reads its status lines as they come;
`SlowModbusProxy` sits between the program and a Modbus server and delays the server's answers;
`listening_sockets` tells which TCP ports a process listens on, from /proc.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXIT_WITHIN_S = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Program:
    """`python -m evse_tui ARGS` with piped stdin and stdout; stdout lines are collected by a thread."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "evse_tui", *args],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.err: list[str] = []
        self._seen = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            with self._seen:
                into.append(line.rstrip("\n"))
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, pattern: str, timeout: float, *, after: int = 0) -> tuple[int, str]:
        """The (index, line) of the first stdout line from `after` on matching `pattern`; fails after `timeout`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for index in range(after, len(self.lines)):
                    if regex.search(self.lines[index]):
                        return index, self.lines[index]
                after = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not any(r.is_alive() for r in self._readers)):
                    raise AssertionError(
                        f"no line matching {pattern!r} within {timeout} s; exit status {self.proc.poll()}\n"
                        + self.transcript()
                    )
                self._seen.wait(min(left, 0.2))

    def command(self, line: str, timeout: float = 10.0) -> str:
        """Send a console command and return its `ok: ...` or `refused: ...` answer."""
        mark = len(self.lines)
        self.send(line)
        return self.wait_for(r"^(ok|refused): ", timeout, after=mark)[1]

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def close(self) -> None:
        """Make sure the child is gone (test teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for reader in self._readers:
            reader.join(5)
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    def transcript(self) -> str:
        with self._seen:
            return "stdout:\n" + "\n".join(self.lines[-40:]) + "\nstderr:\n" + "\n".join(self.err[-40:])


def write_config(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def device_config(modbus_port: int, http_port: int, *, secondary_port: int | None = None, **sections) -> dict:
    """A config.yaml for the real program pointing at loopback devices (grid primary.1, EVSE primary.2)."""
    shelly: dict = {
        "primary_url": f"127.0.0.1:{http_port}",
        "grid": {"device": "primary", "channel": 1},
        "evse": {"device": "primary", "channel": 2},
    }
    if secondary_port is not None:
        shelly["secondary_url"] = f"127.0.0.1:{secondary_port}"
        shelly["channels"] = {"secondary.1": "heatpump", "secondary.2": "solar"}
    data: dict = {
        "wallbox": {"url": f"127.0.0.1:{modbus_port}"},
        "shelly": shelly,
        "logging": {"file_level": "DEBUG", "console_level": "WARNING"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return data


def log_text(data_dir: Path, prefix: str = "evse") -> str:
    """Every log file of the data folder, oldest rotation first."""
    logs = data_dir / "logs"
    files = sorted(logs.glob(f"{prefix}.log.*"), key=lambda p: -int(p.suffix[1:])) + [logs / f"{prefix}.log"]
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in files if p.exists())


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket process `pid` listens on (IPv4 and IPv6), from /proc."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            cols = row.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state != "0A" or inode not in inodes:  # 0A = LISTEN
                continue
            host_hex, port_hex = local.split(":")
            found.append((_address(host_hex, width), int(port_hex, 16)))
    return found


def _address(host_hex: str, width: int) -> str:
    raw = bytes.fromhex(host_hex)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


class SlowModbusProxy:
    """A loopback TCP proxy for Modbus TCP that holds each answer `delay_s` before passing it on.

    Requests go through at once (the server acts on them); only the answers are late, which is what a
    charger's overloaded Modbus module does. `delay_s` can be changed at any time; `writes_seen` counts
    write requests (function 6 or 16) passed on, with the register and value of each.
    """

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.delay_s = 0.0
        self.writes_seen: list[tuple[int, int]] = []
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="modbus-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        with self._lock:
            self._conns += [client, server]
        try:
            while not self._stop.is_set():
                request = _read_frame(client, self._stop)
                if request is None:
                    return
                function = request[7]
                if function in (6, 16) and len(request) >= 12:
                    address, value = struct.unpack(">HH", request[8:12])
                    with self._lock:
                        self.writes_seen.append((address, value))
                server.sendall(request)
                answer = _read_frame(server, self._stop)
                if answer is None:
                    return
                if self._stop.wait(self.delay_s):
                    return
                client.sendall(answer)
        except OSError:
            return
        finally:
            client.close()
            server.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
        self._thread.join(2)


def _read_frame(sock: socket.socket, stop: threading.Event) -> bytes | None:
    """One Modbus TCP frame (MBAP header + PDU), or None when the peer closed or `stop` was set."""
    header = _read_exact(sock, 7, stop)
    if header is None:
        return None
    length = struct.unpack(">H", header[4:6])[0]
    body = _read_exact(sock, length - 1, stop)
    return None if body is None else header + body


def _read_exact(sock: socket.socket, count: int, stop: threading.Event) -> bytes | None:
    data = b""
    while len(data) < count:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if stop.is_set():
            return None
        if not ready:
            continue
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data
