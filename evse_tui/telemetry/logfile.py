"""Logging: a rotating file for the owner to grep, the console (headless), and a tail for the screen.

Every handler redacts the configured secrets, so a password or token never reaches a log line.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections import deque
from pathlib import Path

from evse_tui.config.schema import LoggingConfig

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class FastFormatter(logging.Formatter):
    """The standard format, with the timestamp text cached per second (a STATE line arrives every second)."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self._second: int | None = None
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._text = super().formatTime(record, datefmt)[:-4]  # drop the ",mmm" the default adds
        return f"{self._text},{int(record.msecs):03d}"


class RotatingLog(logging.handlers.RotatingFileHandler):
    """Rotates by size like its parent, cheaper per line, and keeps every log file private (0600)."""

    LINE_ALLOWANCE = 2048  # rotate a little early instead of formatting each line twice

    def _open(self):  # type: ignore[override]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self.stream is None:
            self.stream = self._open()
        return self.maxBytes > 0 and self.stream.tell() + self.LINE_ALLOWANCE >= self.maxBytes


class Redacting(logging.Formatter):
    """Wraps a formatter and blanks the secrets in everything it produces, tracebacks included."""

    def __init__(self, inner: logging.Formatter, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class LogTail(logging.Handler):
    """Keeps the recent INFO-and-higher lines for the screen's log panel."""

    def __init__(self, size: int = 200, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=size)
        # one line per record on screen: the message only, never a traceback
        self.setFormatter(Redacting(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"), secrets))

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.handleError(record)

    def recent(self, count: int = 50) -> tuple[str, ...]:
        lines = self.lines
        return tuple(lines)[-count:]


def setup_logging(
    cfg: LoggingConfig, logs_dir: Path, secrets: tuple[str, ...], *, console: bool
) -> LogTail:
    """Configure the `evse_tui` loggers; returns the tail handler for the screen."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("evse_tui")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    path = logs_dir / f"{cfg.file_prefix}.log"
    file_handler = RotatingLog(path, maxBytes=cfg.max_bytes, backupCount=cfg.backup_count, encoding="utf-8")
    file_handler.setLevel(cfg.file_level)
    file_handler.setFormatter(Redacting(FastFormatter(FORMAT), secrets))
    root.addHandler(file_handler)
    tail = LogTail(secrets=secrets)
    root.addHandler(tail)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(cfg.console_level)
        stream.setFormatter(Redacting(logging.Formatter("%(levelname)s %(message)s"), secrets))
        root.addHandler(stream)
    # Keep chatty libraries out of the owner's console; their warnings still reach the file. pymodbus logs
    # every timed-out request at ERROR; the Quasar driver reports failure streaks itself, once.
    for name, level in (("pymodbus", logging.CRITICAL), ("urllib3", logging.WARNING), ("influxdb_client", logging.WARNING)):
        lib = logging.getLogger(name)
        lib.setLevel(level)
        lib.propagate = False
        lib.handlers = [file_handler]
    return tail
