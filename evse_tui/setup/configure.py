"""`configure.py` / `evse-tui configure`: a guided set-up of config.yaml, or `--non-interactive --set` for scripts.

Every answer is checked by the program's own validators (evse_tui.config.load) and, where a device is
named, the device is asked at once, so the owner knows before the first run that everything answers.
The file is written atomically with mode 0600 and the previous one kept as config.yaml.bak.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from evse_tui.config.errors import ConfigError
from evse_tui.config.load import SECTIONS, config_to_dict, parse_config, save_config, set_value
from evse_tui.config.schema import Config
from evse_tui.drivers.addresses import HTTP_PORT, MODBUS_PORT, http_base_url, modbus_address
from evse_tui.paths import resolve_data_dir
from evse_tui.setup import discover
from evse_tui.setup.probes import (
    ProbeResult,
    probe_influx_health,
    probe_influx_write,
    probe_quasar,
    probe_shelly,
)
from evse_tui.setup.prompts import Prompter, SetupAborted

PROG = "configure"
KeyPath = tuple[str, ...]
ADDRESS_CHECKS: dict[KeyPath, Callable[[str, str], object]] = {
    ("wallbox", "url"): lambda value, key: modbus_address(value, key),
    ("shelly", "primary_url"): lambda value, key: http_base_url(value, key),
    ("shelly", "secondary_url"): lambda value, key: http_base_url(value, key),
}
NO_DEFAULT_WHEN_NEW = (("wallbox", "url"), ("shelly", "primary_url"))


# -- the raw document ---------------------------------------------------------------------------------------
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


def _merged(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def read_raw(path: Path) -> tuple[dict, bool, list[str]]:
    """The existing file over the defaults, whether it existed, and notes about its problems."""
    defaults = config_to_dict(Config())
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return defaults, False, []
    except OSError as exc:
        raise ConfigError(str(path), exc.strerror or str(exc), "could not be read") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return defaults, True, [f"{path} is not valid YAML ({exc.__class__.__name__}); starting from the defaults"]
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, Mapping):
        return defaults, True, [f"{path} does not hold a mapping of sections; starting from the defaults"]
    notes: list[str] = []
    try:
        notes += parse_config(loaded)[1]
    except ConfigError as exc:
        notes.append(f"the current file has a problem you will be asked to fix: {exc}")
    return _merged(defaults, loaded), True, notes


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


def _shown(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- the interactive session -------------------------------------------------------------------------------
class Session:
    """One walk through every section; `raw` holds the answers, always in a state the program accepts."""

    def __init__(self, prompter: Prompter, raw: dict, existed: bool, *, modbus_port: int = MODBUS_PORT,
                 http_port: int = HTTP_PORT, subnets: str | None = None) -> None:
        self.p = prompter
        self.raw = raw
        self.existed = existed
        self.modbus_port = modbus_port
        self.http_port = http_port
        self.subnets = subnets
        self.found: list[discover.Found] = []
        self.readings: dict[str, float] = {}  # "primary.1" -> watts the probe read

    def run(self) -> Config:
        self.offer_discovery()
        self.wallbox()
        self.shelly()
        self.influxdb()
        self.charging()
        self.logging()
        return self.finish()

    # -- building blocks
    def default(self, path: KeyPath) -> str | None:
        if not self.existed and path in NO_DEFAULT_WHEN_NEW:
            return None
        return _shown(get(self.raw, path))

    def answer(self, path: KeyPath, question: str, *, optional: bool = False, convert: Callable[[str], Any] = str,
               default: str | None = None, picks: list[str] = ()) -> Any:
        """Ask for `path` until the program's validation accepts it; returns the value (not yet stored)."""

        def check(text: str) -> Any:
            if picks and text.isdigit() and 1 <= int(text) <= len(picks):
                text = picks[int(text) - 1]
            return check_value(self.raw, path, convert(text))

        return self.p.ask(question, default if default is not None else self.default(path), check,
                          optional=optional)

    def ask(self, path: KeyPath, question: str, **kwargs: Any) -> Any:
        value = self.answer(path, question, **kwargs)
        put(self.raw, path, value)
        return value

    def ask_device(self, path: KeyPath, question: str, probe: Callable[[str], ProbeResult], *,
                   optional: bool = False, kind: str | None = None) -> Any:
        """Ask for an address and probe it; an address that does not answer is kept only when the owner says so."""
        picks = self.show_picks(kind) if kind else []
        while True:
            value = self.answer(path, question, optional=optional, picks=picks)
            if not value:
                break
            result = probe(value)
            self.p.say(f"  {'found' if result.ok else 'problem'}: {result.summary}")
            if result.ok or self.p.yes_no("  Keep this address anyway?", False):
                break
        put(self.raw, path, value)
        return value

    def show_picks(self, kind: str) -> list[str]:
        matches = [f for f in self.found if f.kind == kind]
        if matches:
            self.p.say(f"  {kind} devices found on the network (type the number to pick one):")
            for number, found in enumerate(matches, start=1):
                self.p.say(f"    {number}) {found.address}  {found.model}{'  ' + found.name if found.name else ''}")
        return [f.address for f in matches]

    # -- sections
    def offer_discovery(self) -> None:
        if not self.p.yes_no("Search the local network for the Quasar and the Shelly meters first?", False):
            return
        defaults = self.subnets or discover.describe_subnets(discover.default_subnets())

        def networks(text: str) -> list:
            parts = [part for part in text.split(",") if part.strip()]
            if not parts:
                raise ValueError("give a network such as 192.168.1.0/24")
            return [discover.parse_subnet(part) for part in parts]

        subnets = self.p.ask("Network(s) to scan, e.g. 192.168.1.0/24", defaults or None, networks)
        self.p.say(f"  scanning {discover.describe_subnets(subnets)}...")
        self.found = discover.scan(subnets, modbus_port=self.modbus_port, http_port=self.http_port)
        self.p.say("\n".join("  " + line for line in discover.format_table(self.found).splitlines())
                   if self.found else "  nothing answered; type the addresses instead")

    def wallbox(self) -> None:
        self.p.say("\n== Wallbox Quasar (Modbus TCP) ==")
        self.ask_device(("wallbox", "url"), "Quasar address (host or host:port, port 502 by default)",
                        probe_quasar, kind=discover.QUASAR)
        self.ask(("wallbox", "max_charge_current"), "Maximum charge current in A (3..32)")
        self.ask(("wallbox", "max_discharge_current"), "Maximum discharge current in A (3..32)")
        has_cloud = bool(get(self.raw, ("wallbox", "username")))
        if self.p.yes_no("Restart the charger through the Wallbox cloud when Modbus stops answering?\n"
                         "  (needs your Wallbox account and the charger's serial number)", has_cloud):
            self.ask(("wallbox", "username"), "Wallbox account e-mail")
            password = self.p.ask_secret("Wallbox account password", bool(get(self.raw, ("wallbox", "password"))),
                                         required=True)
            if password is not None:
                put(self.raw, ("wallbox", "password"), check_value(self.raw, ("wallbox", "password"), password))
            self.ask(("wallbox", "serial"), "Charger serial number")
        else:
            for key, empty in (("username", ""), ("password", ""), ("serial", None)):
                put(self.raw, ("wallbox", key), empty)

    def shelly(self) -> None:
        self.p.say("\n== Shelly energy meters (HTTP) ==")
        self.readings = {}
        self.ask_device(("shelly", "primary_url"), "Primary Shelly address (host, host:port or http://host:port)",
                        lambda url: self._probe_meter("primary", url), kind=discover.SHELLY)
        self.ask_device(("shelly", "secondary_url"), "Secondary Shelly address",
                        lambda url: self._probe_meter("secondary", url), optional=True, kind=discover.SHELLY)
        devices = ["primary"] + (["secondary"] if get(self.raw, ("shelly", "secondary_url")) else [])
        channels = [f"{d}.{n}" for d in devices for n in range(1, self._channel_count(d) + 1)]
        self.p.say("  channels: " + ", ".join(
            f"{c} ({self.readings[c]:.0f} W now)" if c in self.readings else c for c in channels))
        self.ask(("shelly", "grid"), "Which channel measures the grid?", convert=parse_channel,
                 default=channel_text(get(self.raw, ("shelly", "grid"))))
        self.ask(("shelly", "evse"), "Which channel measures the Wallbox? (with none, its power is modelled)",
                 convert=parse_channel, optional=True, default=channel_text(get(self.raw, ("shelly", "evse"))))
        used = {channel_text(get(self.raw, ("shelly", ref))) for ref in ("grid", "evse")}
        old = get(self.raw, ("shelly", "channels")) or {}
        names: dict[str, str] = {}
        for channel in (c for c in channels if c not in used):
            name = self.p.ask(f"Name for {channel} (e.g. solar, heatpump)", old.get(channel), str, optional=True)
            if name:
                names[channel] = name
        put(self.raw, ("shelly", "channels"), check_value(self.raw, ("shelly", "channels"), names))

    def _probe_meter(self, device: str, url: str) -> ProbeResult:
        probe = probe_shelly(url, key=f"shelly.{device}_url")
        for number in list(self.readings):
            if number.startswith(device + "."):
                del self.readings[number]
        self.readings.update({f"{device}.{n}": watts for n, watts in probe.channels.items()})
        return probe.result

    def _channel_count(self, device: str) -> int:
        """Channels the meter showed (a one-clamp meter has 1), else the two of a Shelly EM."""
        seen = [int(c.split(".")[1]) for c in self.readings if c.startswith(device + ".")]
        return min(2, max(seen)) if seen else 2

    def influxdb(self) -> None:
        self.p.say("\n== InfluxDB v2 (optional: one point per reading) ==")
        enabled = self.p.yes_no("Send the readings to InfluxDB?", bool(get(self.raw, ("influxdb", "enabled"))))
        put(self.raw, ("influxdb", "enabled"), enabled)
        if not enabled:
            return
        url = self.ask_device(("influxdb", "url"), "InfluxDB URL, e.g. http://localhost:8086", probe_influx_health)
        while True:
            token = self.p.ask_secret("InfluxDB API token", bool(get(self.raw, ("influxdb", "token"))), required=True)
            if token is not None:
                put(self.raw, ("influxdb", "token"), check_value(self.raw, ("influxdb", "token"), token))
            org = self.ask(("influxdb", "org"), "Organisation")
            bucket = self.ask(("influxdb", "bucket"), "Bucket")
            result = probe_influx_write(url, get(self.raw, ("influxdb", "token")), org, bucket)
            self.p.say(f"  {'found' if result.ok else 'problem'}: {result.summary}")
            if result.ok or self.p.yes_no("  Keep these settings anyway?", False):
                return

    def charging(self) -> None:
        from evse_tui.tariffs.registry import tariff_names

        self.p.say("\n== Charging ==")
        self.ask(("charging", "max_charge_percent"), "Charge the car up to this SoC in % (10..100)")
        self.ask(("charging", "solar_period_max_charge"),
                 "SoC cap in % during the cheap midday period, leaving room for solar (10..100)")
        self.ask(("charging", "default_tariff"), f"Default tariff ({', '.join(tariff_names())})")
        self.ask(("charging", "battery_capacity_kwh"), "Usable battery size of the car in kWh (5..250)")

    def logging(self) -> None:
        self.p.say("\n== Logging ==")
        self.ask(("logging", "file_level"), "Log file level (DEBUG, INFO, WARNING, ERROR)")
        self.ask(("logging", "console_level"), "Console level for headless runs (DEBUG, INFO, WARNING, ERROR)")

    def finish(self) -> Config:
        """Parse the whole document; a problem no section asked about (an old bad value) is asked for here."""
        while True:
            try:
                config, warnings = parse_config(self.raw)
            except ConfigError as exc:
                path = tuple(exc.key.split(".")[:2])
                if len(path) < 2 or path[0] not in SECTIONS or path[1] not in SECTIONS[path[0]][1]:
                    raise
                self.p.say(f"One more setting needs an answer: {exc}")
                convert = parse_channel if path[1] in ("grid", "evse") else _yaml_value
                self.ask(path, ".".join(path), convert=convert, default="")
                continue
            for warning in warnings:
                self.p.say(f"  note: {warning} (it is not written back)")
            return config


