"""A simulated winter day per tariff: the car charges from the grid in the cheap periods only."""

from datetime import datetime

import pytest

from evse_tui.engine.tariff_day import run_tariff_day


@pytest.mark.parametrize("tariff", ["OCTGO", "COSY", "FLUX"])
def test_smart_charges_in_cheap_periods_only_and_reports_the_cost(tariff):
    day = run_tariff_day(tariff, datetime(2026, 1, 20), soc=40)
    assert day.grid_charge_outside_cheap_wh < 1.0  # no grid energy into the car outside cheap periods
    assert day.charged_kwh > 3  # it did charge, in the cheap periods
    assert day.cost_p > 0 and day.import_kwh > 0
    assert day.soc_end > 25  # never drained below the strategies' reserve
