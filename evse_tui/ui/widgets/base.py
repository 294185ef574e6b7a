"""A panel that draws one part of a snapshot at its current size, and asks for a redraw only when
what it shows has changed (a slow SSH link then carries only the lines that moved)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from evse_tui.engine.snapshot import Snapshot


class SnapshotPanel(Widget):
    """Subclasses implement `view_key` (what they show) and `lines` (how, at a given size)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: Snapshot | None = None
        self._key: Any = None

    def show(self, snap: Snapshot) -> None:
        self.snapshot = snap
        key = self.view_key(snap)
        if key != self._key:
            self._key = key
            self.refresh()

    def view_key(self, snap: Snapshot) -> Any:
        return snap

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        raise NotImplementedError

    def render(self) -> Text:
        snap = self.snapshot
        width, height = self.content_size.width, self.content_size.height
        if snap is None or width <= 0 or height <= 0:
            return Text("")
        lines = self.lines(snap, width, height)[:height]
        for line in lines:
            line.no_wrap = True
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join(lines)


def row(label: str, value: Text | str, width: int = 6) -> Text:
    """ "Grid   1.23 kW import": a dim label column and its value."""
    text = Text(f"{label:<{width}}", style="dim")
    text.append_text(value if isinstance(value, Text) else Text(value))
    return text
