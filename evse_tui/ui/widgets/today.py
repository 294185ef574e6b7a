"""Today's grid energy and what it cost or earned at the tariff's rates, and what the car took and gave."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.format import EXPORT, IMPORT, kwh, money
from evse_tui.ui.widgets.base import SnapshotPanel, row


class TodayPanel(SnapshotPanel):
    def view_key(self, snap: Snapshot) -> Any:
        return tuple(line.plain for line in self.lines(snap, 0, 0))  # what is shown, not the raw floats

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        t = snap.today
        net = t.net_p
        net_text = Text(money(abs(net)), IMPORT if net > 0 else EXPORT)
        net_text.append(" cost" if net > 0 else " earned", "dim")
        return [
            row("In", Text.assemble((f"{kwh(t.import_wh):>10}", ""), ("  cost ", "dim"), (money(t.cost_p), IMPORT))),
            row("Out", Text.assemble((f"{kwh(t.export_wh):>10}", ""), ("  credit ", "dim"), (money(t.credit_p), EXPORT))),
            row("Net", net_text),
            row("Car", Text.assemble((f"+{kwh(t.evse_charged_wh)}", ""), (" in · ", "dim"),
                                     (f"-{kwh(t.evse_discharged_wh)}", ""), (" out", "dim"))),
            row("Next", Text(snap.next_event or "no scheduled event", "" if snap.next_event else "dim italic")),
        ]
