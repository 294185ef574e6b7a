"""Energy bookkeeping per channel: totals since start, half-hour deltas, and today's money."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from evse_tui.drivers.base import ChannelReading
from evse_tui.engine.snapshot import EnergyToday
from evse_tui.tariffs.base import Tariff

MAX_GAP_S = 10.0  # do not integrate power across a longer gap in readings


@dataclass(slots=True)
class ChannelEnergy:
    """Import and export Wh of one channel, counted from the meter's own totals when it has them."""

    import_wh: float = 0.0
    export_wh: float = 0.0
    _last_import: float | None = None
    _last_export: float | None = None

    def add(self, reading: ChannelReading, dt: float) -> tuple[float, float]:
        """Count one reading; returns the (import, export) Wh it added."""
        imp = exp = 0.0
        if reading.import_wh is not None and reading.export_wh is not None:
            if self._last_import is not None and self._last_export is not None:
                imp = max(0.0, reading.import_wh - self._last_import)
                exp = max(0.0, reading.export_wh - self._last_export)
                if imp > 10_000 or exp > 10_000:  # a meter reset or replaced device: skip, don't invent energy
                    imp = exp = 0.0
            self._last_import, self._last_export = reading.import_wh, reading.export_wh
        elif 0 < dt <= MAX_GAP_S:
            wh = reading.power_w * dt / 3600.0
            imp, exp = (wh, 0.0) if wh > 0 else (0.0, -wh)
        self.import_wh += imp
        self.export_wh += exp
        return imp, exp


@dataclass(slots=True)
class EnergyBook:
    """Totals since start and since the last half hour, per channel name."""

    since_start: dict[str, ChannelEnergy] = field(default_factory=dict)
    half_hour_marks: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, name: str, reading: ChannelReading, dt: float) -> tuple[float, float]:
        counter = self.since_start.get(name)
        if counter is None:
            counter = self.since_start[name] = ChannelEnergy()
        return counter.add(reading, dt)

    def half_hour_lines(self) -> tuple[str, str]:
        """The ENERGY (since start) and DELTA (since the last half hour) log lines; moves the mark."""
        energy, delta = [], []
        for name, counter in self.since_start.items():
            last_imp, last_exp = self.half_hour_marks.get(name, (0.0, 0.0))
            energy.append(f"{name} import={counter.import_wh:.1f}Wh export={counter.export_wh:.1f}Wh")
            delta.append(f"{name} import={counter.import_wh - last_imp:.1f}Wh export={counter.export_wh - last_exp:.1f}Wh")
            self.half_hour_marks[name] = (counter.import_wh, counter.export_wh)
        return "ENERGY " + "; ".join(energy), "DELTA " + "; ".join(delta)

    def to_json(self) -> dict:
        return {
            name: {"import_wh": round(c.import_wh, 3), "export_wh": round(c.export_wh, 3)}
            for name, c in self.since_start.items()
        }

    @classmethod
    def from_json(cls, data: object) -> EnergyBook:
        book = cls()
        if isinstance(data, dict):
            for name, values in data.items():
                if isinstance(values, dict):
                    book.since_start[str(name)] = ChannelEnergy(
                        float(values.get("import_wh", 0.0)), float(values.get("export_wh", 0.0))
                    )
                    book.half_hour_marks[str(name)] = (book.since_start[str(name)].import_wh, book.since_start[str(name)].export_wh)
        return book


@dataclass(frozen=True, slots=True)
class DayLedger:
    """Today's grid energy and money; a new local day starts from zero."""

    day: date
    today: EnergyToday = EnergyToday()

    def add(
        self, local: datetime, tariff: Tariff, grid_import_wh: float, grid_export_wh: float, evse_in_wh: float, evse_out_wh: float
    ) -> DayLedger:
        ledger = self if local.date() == self.day else DayLedger(local.date())
        cost, credit = tariff.cost(grid_import_wh, grid_export_wh, local)
        t = ledger.today
        return DayLedger(
            ledger.day,
            replace(
                t,
                import_wh=t.import_wh + grid_import_wh,
                export_wh=t.export_wh + grid_export_wh,
                cost_p=t.cost_p + cost,
                credit_p=t.credit_p + credit,
                evse_charged_wh=t.evse_charged_wh + evse_in_wh,
                evse_discharged_wh=t.evse_discharged_wh + evse_out_wh,
            ),
        )

    def to_json(self) -> dict:
        t = self.today
        return {
            "day": self.day.isoformat(),
            "import_wh": t.import_wh,
            "export_wh": t.export_wh,
            "cost_p": t.cost_p,
            "credit_p": t.credit_p,
            "evse_charged_wh": t.evse_charged_wh,
            "evse_discharged_wh": t.evse_discharged_wh,
        }

    @classmethod
    def from_json(cls, data: object, today: date) -> DayLedger:
        if not isinstance(data, dict) or data.get("day") != today.isoformat():
            return cls(today)
        fields = ("import_wh", "export_wh", "cost_p", "credit_p", "evse_charged_wh", "evse_discharged_wh")
        return cls(today, EnergyToday(**{f: float(data.get(f, 0.0)) for f in fields}))
