"""Read, validate and save config.yaml.

Every bad value is reported as `section.key: value <what is allowed>`; unknown keys become warnings
that name them, so a typo never passes silently.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from evse_tui.config.errors import ConfigError
from evse_tui.config.schema import (
    ChannelRef,
    ChargingConfig,
    Config,
    InfluxConfig,
    LoggingConfig,
    ShellyConfig,
    WallboxConfig,
)
from evse_tui.storage import atomic_write_text

Validator = Callable[[str, Any], Any]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _int_range(lo: int, hi: int) -> Validator:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ConfigError(key, value, f"is not a whole number (allowed {lo}..{hi})")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigError(key, value, f"is not a whole number (allowed {lo}..{hi})") from None
        if not lo <= number <= hi:
            raise ConfigError(key, number, f"is outside {lo}..{hi}")
        return number

    return check


def _float_range(lo: float, hi: float) -> Validator:
    def check(key: str, value: Any) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(key, value, f"is not a number (allowed {lo:g}..{hi:g})") from None
        if not lo <= number <= hi:
            raise ConfigError(key, number, f"is outside {lo:g}..{hi:g}")
        return number

    return check


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ConfigError(key, value, "must be text")
    return str(value)


def _secret(key: str, value: Any) -> str:
    """Text that must never be echoed, not even in an error message."""
    if isinstance(value, (dict, list)):
        raise ConfigError(key, "(hidden)", "must be text (a password or token, in quotes)")
    return "" if value is None else str(value)


def _optional_text(key: str, value: Any) -> str | None:
    text = _text(key, value).strip()
    return text or None


def _host(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    if not text or any(c.isspace() for c in text):
        raise ConfigError(key, value, "must be a host, host:port or http://host:port")
    rest = text.split("://", 1)[1] if "://" in text else text
    rest = rest.rstrip("/")
    if rest.count(":") == 1:
        port = rest.rsplit(":", 1)[1]
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ConfigError(key, value, "has a port that is not a number in 1..65535")
    return text


def _optional_host(key: str, value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return _host(key, value)


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "yes", "on", "1"):
        return True
    if str(value).strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ConfigError(key, value, "must be true or false")


def _level(key: str, value: Any) -> str:
    text = _text(key, value).strip().upper()
    if text not in LEVELS:
        raise ConfigError(key, value, f"is not a log level (allowed {', '.join(LEVELS)})")
    return text


def _prefix(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    if not text or "/" in text or text.startswith("."):
        raise ConfigError(key, value, "must be a plain file name prefix such as evse")
    return text


def _tariff_name(key: str, value: Any) -> str:
    from evse_tui.tariffs.registry import tariff_names

    text = _text(key, value).strip().upper()
    aliases = {"GO": "OCTGO", "G": "OCTGO", "F": "FLUX"}
    text = aliases.get(text, text)
    if text not in tariff_names():
        raise ConfigError(key, value, f"is not a known tariff (allowed {', '.join(tariff_names())})")
    return text


def _channel_ref(key: str, value: Any) -> ChannelRef:
    if value is None:
        return ChannelRef()
    if not isinstance(value, Mapping):
        raise ConfigError(key, value, "must be {device: primary|secondary, channel: 1|2}")
    unknown = set(value) - {"device", "channel"}
    if unknown:
        raise ConfigError(key, value, f"has unknown keys {sorted(unknown)} (allowed device, channel)")
    device = _text(f"{key}.device", value.get("device")).strip().lower()
    channel = value.get("channel")
    if device == "":
        return ChannelRef()
    if device not in ("primary", "secondary"):
        raise ConfigError(f"{key}.device", value.get("device"), "must be primary, secondary or empty")
    return ChannelRef(device, _int_range(1, 2)(f"{key}.channel", channel))


def _channel_names(key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(key, value, 'must map "primary.2" style channels to names')
    names: dict[str, str] = {}
    for channel, name in value.items():
        device, _, number = str(channel).partition(".")
        if device not in ("primary", "secondary") or number not in ("1", "2"):
            raise ConfigError(f"{key}.{channel}", name, "names a channel that is not primary.1/2 or secondary.1/2")
        names[f"{device}.{number}"] = _text(f"{key}.{channel}", name).strip() or f"{device}.{number}"
    return names


SECTIONS: dict[str, tuple[type, dict[str, Validator]]] = {
    "wallbox": (
        WallboxConfig,
        {
            "url": _host,
            "username": _text,
            "password": _secret,
            "serial": _optional_text,
            "max_charge_current": _int_range(3, 32),
            "max_discharge_current": _int_range(3, 32),
        },
    ),
    "shelly": (
        ShellyConfig,
        {
            "primary_url": _host,
            "secondary_url": _optional_host,
            "grid": _channel_ref,
            "evse": _channel_ref,
            "channels": _channel_names,
        },
    ),
    "influxdb": (
        InfluxConfig,
        {"enabled": _bool, "url": _host, "token": _secret, "org": _text, "bucket": _text},
    ),
    "logging": (
        LoggingConfig,
        {
            "file_level": _level,
            "console_level": _level,
            "file_prefix": _prefix,
            "max_bytes": _int_range(10_000, 10_000_000_000),
            "backup_count": _int_range(0, 10_000),
        },
    ),
    "charging": (
        ChargingConfig,
        {
            "max_charge_percent": _int_range(10, 100),
            "solar_period_max_charge": _int_range(10, 100),
            "default_tariff": _tariff_name,
            "battery_capacity_kwh": _float_range(5, 250),
            "hysteresis_w": _float_range(0, 1000),
        },
    ),
}


def parse_config(raw: Any) -> tuple[Config, list[str]]:
    """Validate a parsed YAML document into a Config, returning warnings about unknown keys."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError("(top level)", type(raw).__name__, "must be a mapping of sections (wallbox:, shelly:, ...)")
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for section, (cls, fields) in SECTIONS.items():
        data = raw.get(section)
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(section, data, "must be a mapping of keys")
        for key in data:
            if key not in fields:
                warnings.append(f"unknown key {section}.{key} ignored (known: {', '.join(fields)})")
        kwargs = {key: check(f"{section}.{key}", data[key]) for key, check in fields.items() if key in data}
        values[section] = cls(**kwargs)
    if "timezone" in raw:
        values["timezone"] = _timezone("timezone", raw["timezone"])
    if "tariffs" in raw:
        from evse_tui.tariffs.registry import validate_tariff_settings

        values["tariffs"], tariff_warnings = validate_tariff_settings(raw["tariffs"] or {})
        warnings += tariff_warnings
    for key in raw:
        if key not in SECTIONS and key not in ("timezone", "tariffs"):
            warnings.append(f"unknown section {key} ignored (known: {', '.join([*SECTIONS, 'timezone', 'tariffs'])})")
    config = Config(**values)
    _check_consistency(config)
    return config, warnings