def _yaml_value(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


# -- non-interactive ----------------------------------------------------------------------------------------
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


def probe_all(config: Config) -> list[ProbeResult]:
    results = [probe_quasar(config.wallbox.url), probe_shelly(config.shelly.primary_url).result]
    if config.shelly.secondary_url:
        results.append(probe_shelly(config.shelly.secondary_url, key="shelly.secondary_url").result)
    if config.influxdb.enabled:
        influx = config.influxdb
        results += [probe_influx_health(influx.url),
                    probe_influx_write(influx.url, influx.token, influx.org, influx.bucket)]
    return results


def read_raw_strict(path: Path) -> dict:
    """The file as it stands; unreadable YAML is an error here, not a fresh start (no one is asked)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(str(path), exc.strerror or str(exc), "could not be read") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), exc.__class__.__name__, "is not valid YAML; fix or remove it first") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(str(path), type(loaded).__name__, "must hold a mapping of sections (wallbox:, shelly:, ...)")
    return loaded


def run_non_interactive(args: argparse.Namespace, path: Path) -> int:
    # over the defaults, so `--set shelly.grid.channel=2` changes one part of the default mapping
    raw = _merged(config_to_dict(Config()), read_raw_strict(path))
    for assignment in args.set or ():
        apply_assignment(raw, assignment)
    config, warnings = parse_config(raw)
    for warning in warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if args.probe:
        results = probe_all(config)
        for result in results:
            print(f"{'found' if result.ok else 'problem'}: {result.summary}")
        if not all(r.ok for r in results):
            print(f"{PROG}: error: a device did not answer; {path} was not written", file=sys.stderr)
            return 1
    _save(path, config)
    print(f"wrote {path}")
    return 0


# -- the command --------------------------------------------------------------------------------------------
def _save(path: Path, config: Config) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_config(path, config)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--non-interactive", action="store_true",
                        help="no questions: apply --set values to the current config, validate and write")
    parser.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                        help="with --non-interactive: set one value, e.g. wallbox.url=10.0.0.5 (repeatable)")
    parser.add_argument("--probe", action="store_true",
                        help="with --non-interactive: ask every device first and write only if all answer")
    parser.add_argument("--discover-subnet", metavar="CIDR[,CIDR]",
                        help="network the discovery offer suggests (default: this machine's /24s)")
    parser.add_argument("--discover-modbus-port", type=discover._port, default=MODBUS_PORT, metavar="PORT",
                        help=f"Modbus port the discovery offer tries (default {MODBUS_PORT})")
    parser.add_argument("--discover-http-port", type=discover._port, default=HTTP_PORT, metavar="PORT",
                        help=f"HTTP port the discovery offer tries (default {HTTP_PORT})")


def config_path(args: argparse.Namespace) -> Path:
    return Path(args.config).expanduser() if getattr(args, "config", None) else \
        resolve_data_dir(getattr(args, "data_dir", None)).config_file


def run(args: argparse.Namespace, prompter: Prompter | None = None) -> int:
    path = config_path(args)
    if not args.non_interactive and (args.set or args.probe):
        print(f"{PROG}: error: --set and --probe need --non-interactive", file=sys.stderr)
        return 2
    try:
        if args.non_interactive:
            return run_non_interactive(args, path)
        return run_interactive(args, path, prompter or Prompter())
    except ConfigError as exc:
        print(f"{PROG}: error: config: {exc}", file=sys.stderr)
        return 2
    except SetupAborted as exc:
        print(f"Set-up ended ({exc}); {path} was not changed.")
        return 1


def run_interactive(args: argparse.Namespace, path: Path, prompter: Prompter) -> int:
    raw, existed, notes = read_raw(path)
    prompter.say(f"Setting up {path}" + (" (current values are offered as defaults; Enter keeps them)"
                                         if existed else " (new file)"))
    for note in notes:
        prompter.say(f"  note: {note}")
    session = Session(prompter, raw, existed, modbus_port=args.discover_modbus_port,
                      http_port=args.discover_http_port, subnets=args.discover_subnet)
    config = session.run()
    if not prompter.yes_no(f"\nWrite {path}?", True):
        raise SetupAborted("not written at your request")
    _save(path, config)
    backup = path.with_name(path.name + ".bak")
    prompter.say(f"Wrote {path} (readable only by you)" + (f"; the previous file is {backup}" if existed else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="configure.py", description="Guided set-up of evse-tui's config.yaml.")
    parser.add_argument("--data-dir", metavar="PATH", help="data folder (default: EVSE_DATA_DIR or data/)")
    parser.add_argument("--config", metavar="PATH", help="config file (default: DATA/config/config.yaml)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"\nSet-up interrupted; {config_path(args)} was not changed.")
        return 130
