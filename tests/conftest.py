"""Shared fixtures: a manual clock and an engine on scripted devices."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from evse_tui.clock import LONDON, ManualClock  # noqa: E402
from victoria_server import victoria  # noqa: E402,F401  (a real InfluxDB-compatible server, for any test)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 14, 12, 0, 0, tzinfo=LONDON))


@pytest.fixture(autouse=True)
def _fresh_evse_logging():
    """Each test starts with `evse_tui` logging as Python leaves it (propagating, so caplog sees it),
    and whatever a test's `setup_logging` attached is taken away again afterwards."""
    logger = logging.getLogger("evse_tui")
    saved = logger.propagate, logger.level, list(logger.handlers)
    logger.propagate = True
    yield
    for handler in logger.handlers:
        if handler not in saved[2]:
            handler.close()
    logger.propagate, logger.level, logger.handlers[:] = saved[0], saved[1], saved[2]
