"""`evse-tui send WORDS`: console commands for a controller that has no console (systemd, Docker).

The running controller listens on a Unix socket inside its data folder (mode 0600 in a 0700 folder), so only
its owner can talk to it and no network port is ever opened. One line in, one reply out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

from evse_tui.console import interpret
from evse_tui.engine.engine import Engine

log = logging.getLogger("evse_tui.remote")

SOCKET_NAME = "evse-tui.sock"
MAX_LINE = 1024
MAX_PATH = 107  # AF_UNIX path limit on Linux, less the terminating NUL
CLIENT_TIMEOUT_S = 10.0


class CommandSocket:
    """Serves console lines to `engine` until closed."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = Path(path)
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen; False (with a warning) when the path cannot be used, which never stops control."""
        if len(os.fsencode(self.path)) > MAX_PATH:
            log.warning("no command socket: %s is longer than a Unix socket path may be", self.path)
            return False
        try:
            if self.path.is_socket():
                self.path.unlink()  # left by a killed process; the instance lock says nobody else owns it
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old_umask = os.umask(0o177)
            try:
                server.bind(str(self.path))
            finally:
                os.umask(old_umask)
            os.chmod(self.path, 0o600)
            server.listen(4)
        except OSError as exc:
            log.warning("no command socket at %s: %s", self.path, exc.strerror or exc)
            return False
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="command-socket", daemon=True)
        self._thread.start()
        log.info("commands accepted on %s (evse-tui send ...)", self.path)
        return True

    def _serve(self) -> None:
        server = self._server
        while server is not None:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # closed
            with conn:
                try:
                    conn.settimeout(5.0)
                    line = _read_line(conn)
                    conn.sendall((self.answer(line) + "\n").encode())
                except (OSError, UnicodeDecodeError) as exc:
                    log.info("command socket: a client went away: %s", exc)

    def answer(self, line: str) -> str:
        engine = self.engine
        cfg = engine.config.wallbox
        action = interpret(line, engine.clock.now(), engine.snapshot, cfg.max_charge_current, cfg.max_discharge_current)
        replies = [action.text] if action.text else []
        if action.command is not None:
            log.info("command from evse-tui send: %s", line.strip())
            try:
                result = engine.submit(action.command).result(timeout=5)
            except TimeoutError:
                return "refused: the engine did not answer within 5 s"
            replies.append(("ok: " if result.ok else "refused: ") + result.message)
        return "\n".join(replies) or "refused: empty command"

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        server.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _read_line(conn: socket.socket) -> str:
    data = b""
    while b"\n" not in data and len(data) < MAX_LINE:
        chunk = conn.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8")


def send(path: Path, line: str) -> tuple[bool, str]:
    """Send one console line to the controller at `path`; (delivered and accepted, reply text)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(CLIENT_TIMEOUT_S)
    try:
        client.connect(str(path))
        client.sendall(line.strip().encode() + b"\n")
        chunks = []
        while True:
            chunk = client.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        client.close()
    reply = b"".join(chunks).decode("utf-8").rstrip("\n")
    return not any(row.startswith("refused") for row in reply.splitlines()), reply
