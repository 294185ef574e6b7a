"""Atomic writes and careful reads of the files the owner must never lose.

A write goes to a temporary file in the same folder, is fsynced, then renamed over the old file, so
a kill or power cut at any moment leaves either the old or the new file, never a truncated one.
A file that does not parse is moved aside (never silently emptied) so the owner can look at it.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace `path` with `text` atomically; the file gets permission `mode`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def atomic_write_json(path: Path, data: Any, mode: int = 0o600) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n", mode)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def quarantine(path: Path, now: datetime) -> Path:
    """Move a bad file aside as `<name>.corrupt-<timestamp>` and return the new path."""
    target = path.with_name(f"{path.name}.corrupt-{now.strftime('%Y%m%dT%H%M%S')}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{now.strftime('%Y%m%dT%H%M%S')}-{n}")
    os.replace(path, target)
    return target


def load_json_or_quarantine(path: Path, now: datetime) -> tuple[Any | None, str | None]:
    """(data, None) for a good file; (None, None) when absent; (None, problem) when it was moved aside."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"could not read {path}: {exc.strerror or exc}"
    try:
        return json.loads(text), None
    except ValueError as exc:
        moved = quarantine(path, now)
        return None, f"{path.name} was corrupt ({exc}); moved aside to {moved.name}"
