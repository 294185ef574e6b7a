"""The grep-able log lines of DOMAIN.md: STATE, ADJUST, CONTROL, CHANGE_SoC."""

from __future__ import annotations

from evse_tui.tariffs.base import Decision


def _w(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}W"


def state_line(
    home_w: float,
    grid_w: float,
    evse_w: float,
    aux: tuple[tuple[str, float], ...],
    voltage: float | None,
    actual: int,
    target: int,
    soc: float | None,
    charger: str,
    next_change_s: float,
) -> str:
    aux_text = ",".join(f"{name}:{watts:.0f}W" for name, watts in aux) or "-"
    volts = "-" if voltage is None else f"{voltage:.1f}V"
    soc_text = "-" if soc is None else f"{soc:.0f}%"
    return (
        f"STATE home={home_w:.0f}W grid={grid_w:.0f}W evse={evse_w:.0f}W aux={aux_text} voltage={volts} "
        f"actual={actual}A target={target}A soc={soc_text} charger={charger.replace(' ', '_')} "
        f"next_change={next_change_s:.1f}s"
    )


def control_line(mode_text: str, decision: Decision) -> str:
    low = "-" if decision.min_current is None else decision.min_current
    high = "-" if decision.max_current is None else decision.max_current
    return f"CONTROL mode={mode_text.replace(' ', '_')} state={decision.state.value} min={low} max={high} reason={decision.reason}"
