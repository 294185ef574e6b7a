"""The engine owns the control loop: read, decide, command, record."""
