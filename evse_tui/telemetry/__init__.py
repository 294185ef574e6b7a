"""Telemetry: what the engine records about the home (logs, history, InfluxDB)."""
