"""Time-of-use tariff strategies for SMART mode."""
