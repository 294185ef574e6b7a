"""The newest INFO-and-higher log lines, coloured by level, newest at the bottom."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.widgets.base import SnapshotPanel

_LEVEL_STYLES = {" WARNING ": "yellow", " ERROR ": "bold red", " CRITICAL ": "bold red"}


def log_line(line: str) -> Text:
    for word, style in _LEVEL_STYLES.items():
        if word in line:
            return Text(line, style)
    text = Text(line)
    text.highlight_words([" INFO "], "dim")
    return text


class LogPanel(SnapshotPanel):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.local: list[str] = []  # lines the screen adds itself (e.g. a control loop restart)

    def add_local(self, line: str) -> None:
        self.local = (self.local + [line])[-5:]
        self._key = None
        if self.snapshot is not None:
            self.show(self.snapshot)

    def view_key(self, snap: Snapshot) -> Any:
        return (snap.log_lines[-1:], len(snap.log_lines), tuple(self.local))

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        source = list(snap.log_lines) + self.local
        if not source:
            return [Text("no log lines yet", "dim italic")]
        return [log_line(line) for line in source[-height:]]
