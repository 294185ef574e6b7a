"""Pictures of the screen pinned with pytest-textual-snapshot, from fixed snapshots (never wall time).

Update deliberately with `pytest tests/test_ui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from test_ui_support import fixed_snapshot
from textual.widgets import Input

from evse_tui.ui.app import EvseApp

TROUBLE = dict(
    comms_failure=True,
    charger_state_name="COMMS FAILURE",
    charger_error="no answer from the charger",
    meter_age_s=23.0,
    meter_stale=True,
    meter_error="timeout",
    failsafe="meter reading 23 s old: holding the charger at 0 A until fresh readings return",
    warnings=("InfluxDB unreachable since 17:00 (12 points buffered)",),
)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(EvseApp(snapshot=fixed_snapshot()), terminal_size=(80, 24))


def test_main_screen_120x40(snap_compare):
    assert snap_compare(EvseApp(snapshot=fixed_snapshot()), terminal_size=(120, 40))


def test_main_screen_with_trouble_80x24(snap_compare):
    assert snap_compare(EvseApp(snapshot=fixed_snapshot(**TROUBLE)), terminal_size=(80, 24))


def test_schedule_form_with_validation_errors_80x24(snap_compare):
    async def fill_in_wrongly(pilot):
        await pilot.press("a")
        screen = pilot.app.screen
        screen.query_one("#when", Input).value = "2026-01-14 09:00"
        screen.query_one("#mode", Input).value = "fly"
        screen.query_one("#min_soc", Input).value = "60"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(EvseApp(snapshot=fixed_snapshot()), terminal_size=(80, 24), run_before=fill_in_wrongly)
