"""The Textual terminal UI: renders the engine's snapshots and turns keys into engine commands."""
