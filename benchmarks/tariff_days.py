"""A simulated day per tariff in SMART on the simulated house (issue 4): the day's cost and where the car's
energy came from. Prints a Markdown table for the README.

    python benchmarks/tariff_days.py
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evse_tui.engine.tariff_day import run_tariff_day  # noqa: E402

DAYS = ((datetime(2026, 1, 20), "none", "20 Jan, no sun"), (datetime(2026, 6, 10), "clear", "10 Jun, clear"))


def main() -> None:
    print("| tariff | day | import kWh | export kWh | cost £ | credit £ | net £ | car charged kWh | car gave kWh | SoC start → end | grid kWh into the car outside cheap periods |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    for tariff in ("OCTGO", "COSY", "FLUX"):
        for day, weather, label in DAYS:
            d = run_tariff_day(tariff, day, soc=40, weather=weather)
            print(
                f"| {d.tariff} | {label} | {d.import_kwh:.1f} | {d.export_kwh:.1f} | {d.cost_p / 100:.2f} | "
                f"{d.credit_p / 100:.2f} | {d.net_p / 100:.2f} | {d.charged_kwh:.1f} | {d.discharged_kwh:.1f} | "
                f"{d.soc_start:.0f} % → {d.soc_end:.0f} % | {d.grid_charge_outside_cheap_wh / 1000:.2f} |"
            )
    print(f"\n({time.perf_counter() - start:.1f} s for six simulated days)")


if __name__ == "__main__":
    main()
