"""`evse-tui sim-devices`: the simulated charger and house served as a real Quasar and Shelly on loopback."""
