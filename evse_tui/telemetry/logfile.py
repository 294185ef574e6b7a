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


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "***")
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


class LogTail(logging.Handler):
    """Keeps the recent INFO-and-higher lines for the screen's log panel."""

    def __init__(self, size: int = 200) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=size)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))

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
    redact = RedactSecrets(secrets)
    path = logs_dir / f"{cfg.file_prefix}.log"
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=cfg.max_bytes, backupCount=cfg.backup_count, encoding="utf-8"
    )
    file_handler.setLevel(cfg.file_level)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.addFilter(redact)
    root.addHandler(file_handler)
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
    tail = LogTail()
    tail.addFilter(redact)
    root.addHandler(tail)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(cfg.console_level)
        stream.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        stream.addFilter(redact)
        root.addHandler(stream)
    # Keep chatty libraries out of the owner's console; their warnings still reach the file.
    for name in ("pymodbus", "urllib3", "influxdb_client"):
        lib = logging.getLogger(name)
        lib.setLevel(logging.WARNING)
        lib.propagate = False
        lib.handlers = [file_handler]
    return tail
