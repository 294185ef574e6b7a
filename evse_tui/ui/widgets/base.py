"""A panel that draws one part of a snapshot at its current size and repaints only the lines that
changed, so a slow SSH link carries a countdown's digits rather than the whole panel each second."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.geometry import Region, Size
from textual.widget import Widget

from evse_tui.engine.snapshot import Snapshot


class SnapshotPanel(Widget):
    """Subclasses implement `view_key` (what they show) and `lines` (how, at a given size)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: Snapshot | None = None
        self._key: Any = None
        self._shown: list[Text] = []
        self._shown_size: Size | None = None

    def show(self, snap: Snapshot) -> None:
        self.snapshot = snap
        key = self.view_key(snap)
        if key == self._key:
            return
        self._key = key
        size = self.content_size
        if not self.is_mounted or size != self._shown_size or size.width <= 0:
            self.refresh()
            return
        new = self._fit(snap, size)
        old = self._shown
        if len(new) != len(old):
            self.refresh()
            return
        changed = [y for y, (a, b) in enumerate(zip(old, new)) if a != b]
        if changed:
            self.refresh(*(Region(0, y, size.width, 1) for y in changed))

    def view_key(self, snap: Snapshot) -> Any:
        return snap

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        raise NotImplementedError

    def _fit(self, snap: Snapshot, size: Size) -> list[Text]:
        lines = self.lines(snap, size.width, size.height)[: size.height]
        for line in lines:
            line.no_wrap = True
            line.truncate(size.width, overflow="ellipsis")
        return lines

    def render(self) -> Text:
        snap = self.snapshot
        size = self.content_size
        if snap is None or size.width <= 0 or size.height <= 0:
            return Text("")
        self._shown, self._shown_size = self._fit(snap, size), size
        return Text("\n").join(self._shown)


def row(label: str, value: Text | str, width: int = 6) -> Text:
    """ "Grid   1.23 kW import": a dim label column and its value."""
    text = Text(f"{label:<{width}}", style="dim")
    text.append_text(value if isinstance(value, Text) else Text(value))
    return text
