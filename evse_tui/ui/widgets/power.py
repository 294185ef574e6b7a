"""Power now (grid, EVSE, home, named channels, voltage) and a chart of the last 5 minutes."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.format import (
    buckets,
    CHARGING,
    DISCHARGING,
    EXPORT,
    IMPORT,
    evse_style,
    evse_words,
    grid_style,
    grid_words,
    spark_rows,
    watts,
)
from evse_tui.ui.widgets.base import SnapshotPanel, row

CHART_SECONDS = 300
CHART_FLOOR_W = 1000.0  # a steady 13 W idle must not fill the chart


def _scale(top: float) -> str:
    return f"{top / 1000:.1f}k" if top >= 1000 else f"{top:.0f}"


def _value_lines(snap: Snapshot) -> list[Text]:
    home = snap.home_w
    home_words = "" if home is None else (" demand" if home >= 0 else " surplus")
    lines = [
        row("Grid", Text.assemble((watts(snap.grid_w), grid_style(snap.grid_w)), f" {grid_words(snap.grid_w)}")),
        row("EVSE", Text.assemble((watts(snap.evse_w), evse_style(snap.evse_w)), f" {evse_words(snap.evse_w)}")),
        row("Home", Text.assemble((watts(home), "bold"), home_words)),
    ]
    if snap.aux:
        aux = Text()
        for i, channel in enumerate(snap.aux):
            if i:
                aux.append(" · ", "dim")
            aux.append(f"{channel.name} ", "dim")
            aux.append(watts(channel.power_w).strip())
        lines.append(aux)
    volts = Text("—" if snap.voltage is None else f"{snap.voltage:.1f} V")
    if snap.grid_pf is not None:
        volts.append(f"  pf {snap.grid_pf:.2f}", "dim")
    lines.append(row("Volts", volts))
    return lines


class PowerPanel(SnapshotPanel):
    """Signed watts with words and colours, so import/export and charge/discharge read at a glance."""

    DEFAULT_CSS = """
    PowerPanel { height: auto; }
    """

    def show(self, snap: Snapshot) -> None:
        rows_before = len(_value_lines(self.snapshot)) if self.snapshot is not None else None
        super().show(snap)
        if rows_before != len(_value_lines(snap)):
            self.refresh(layout=True)  # a channel came or went: the chart below gets the rest

    def view_key(self, snap: Snapshot) -> Any:
        return tuple(line.plain for line in _value_lines(snap))  # what is shown, not the raw floats

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        return len(_value_lines(self.snapshot)) if self.snapshot is not None else 5

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        return _value_lines(snap)


class PowerChart(SnapshotPanel):
    """Grid and EVSE power over the last 5 minutes; redrawn when a new column's worth has arrived
    (every 10 s), not on every reading, to keep a slow link quiet."""

    REDRAW_S = 10

    DEFAULT_CSS = """
    PowerChart { height: 1fr; min-height: 2; }
    """

    def view_key(self, snap: Snapshot) -> Any:
        if not snap.history:
            return None
        return int(snap.history[-1].time // self.REDRAW_S)

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        rows = max(1, height // 2)
        since = snap.time.timestamp() - CHART_SECONDS
        points = [p for p in snap.history if p.time >= since]
        chart_w = max(0, width - 11)
        out: list[Text] = []
        for label, values, positive, negative in (
            ("grid", [p.grid_w for p in points], IMPORT, EXPORT),
            ("EVSE", [p.evse_w for p in points], CHARGING, DISCHARGING),
        ):
            columns = buckets(values, chart_w)
            top = max(CHART_FLOOR_W, max((abs(v) for v in columns), default=0.0))
            bars = spark_rows(columns, chart_w, rows, positive, negative, scale=top)
            for i, bar in enumerate(bars):
                head = Text(f"{label if i == rows - 1 else '':<5}", "dim")
                tail = Text(f" {_scale(top):>5}" if i == 0 else "", "dim")
                out.append(head + bar + tail)
        return out
