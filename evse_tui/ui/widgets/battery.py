"""The car: SoC against the charge cap, actual vs target current, the change countdown, and why."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.text import Text

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.format import seconds, soc_gauge, state_words
from evse_tui.ui.widgets.base import SnapshotPanel, row


def _amps(value: int) -> str:
    return f"{value:+d} A" if value else "0 A"


class BatteryPanel(SnapshotPanel):
    def view_key(self, snap: Snapshot) -> Any:
        old = snap.soc_age_s is not None and snap.soc_age_s > 600
        return (
            snap.soc,
            snap.max_charge_percent,
            old and round(snap.soc_age_s or 0, -1),
            snap.actual_current,
            snap.target_current,
            snap.desired_current,
            round(snap.next_change_s),
            snap.control_state,
            snap.min_current,
            snap.max_current,
            snap.reason,
        )

    def lines(self, snap: Snapshot, width: int, height: int) -> list[Text]:
        if snap.soc is None:
            soc = row("SoC", Text("unknown until the charger runs", "italic"))
        else:
            tail = Text(f" {snap.soc:3.0f}%", "bold")
            tail.append(f" cap {snap.max_charge_percent}%", "dim")
            if snap.soc_age_s is not None and snap.soc_age_s > 600:
                tail.append(f" ({seconds(snap.soc_age_s)} old)", "dim")
            gauge_w = max(4, width - 6 - tail.cell_len)
            soc = row("SoC", soc_gauge(snap.soc, snap.max_charge_percent, gauge_w) + tail)
        amps = Text.assemble((_amps(snap.actual_current), "bold"), (" actual · ", "dim"), (_amps(snap.target_current), "bold"), (" target", "dim"))
        demand = f" (demand {_amps(snap.desired_current)})"
        if snap.desired_current != snap.target_current and amps.cell_len + len(demand) <= width - 6:
            amps.append(demand, "dim")
        if snap.next_change_s > 0.5:
            wait = Text.assemble(("next change allowed in ", ""), (seconds(snap.next_change_s), "bold yellow"))
        else:
            wait = Text("a change is allowed now", "dim")
        state = Text(state_words(snap.control_state, snap.min_current, snap.max_current), "bold")
        out = [soc, row("Amps", amps), row("Wait", wait), row("State", state)]
        room = max(1, height - len(out))
        wrapped = textwrap.wrap(snap.reason, max(10, width - 6)) or [""]
        if len(wrapped) > room:
            wrapped = wrapped[: room - 1] + [" ".join(wrapped[room - 1 :])]  # the last line ends in "…"
        for i, part in enumerate(wrapped):
            out.append(row("Why" if i == 0 else "", Text(part, "italic")))
        return out
