"""evse-tui: run a home's bidirectional EV charger (Wallbox Quasar) from the terminal."""

__version__ = "0.1.0"
