"""config.yaml as the set-up edits it: plain data read from the file over the defaults, and every change
checked by the program's own validators (evse_tui.config.load), so set-up and program never disagree."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from evse_tui.config.errors import ConfigError
from evse_tui.config.load import SECTIONS, config_to_dict, parse_config, set_value
from evse_tui.config.schema import Config
from evse_tui.drivers.addresses import http_base_url, modbus_address

KeyPath = tuple[str, ...]
# The drivers dial these; an address they could not dial is refused at set-up, as it would be at start.
ADDRESS_CHECKS: dict[KeyPath, Callable[[str, str], object]] = {
    ("wallbox", "url"): lambda value, key: modbus_address(value, key),
    ("shelly", "primary_url"): lambda value, key: http_base_url(value, key),
    ("shelly", "secondary_url"): lambda value, key: http_base_url(value, key),
}


def defaults() -> dict:
    return config_to_dict(Config())


def get(raw: Mapping, path: KeyPath, default: Any = None) -> Any:
    node: Any = raw
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def put(raw: dict, path: KeyPath, value: Any) -> None:
    node = raw
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def merged(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(str(path), exc.strerror or str(exc), "could not be read") from None


def _parse_yaml(text: str, path: Path) -> dict:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), exc.__class__.__name__, "is not valid YAML") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(str(path), type(loaded).__name__, "must hold a mapping of sections (wallbox:, shelly:, ...)")
    return loaded


def read_raw_strict(path: Path) -> dict:
    """The file as it stands ({} when there is none); unreadable YAML is an error, since no one is asked."""
    text = _read_text(path)
    return {} if text is None else _parse_yaml(text, path)


def read_raw(path: Path) -> tuple[dict, bool, list[str]]:
    """The existing file over the defaults, whether it existed, and notes about its problems.

    Broken YAML starts from the defaults (the old file becomes config.yaml.bak when the new one is written);
    a bad value inside a section is asked for again later. A problem outside the sections (tariffs,
    timezone) is not something set-up asks about, so it stops here with the program's message.
    """
    text = _read_text(path)
    if text is None:
        return defaults(), False, []
    try:
        loaded = _parse_yaml(text, path)
    except ConfigError as exc:
        return defaults(), True, [f"{exc}; starting from the defaults"]
    notes: list[str] = []
    try:
        notes += parse_config(loaded)[1]
    except ConfigError as exc:
        if exc.key.split(".")[0] not in SECTIONS:
            raise ConfigError(exc.key, exc.value, f"{exc.allowed} (fix this in {path} first)") from None
        notes.append(f"the current file has a problem you will be asked to fix: {exc}")
    return merged(defaults(), loaded), True, notes


def check_value(raw: Mapping, path: KeyPath, value: Any) -> Any:
    """Validate one answer exactly as the program would; returns what to store, raises ConfigError.

    The key's own validator runs first; then the whole document is parsed with the answer in place, and a
    complaint about this key (e.g. EVSE on the grid's channel) refuses the answer too.
    """
    section, key = path[0], path[1]
    dotted = ".".join(path)
    checked = SECTIONS[section][1][key](dotted, value)
    stored = value if key in ("grid", "evse") else checked
    if path in ADDRESS_CHECKS and stored:
        ADDRESS_CHECKS[path](stored, dotted)
    candidate = copy.deepcopy(dict(raw))
    put(candidate, path, stored)
    try:
        parse_config(candidate)
    except ConfigError as exc:
        if exc.key == dotted or exc.key.startswith(dotted + "."):
            raise
    return stored


def parse_channel(answer: str) -> dict[str, Any]:
    """`primary.1` -> {device: primary, channel: 1}; empty -> not measured."""
    if answer == "":
        return {"device": "", "channel": None}
    device, dot, number = answer.strip().lower().partition(".")
    if not dot or not number.isdigit():
        raise ValueError(f"{answer!r} is not a channel such as primary.1, primary.2, secondary.1 or secondary.2")
    return {"device": device, "channel": int(number)}


def channel_text(ref: Any) -> str:
    if isinstance(ref, Mapping) and ref.get("device"):
        return f"{ref['device']}.{ref.get('channel')}"
    return ""


def yaml_value(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def apply_assignment(raw: dict, assignment: str) -> None:
    """`section.key=value`; the key must be one the program knows, so a typo fails instead of being ignored."""
    key, sep, value = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or len(parts) < 2:
        raise ConfigError(assignment, "", "must look like section.key=value")
    section, name = parts[0], parts[1]
    if section == "tariffs":
        set_value(raw, assignment)
        return
    if section not in SECTIONS:
        raise ConfigError(key, value, f"names an unknown section (known: {', '.join([*SECTIONS, 'tariffs'])})")
    fields = SECTIONS[section][1]
    if name not in fields:
        raise ConfigError(key, value, f"names an unknown key (known in {section}: {', '.join(fields)})")
    if (section, name) == ("shelly", "channels") and len(parts) == 4:
        put(raw, ("shelly", "channels", f"{parts[2]}.{parts[3]}"), value.strip())
        return
    if name in ("grid", "evse") and len(parts) == 3 and parts[2] in ("device", "channel"):
        set_value(raw, assignment)
        return
    if len(parts) != 2:
        raise ConfigError(key, value, f"is too deep; use {section}.{name}=value")
    set_value(raw, assignment)
