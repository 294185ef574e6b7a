"""Modal screens: confirmations, the fixed-current prompt, the tariff list, the schedule and target forms, help."""

from evse_tui.ui.screens.confirm import ConfirmScreen
from evse_tui.ui.screens.event_form import EventFormScreen
from evse_tui.ui.screens.fixed import FixedCurrentScreen
from evse_tui.ui.screens.help import HelpScreen
from evse_tui.ui.screens.tariff import TariffScreen
from evse_tui.ui.screens.target import TargetScreen

__all__ = ["ConfirmScreen", "EventFormScreen", "FixedCurrentScreen", "HelpScreen", "TariffScreen", "TargetScreen"]
