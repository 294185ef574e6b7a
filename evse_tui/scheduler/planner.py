"""Plan a "reach N % by a time" target into the cheapest half hours of the active tariff.

The energy to add is the SoC gap times the battery's usable capacity. The time between now and the
deadline is cut into half hours on the wall clock (the first and last may be partial); each can add
charge power x its length. The cheapest half hours are chosen until they hold the energy (ties go to
the earlier half hour, which leaves slack before the deadline). When even all of them together cannot
hold it, the plan is to charge at full power now.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from evse_tui.scheduler.events import utc
from evse_tui.tariffs.base import Tariff

CHARGE_EFFICIENCY = 0.9  # battery energy / grid energy while charging
FULL_SOC = 97  # the Quasar stops charging here by itself
SLOT = timedelta(minutes=30)
MAX_HORIZON = timedelta(days=7)
MIN_CAPACITY_SAMPLES = 3


def battery_charge_power_w(
    max_charge_current: int, voltage: float = 230.0, efficiency: float = CHARGE_EFFICIENCY
) -> float:
    """Power reaching the battery at the max charge current: current x voltage x efficiency."""
    return max_charge_current * voltage * efficiency


def usable_capacity_kwh(configured_kwh: float, wh_per_percent: Sequence[float]) -> float:
    """The configured capacity until a few CHANGE_SoC steps were seen, then 100 x their median.

    The measured steps are energy at the meter, so they include charging losses; that overstates the
    battery a little and errs towards planning enough time.
    """
    samples = [w for w in wh_per_percent if w > 0]
    if len(samples) < MIN_CAPACITY_SAMPLES:
        return configured_kwh
    return statistics.median(samples) * 100 / 1000


def goal_soc(target_soc: int) -> int:
    """The SoC at which a target counts as reached (the charger itself stops at FULL_SOC)."""
    return min(target_soc, FULL_SOC)


@dataclass(frozen=True, slots=True)
class Slot:
    """A half hour (or part of one) of charging: when, at what import price, how much energy it adds."""

    start: datetime
    end: datetime
    import_p: float
    energy_kwh: float  # into the battery
    capacity_kwh: float  # what the whole slot could add

    def contains(self, moment: datetime) -> bool:
        return utc(self.start) <= utc(moment) < utc(self.end)

    @property
    def charge_end(self) -> datetime:
        """When the planned energy is in, if the slot is only partly needed."""
        if self.capacity_kwh <= 0:
            return self.start
        share = min(1.0, self.energy_kwh / self.capacity_kwh)
        return (utc(self.start) + (utc(self.end) - utc(self.start)) * share).astimezone(self.start.tzinfo)


@dataclass(frozen=True, slots=True)
class TargetPlan:
    """The planner's answer; `slots` are the chosen ones in time order."""

    target_soc: int
    deadline: datetime
    from_soc: float | None
    energy_kwh: float
    slots: tuple[Slot, ...]
    expected_cost_p: float | None
    charge_now: bool
    status: str  # plain words, e.g. "charge 00:30-02:19 (12.0 kWh, about £1.13)"
    message: str  # the same with the target in front, for the log and the console's reply

    @property
    def start(self) -> datetime | None:
        return self.slots[0].start if self.slots else None

    def slot_at(self, moment: datetime) -> Slot | None:
        for slot in self.slots:
            if slot.contains(moment):
                return slot
        return None

    def ranges_text(self) -> str:
        """The charging times, contiguous slots merged: "00:30-03:10" or "00:30-02:00, 04:00-04:30"."""
        ranges: list[list[datetime]] = []
        for slot in self.slots:
            if ranges and utc(ranges[-1][1]) == utc(slot.start):
                ranges[-1][1] = slot.charge_end
            else:
                ranges.append([slot.start, slot.charge_end])
        return ", ".join(f"{a:%H:%M}-{_minute_up(b):%H:%M}" for a, b in ranges)


def _minute_up(moment: datetime) -> datetime:
    """The next whole minute (or `moment` itself if whole), so "charge until" is never too early."""
    whole = moment.replace(second=0, microsecond=0)
    if whole == moment:
        return moment
    return (utc(whole) + timedelta(minutes=1)).astimezone(moment.tzinfo)


