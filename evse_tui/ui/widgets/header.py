"""The top line (mode, tariff period and rates, charger state, clock) and the trouble banner under it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.format import CHARGING, DISCHARGING, seconds
from evse_tui.ui.trouble import Trouble

_STATE_STYLES = {
    "CHARGING": CHARGING,
    "DISCHARGING": DISCHARGING,
    "COMMS FAILURE": "bold white on red",
    "ERROR / WAITING": "bold red",
    "DISCONNECTED": "dim",
    "PAUSED": "",
}

_PERIOD_STYLES = {"off-peak": "green", "peak": "bold red"}


class HeaderBar(Widget):
    """`SMART · COSY │ peak 39.3p in · 15.0p out │ CHARGING │ 14:03:22`: what the owner checks first."""

    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: Snapshot | None = None
        self.quiet_s = 0.0
        self.note = ""
        self._key: Any = None

    def show(self, snap: Snapshot, quiet_s: float = 0.0, note: str = "") -> None:
        """`quiet_s`: seconds since this snapshot arrived (shown once updates stop coming)."""
        self.snapshot, self.quiet_s, self.note = snap, quiet_s, note
        key = (snap.mode_text, snap.period, snap.import_rate_p, snap.export_rate_p, snap.tariff,
               snap.charger_state_name, snap.time.replace(microsecond=0), round(quiet_s), note)
        if key != self._key:
            self._key = key
            self.refresh()

    def render(self) -> Text:
        snap = self.snapshot
        width = self.content_size.width
        if snap is None:
            return Text(" starting…")
        mode = Text(f" {snap.mode_text} ", style="bold reverse")
        rates = Text(" ")
        if not snap.mode_text.startswith("SMART"):
            rates.append(f"{snap.tariff} ", "dim")
        rates.append(snap.period, _PERIOD_STYLES.get(snap.period, ""))
        rates.append(f" {snap.import_rate_p:.1f}p in · {snap.export_rate_p:.1f}p out ")
        state = Text(f" {snap.charger_state_name} ", style=_STATE_STYLES.get(snap.charger_state_name, "bold"))
        clock = Text(f"{snap.time:%H:%M:%S} ")
        if self.quiet_s >= 3:
            clock = Text(f"{snap.time:%H:%M:%S} (no update for {seconds(self.quiet_s)}) ", style="bold yellow")
        if self.note:
            clock = Text(f"{self.note} ", style="bold yellow")
        left = Text.assemble(mode, Text("│", "dim"), rates, Text("│", "dim"), state)
        gap = width - left.cell_len - clock.cell_len
        if gap < 1:
            # narrow: the rates give way first, then the state; the mode and the clock always stay
            left = Text.assemble(mode, Text("│", "dim"), state)
            gap = width - left.cell_len - clock.cell_len
        line = left + Text(" " * max(1, gap)) + clock
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis")
        return line


class TroubleBanner(Widget):
    """One line per trouble, coloured by severity; hidden when all is well."""

    DEFAULT_CSS = """
    TroubleBanner {
        height: auto;
        max-height: 4;
        display: none;
        background: $panel;
    }
    TroubleBanner.-shown {
        display: block;
    }
    """

    _STYLES = {"error": "bold white on red", "warning": "bold black on yellow", "information": "italic"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[Trouble, ...] = ()

    MAX_LINES = 4

    def show(self, items: list[Trouble]) -> None:
        if len(items) > self.MAX_LINES:  # keep the panels on screen: fold the rest into one line
            rest = items[self.MAX_LINES - 1 :]
            worst = "error" if any(t.severity == "error" for t in rest) else "warning"
            summary = Trouble("more", f"and {len(rest)} more: " + " · ".join(t.text for t in rest), worst)
            items = items[: self.MAX_LINES - 1] + [summary]
        items_t = tuple(items)
        if items_t == self.items:
            return
        self.items = items_t
        self.set_class(bool(items_t), "-shown")
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        return len(self.items)

    def render(self) -> Text:
        width = self.content_size.width
        lines = []
        for item in self.items:
            mark = {"error": "✖", "warning": "⚠", "information": "…"}[item.severity]
            line = Text(f" {mark} {item.text}".ljust(width), style=self._STYLES[item.severity])
            line.no_wrap = True
            line.truncate(width, overflow="ellipsis")
            lines.append(line)
        return Text("\n").join(lines)
