"""A simulated day in SMART for one tariff: what it cost and when the car charged from the grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine.simulate import Simulation, simulation

PROBE_S = 60  # SMART charges at 3 A until the car reports its SoC; this is how long that may take


@dataclass(frozen=True, slots=True)
class TariffDay:
    tariff: str
    day: str
    weather: str
    cost_p: float
    credit_p: float
    import_kwh: float
    export_kwh: float
    charged_kwh: float
    discharged_kwh: float
    soc_start: float
    soc_end: float
    grid_charge_outside_cheap_wh: float  # grid energy that went into the car outside cheap periods, after the probe

    @property
    def net_p(self) -> float:
        return self.cost_p - self.credit_p


def run_tariff_day(tariff: str, day: datetime, *, soc: float = 40.0, weather: str = "none", seed: int = 1) -> TariffDay:
    sim = simulation(day, ModeCommand(Mode.SMART), tariff=tariff, soc=soc, weather=weather, seed=seed)
    outside_wh = 0.0
    start = sim.clock.monotonic()

    def watch(s: Simulation) -> None:
        nonlocal outside_wh
        home = s.home
        if home.evse_w > 100 and home.grid_w > 0 and s.clock.monotonic() - start > PROBE_S:
            if not s.engine.tariff.is_off_peak(s.clock.now()):
                outside_wh += min(home.grid_w, home.evse_w) / 3600

    sim.run(86400, watch)
    today, q = sim.engine.book.ledger.today, sim.home.quasar
    return TariffDay(
        tariff=sim.engine.tariff_name,
        day=day.date().isoformat(),
        weather=weather,
        cost_p=today.cost_p,
        credit_p=today.credit_p,
        import_kwh=today.import_wh / 1000,
        export_kwh=today.export_wh / 1000,
        charged_kwh=q.charged_wh / 1000,
        discharged_kwh=q.discharged_wh / 1000,
        soc_start=soc,
        soc_end=q.soc,
        grid_charge_outside_cheap_wh=outside_wh,
    )