def money(pence: float) -> str:
    return f"{pence:.0f}p" if pence < 100 else f"£{pence / 100:.2f}"


def when_text(moment: datetime, now: datetime) -> str:
    """ "07:30" within the next day, else "07:30 Tue 04 Mar"."""
    if utc(moment) - utc(now) < timedelta(hours=24):
        return f"{moment:%H:%M}"
    return f"{moment:%H:%M %a %d %b}"


def half_hours(now: datetime, deadline: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) pieces (in UTC) from `now` to `deadline`, cut at every :00 and :30 of the wall clock.

    Steps are taken in UTC, so a night with a clock change has the hour less or more it really has.
    """
    boundary = utc(now) - timedelta(minutes=now.minute % 30, seconds=now.second, microseconds=now.microsecond)
    deadline = utc(deadline)
    pieces = []
    start = utc(now)
    while start < deadline:
        boundary += SLOT
        end = min(boundary, deadline)
        if end > start:
            pieces.append((start, end))
        start = end
    return pieces


def plan_target(
    now: datetime,
    from_soc: float | None,
    target_soc: int,
    deadline: datetime,
    tariff: Tariff,
    capacity_kwh: float,
    charge_power_w: float,
    efficiency: float = CHARGE_EFFICIENCY,
) -> TargetPlan:
    """The cheapest way to reach `target_soc` by `deadline` from `from_soc` (None: not known yet).

    `charge_power_w` is the power reaching the battery; the grid pays for energy / `efficiency`.
    """
    if now.tzinfo is None or deadline.tzinfo is None:
        raise ValueError("plan_target needs time-zone-aware times")
    if capacity_kwh <= 0 or charge_power_w <= 0:
        raise ValueError(f"capacity ({capacity_kwh} kWh) and charge power ({charge_power_w} W) must be positive")
    by = when_text(deadline.astimezone(now.tzinfo), now)

    def plan(energy: float, slots: tuple[Slot, ...], cost: float | None, charge_now: bool, status: str) -> TargetPlan:
        headline = f"target {target_soc}%" if charge_now else f"target {target_soc}% by {by}"
        message = f"{headline}: {status}"
        return TargetPlan(target_soc, deadline, from_soc, energy, slots, cost, charge_now, status, message)

    if from_soc is None:
        return plan(0.0, (), None, False, "waiting for the car's SoC to plan")
    goal = goal_soc(target_soc)
    energy = max(0.0, goal - from_soc) / 100 * capacity_kwh
    if energy <= 0:
        return plan(0.0, (), 0.0, False, "already reached")
    power_kw = charge_power_w / 1000
    candidates = []
    for start, end in half_hours(now, deadline):
        local = start.astimezone(now.tzinfo)
        capacity = power_kw * (end - start).total_seconds() / 3600
        candidates.append(Slot(local, end.astimezone(now.tzinfo), tariff.rates_at(local).import_p, 0.0, capacity))
    possible = sum(s.capacity_kwh for s in candidates)
    charge_now = possible < energy
    order = candidates if charge_now else sorted(candidates, key=lambda s: (s.import_p, utc(s.start)))
    chosen = []
    remaining = energy
    for slot in order:
        if remaining <= 1e-9:
            break
        take = min(slot.capacity_kwh, remaining)
        chosen.append(Slot(slot.start, slot.end, slot.import_p, take, slot.capacity_kwh))
        remaining -= take
    chosen.sort(key=lambda s: utc(s.start))
    cost = sum(s.energy_kwh / efficiency * s.import_p for s in chosen)
    if charge_now:
        status = (
            f"cannot be met by {by}: charging at full power now "
            f"(needs {energy:.1f} kWh, {possible:.1f} kWh possible)"
        )
    else:
        ranges = plan(energy, tuple(chosen), cost, False, "").ranges_text()
        status = f"charge {ranges} ({energy:.1f} kWh, about {money(cost)})"
    return plan(energy, tuple(chosen), cost, charge_now, status)
