"""From the engine thread to the screen: only the newest snapshot is kept, and one wake-up at a time
is posted, so a slow screen (or a slow SSH link) never falls behind on stale readings."""

from __future__ import annotations

import threading
from textual.message import Message

from evse_tui.engine.commands import Command, CommandResult
from evse_tui.engine.snapshot import Snapshot


class SnapshotMailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: Snapshot | None = None
        self._waiting = False

    def put(self, snap: Snapshot) -> bool:
        """Keep `snap` (dropping an unread older one); True when the reader must be woken."""
        with self._lock:
            self._latest = snap
            if self._waiting:
                return False
            self._waiting = True
            return True

    def take(self) -> Snapshot | None:
        """The newest unread snapshot (None if none), and re-arm the wake-up."""
        with self._lock:
            snap, self._latest = self._latest, None
            self._waiting = False
            return snap


class SnapshotReady(Message):
    """A new snapshot waits in the mailbox."""


class CommandAnswered(Message):
    def __init__(self, command: Command, result: CommandResult) -> None:
        super().__init__()
        self.command, self.result = command, result


class EngineFailed(Message):
    """The control loop raised; it restarts after `retry_s`."""

    def __init__(self, text: str, retry_s: float) -> None:
        super().__init__()
        self.text, self.retry_s = text, retry_s


class ExitRequested(Message):
    """A signal (SIGTERM, SIGINT, SIGHUP) or the duration asks for a clean exit without a question."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
