"""What survives a restart: the owner's mode and tariff, the last good SoC, energy counters, history.

Files live in `data/state/`; each is written atomically. A write that fails (disk full, read-only
folder) is reported once and retried on the next save; control never waits on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.snapshot import HistoryPoint
from evse_tui.storage import atomic_write_json, load_json_or_quarantine

log = logging.getLogger("evse_tui.engine")

HISTORY_LENGTH = 300


def mode_to_json(command: ModeCommand | None) -> dict | None:
    if command is None:
        return None
    return {"mode": command.mode.value, "amps": command.amps, "tariff": command.tariff}


def mode_from_json(data: Any) -> ModeCommand | None:
    if not isinstance(data, dict):
        return None
    try:
        mode = Mode(data.get("mode"))
    except ValueError:
        return None
    amps = data.get("amps")
    if mode is Mode.FIXED and not isinstance(amps, int):
        return None
    tariff = data.get("tariff")
    return ModeCommand(mode, amps if isinstance(amps, int) else None, tariff if isinstance(tariff, str) else None)


@dataclass(frozen=True, slots=True)
class SavedState:
    mode: ModeCommand | None = None
    previous_mode: ModeCommand | None = None
    seen_disconnected: bool = False
    tariff: str | None = None
    soc: float | None = None
    soc_time: float | None = None  # wall epoch seconds
    energy: dict | None = None
    day: dict | None = None
    wh_per_percent: float | None = None

    def to_json(self) -> dict:
        return {
            "mode": mode_to_json(self.mode),
            "previous_mode": mode_to_json(self.previous_mode),
            "seen_disconnected": self.seen_disconnected,
            "tariff": self.tariff,
            "soc": self.soc,
            "soc_time": self.soc_time,
            "energy": self.energy or {},
            "day": self.day or {},
            "wh_per_percent": self.wh_per_percent,
        }

    @classmethod
    def from_json(cls, data: Any) -> SavedState:
        if not isinstance(data, dict):
            return cls()

        def number(key: str) -> float | None:
            value = data.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        tariff = data.get("tariff")
        return cls(
            mode=mode_from_json(data.get("mode")),
            previous_mode=mode_from_json(data.get("previous_mode")),
            seen_disconnected=bool(data.get("seen_disconnected", False)),
            tariff=tariff if isinstance(tariff, str) else None,
            soc=number("soc"),
            soc_time=number("soc_time"),
            energy=data.get("energy") if isinstance(data.get("energy"), dict) else None,
            day=data.get("day") if isinstance(data.get("day"), dict) else None,
            wh_per_percent=number("wh_per_percent"),
        )


class StateStore:
    """Reads and writes `evse_state.json` and `history.json`, reporting trouble once."""

    def __init__(self, state_dir: Path) -> None:
        self.state_path = Path(state_dir) / "evse_state.json"
        self.history_path = Path(state_dir) / "history.json"
        self.problems: list[str] = []  # what went wrong while loading, for the log and the screen
        self._failing: str | None = None

    def load(self, now: datetime) -> tuple[SavedState, list[HistoryPoint]]:
        data, problem = load_json_or_quarantine(self.state_path, now)
        if problem:
            self.problems.append(problem)
        history_data, problem = load_json_or_quarantine(self.history_path, now)
        if problem:
            self.problems.append(problem)
        return SavedState.from_json(data), _history_from_json(history_data)

    def save(self, state: SavedState, history: Iterable[HistoryPoint]) -> bool:
        """Write both files; returns False (after one warning per failure streak) when it could not."""
        try:
            atomic_write_json(self.state_path, state.to_json())
            atomic_write_json(self.history_path, [_point_to_json(p) for p in history])
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if self._failing is None:
                log.warning("could not save state to %s: %s; control goes on, saving will be retried", self.state_path.parent, reason)
            self._failing = reason
            return False
        if self._failing is not None:
            log.warning("saving state works again (it failed with: %s)", self._failing)
            self._failing = None
        return True

    @property
    def failing(self) -> str | None:
        return self._failing


def _point_to_json(p: HistoryPoint) -> list:
    return [round(p.time, 3), round(p.grid_w, 1), round(p.evse_w, 1), round(p.home_w, 1), p.soc]


def _history_from_json(data: Any) -> list[HistoryPoint]:
    points: list[HistoryPoint] = []
    if not isinstance(data, list):
        return points
    for row in data[-HISTORY_LENGTH:]:
        try:
            t, grid, evse, home, soc = row
            points.append(HistoryPoint(float(t), float(grid), float(evse), float(home), None if soc is None else float(soc)))
        except (TypeError, ValueError):
            continue
    return points
