"""Every tariff by name. A new tariff is one new module with a `SPEC` plus one line in `_SPECS`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evse_tui.config.errors import ConfigError
from evse_tui.tariffs import cosy, flux, octgo
from evse_tui.tariffs.base import Tariff
from evse_tui.tariffs.settings import TariffSpec, check_settings

_SPECS: tuple[TariffSpec, ...] = (
    octgo.SPEC,
    cosy.SPEC,
    flux.SPEC,
)

_BY_WORD: dict[str, TariffSpec] = {}
for _spec in _SPECS:
    for _word in (_spec.name, *_spec.aliases):
        _BY_WORD[_word.upper()] = _spec


class UnknownTariffError(ValueError):
    """A tariff name that no module provides; the message lists the known ones."""


def tariff_names() -> tuple[str, ...]:
    """Canonical names, e.g. ("OCTGO", "COSY", "FLUX")."""
    return tuple(spec.name for spec in _SPECS)


def tariff_spec(name: str) -> TariffSpec:
    """The spec for a name or alias, any case; unknown names raise UnknownTariffError."""
    spec = _BY_WORD.get(str(name).strip().upper())
    if spec is None:
        raise UnknownTariffError(f"unknown tariff {name!r} (known: {', '.join(tariff_names())})")
    return spec


def canonical_name(name: str) -> str:
    """ "go" -> "OCTGO", "cosy" -> "COSY"; unknown names raise UnknownTariffError."""
    return tariff_spec(name).name


def make_tariff(name: str, settings: Mapping[str, Any] | None = None) -> Tariff:
    """The tariff `name` with its own settings (the mapping under `tariffs.<NAME>`), defaults otherwise.

    Bad settings raise ConfigError; unknown setting keys are ignored here (validate_tariff_settings
    reports them).
    """
    spec = tariff_spec(name)
    values, _ = check_settings(spec, settings)
    return spec.build(values)


def section_for(name: str, tariffs: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The settings for tariff `name` in a whole `tariffs:` section, whatever case or alias it uses."""
    wanted = canonical_name(name)
    for key, section in (tariffs or {}).items():
        spec = _BY_WORD.get(str(key).strip().upper())
        if spec is not None and spec.name == wanted:
            return section
    return None


def tariff_from_config(name: str, tariffs: Mapping[str, Any] | None) -> Tariff:
    """The tariff `name` built from the whole `tariffs:` section of config.yaml."""
    return make_tariff(name, section_for(name, tariffs))


def validate_tariff_settings(raw: Mapping[str, Any] | None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Check the whole `tariffs:` section of config.yaml.

    Returns the sections keyed by canonical tariff name, holding only known settings as the owner wrote
    them, and warnings for unknown tariffs and unknown settings. A bad value raises ConfigError with its
    dotted key (e.g. `tariffs.COSY.peak_import`) and what is allowed.
    """
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        raise ConfigError("tariffs", raw, f"must be a mapping from tariff name ({', '.join(tariff_names())}) to settings")
    cleaned: dict[str, dict[str, Any]] = {}
    written_as: dict[str, str] = {}
    warnings: list[str] = []
    for key, section in raw.items():
        spec = _BY_WORD.get(str(key).strip().upper())
        if spec is None:
            warnings.append(f"unknown tariff tariffs.{key} ignored (known: {', '.join(tariff_names())})")
            continue
        if spec.name in written_as:
            raise ConfigError(
                f"tariffs.{key}", section, f"is the same tariff as tariffs.{written_as[spec.name]}; give its settings once"
            )
        written_as[spec.name] = str(key)
        values, section_warnings = check_settings(spec, section)
        spec.build(values)  # cross-setting checks, e.g. peak overlapping off-peak
        warnings += section_warnings
        cleaned[spec.name] = {k: v for k, v in (section or {}).items() if k in spec.settings}
    return cleaned, warnings
