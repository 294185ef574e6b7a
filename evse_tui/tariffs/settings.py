"""The settings a tariff accepts under `tariffs.<NAME>` in config.yaml, checked with clear messages.

Each tariff module declares its settings (name, kind, default as written in config.yaml) in a
`TariffSpec`; this module turns the owner's raw values into checked ones and names any bad value with
its dotted key, e.g. `tariffs.COSY.peak_import`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evse_tui.config.errors import ConfigError
from evse_tui.tariffs.base import Tariff
from evse_tui.tariffs.periods import ClockRange, parse_clock_time

MIN_RATE_P = -100.0
MAX_RATE_P = 1000.0


class Kind(StrEnum):
    RATE = "rate"  # pence per kWh
    TIMES = "times"  # one "HH:MM-HH:MM" or a list of them
    TIME = "time"  # one "HH:MM"


@dataclass(frozen=True, slots=True)
class Setting:
    kind: Kind
    default: object  # as the owner would write it in config.yaml
    help: str
    may_be_empty: bool = False  # TIMES only: an empty list means "none"


@dataclass(frozen=True, slots=True)
class TariffSpec:
    """What the registry needs to know about one tariff: its name, settings and how to build it."""

    name: str
    title: str
    aliases: tuple[str, ...]
    settings: Mapping[str, Setting]
    build: Callable[[Mapping[str, Any]], Tariff]  # from checked values (see `check_settings`)


def check_settings(spec: TariffSpec, raw: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Checked values for every setting of `spec` (defaults filled in) and warnings for unknown keys.

    Rates become floats, TIMES a tuple of ClockRange, TIME a minute of the day. A bad value raises
    ConfigError naming `tariffs.<NAME>.<key>` and what is allowed.
    """
    prefix = f"tariffs.{spec.name}"
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(prefix, raw, f"must be a mapping of settings ({', '.join(spec.settings)})")
    warnings = []
    for key in raw:
        if key not in spec.settings:
            warnings.append(f"unknown key {prefix}.{key} ignored (known: {', '.join(spec.settings)})")
    values: dict[str, Any] = {}
    for key, setting in spec.settings.items():
        value = raw.get(key, setting.default)
        values[key] = _check(f"{prefix}.{key}", value, setting)
    return values, warnings


def _check(key: str, value: object, setting: Setting) -> Any:
    if setting.kind is Kind.RATE:
        return _check_rate(key, value)
    if setting.kind is Kind.TIME:
        return _check_time(key, value)
    return _check_times(key, value, setting.may_be_empty)


def _check_rate(key: str, value: object) -> float:
    allowed = f"must be a number of pence per kWh from {MIN_RATE_P:g} to {MAX_RATE_P:g}, e.g. 12.9"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, value, allowed)
    if not math.isfinite(value) or not MIN_RATE_P <= value <= MAX_RATE_P:
        raise ConfigError(key, value, allowed)
    return float(value)


def _check_time(key: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ConfigError(
            key, value, 'must be a time "HH:MM" in quotes (YAML reads an unquoted 19:00 as the number 1140)'
        )
    if not isinstance(value, str):
        raise ConfigError(key, value, 'must be a time "HH:MM", e.g. "19:00"')
    try:
        return parse_clock_time(value)
    except ValueError as exc:
        raise ConfigError(key, value, f"must be a time 00:00..23:59 ({exc})") from None


def _check_times(key: str, value: object, may_be_empty: bool) -> tuple[ClockRange, ...]:
    allowed = 'must be a time range "HH:MM-HH:MM" or a list of them, e.g. ["04:00-07:00", "22:00-24:00"]'
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ConfigError(key, value, allowed)
    if not items and not may_be_empty:
        raise ConfigError(key, value, "must name at least one time range \"HH:MM-HH:MM\"")
    ranges = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(key, value, allowed)
        try:
            ranges.append(ClockRange.parse(item))
        except ValueError as exc:
            raise ConfigError(key, value, f"{allowed} ({exc})") from None
    return tuple(ranges)
