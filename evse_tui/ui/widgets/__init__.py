"""The main screen's panels: each renders one part of a Snapshot and redraws only when that part changes."""

from evse_tui.ui.widgets.battery import BatteryPanel
from evse_tui.ui.widgets.header import HeaderBar, TroubleBanner
from evse_tui.ui.widgets.keybar import KeyBar
from evse_tui.ui.widgets.log import LogPanel
from evse_tui.ui.widgets.power import PowerChart, PowerPanel
from evse_tui.ui.widgets.schedule import SchedulePanel
from evse_tui.ui.widgets.today import TodayPanel

__all__ = [
    "BatteryPanel",
    "HeaderBar",
    "KeyBar",
    "LogPanel",
    "PowerChart",
    "PowerPanel",
    "SchedulePanel",
    "TodayPanel",
    "TroubleBanner",
]
