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


class PowerPanel(SnapshotPanel):
    """Signed watts with words and colours, so import/export and charge/discharge read at a glance."""

    def view_key(self, snap: Snapshot) -> Any:
        last = snap.history[-1].time if snap.history else None
        return (snap.grid_w, snap.evse_w, snap.home_w, snap.aux, snap.voltage, snap.grid_pf, last, len(snap.history))

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        home = snap.home_w
        home_words = "" if home is None else (" demand" if home >= 0 else " surplus")
        info = [
            row("Grid", Text.assemble((watts(snap.grid_w), grid_style(snap.grid_w)), f" {grid_words(snap.grid_w)}")),
            row("EVSE", Text.assemble((watts(snap.evse_w), evse_style(snap.evse_w)), f" {evse_words(snap.evse_w)}")),
            row("Home", Text.assemble((watts(home), "bold"), home_words)),
        ]
        extra = []
        if snap.aux:
            aux = Text()
            for i, channel in enumerate(snap.aux):
                if i:
                    aux.append(" · ", "dim")
                aux.append(f"{channel.name} ", "dim")
                aux.append(watts(channel.power_w).strip())
            extra.append(aux)
        volts = Text("—" if snap.voltage is None else f"{snap.voltage:.1f} V", style="")
        if snap.grid_pf is not None:
            volts.append(f"  pf {snap.grid_pf:.2f}", "dim")
        extra.append(row("Volts", volts))
        chart_rows = 0
        if height - len(info) >= 2:
            room = height - len(info) - len(extra)
            if room < 2:
                extra = extra[: max(0, height - len(info) - 2)]
                room = height - len(info) - len(extra)
            chart_rows = max(1, room // 2)
        out = info + extra
        if chart_rows:
            out += self._charts(snap, width, chart_rows)
        return out

    def _charts(self, snap: Snapshot, width: int, rows: int) -> list[Text]:
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
