"""Where the data folder is: `--data-dir`, else `EVSE_DATA_DIR`, else `data/` at the project root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    env = os.environ.get("EVSE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return PROJECT_ROOT / "data"
    return Path.home() / ".local" / "share" / "evse-tui"  # installed without a checkout


@dataclass(frozen=True, slots=True)
class DataPaths:
    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.yaml"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def schedule_file(self) -> Path:
        return self.state_dir / "schedule.json"

    @property
    def command_socket(self) -> Path:
        return self.root / "evse-tui.sock"

    @property
    def lock_file(self) -> Path:
        return self.root / "evse-tui.lock"

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (self.config_dir, self.logs_dir, self.state_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def resolve_data_dir(flag: str | None) -> DataPaths:
    return DataPaths(Path(flag).expanduser() if flag else default_data_dir())
