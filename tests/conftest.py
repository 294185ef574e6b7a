"""Shared fixtures: a manual clock and an engine on scripted devices."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from evse_tui.clock import LONDON, ManualClock  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 14, 12, 0, 0, tzinfo=LONDON))