def _timezone(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, value, "is not a time zone name such as Europe/London") from None
    return text


def _check_consistency(config: Config) -> None:
    shelly = config.shelly
    if shelly.grid.device == "":
        raise ConfigError("shelly.grid.device", "", "must be primary or secondary: control needs the grid reading")
    for name in ("grid", "evse"):
        ref: ChannelRef = getattr(shelly, name)
        if ref.device == "secondary" and not shelly.secondary_url:
            raise ConfigError(f"shelly.{name}.device", "secondary", "needs shelly.secondary_url to be set")
    if shelly.grid == shelly.evse:
        raise ConfigError("shelly.evse", f"{shelly.evse.device}.{shelly.evse.channel}", "is the same channel as shelly.grid")
    if config.influxdb.enabled and not config.influxdb.bucket.strip():
        raise ConfigError("influxdb.bucket", config.influxdb.bucket, "must not be empty when influxdb.enabled is true")


def load_config(path: Path) -> tuple[Config, list[str]]:
    """Load `path`; a missing file gives the defaults. Raises ConfigError for bad content."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), []
    except OSError as exc:
        raise ConfigError(str(path), exc.strerror or str(exc), "could not be read") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise ConfigError(str(path), where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_config(raw)


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as plain YAML-ready data, in the schema's order."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    data = plain(config)
    for ref in ("grid", "evse"):
        if data["shelly"][ref]["device"] == "":
            data["shelly"][ref] = {"device": "", "channel": None}
    return data


def save_config(path: Path, config: Config) -> None:
    """Write atomically with mode 0600, keeping the previous file as config.yaml.bak."""
    path = Path(path)
    if path.exists():
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, backup)
        os.chmod(backup, 0o600)
    text = "# evse-tui configuration (see README.md: Configuration)\n" + yaml.safe_dump(
        config_to_dict(config), sort_keys=False, default_flow_style=False
    )
    atomic_write_text(path, text, mode=0o600)


def set_value(raw: dict[str, Any], assignment: str) -> None:
    """Apply `section.key=value` (YAML value syntax) to raw config data; used by `configure --set`."""
    key, sep, value = assignment.partition("=")
    if not sep or "." not in key:
        raise ConfigError(assignment, "", "must look like section.key=value")
    parts = key.strip().split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(key, value, "does not name a key inside a section")
    try:
        node[parts[-1]] = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        node[parts[-1]] = value


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
