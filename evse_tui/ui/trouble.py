"""What is wrong right now, in words, from a snapshot: the banner's lines and the notifications' keys.

Each trouble has a stable `kind` so the app can notify once when it appears, while its text (an age,
a count) may change every second without a new notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evse_tui.engine.snapshot import Snapshot
from evse_tui.ui.format import seconds

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Trouble:
    kind: str
    text: str
    severity: Severity
    notify: bool = True


def troubles(snap: Snapshot, extra_age_s: float = 0.0) -> list[Trouble]:
    """The troubles a snapshot shows; `extra_age_s` is how long ago it arrived (ages grow while none come)."""
    found: list[Trouble] = []
    if snap.comms_failure:
        why = f": {snap.charger_error}" if snap.charger_error else ""
        found.append(Trouble("comms", f"COMMS FAILURE — the charger stopped answering{why}", "error"))
    if snap.failsafe:
        found.append(Trouble("failsafe", f"FAIL-SAFE PAUSE — {snap.failsafe}", "error"))
    if snap.meter_age_s is None:
        found.append(Trouble("no-reading", "waiting for the first meter reading", "information", notify=False))
    else:
        age = snap.meter_age_s + extra_age_s
        if snap.meter_stale or age > 10:
            why = f" ({snap.meter_error})" if snap.meter_error else ""
            found.append(Trouble("stale", f"METER STALE — last reading {seconds(age)} old{why}", "warning"))
    for warning in snap.warnings:
        severity: Severity = "warning"
        kind = "warning:" + warning
        if warning.startswith("InfluxDB back"):
            kind, severity = "influx-back", "information"
        elif "influx" in warning.lower():
            kind = "influx"  # its wording changes as the outage goes on; one notification is enough
        found.append(Trouble(kind, warning, severity))
    return found
