"""The guided walk through every section of config.yaml: each answer validated on the spot, each device
probed as it is entered, discovered devices offered by number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from evse_tui.config.errors import ConfigError
from evse_tui.config.load import SECTIONS, parse_config
from evse_tui.config.schema import Config
from evse_tui.drivers.addresses import HTTP_PORT, MODBUS_PORT
from evse_tui.setup import discover
from evse_tui.setup.document import KeyPath, channel_text, check_value, get, parse_channel, put, yaml_value
from evse_tui.setup.probes import ProbeResult, probe_influx_health, probe_influx_write, probe_quasar, probe_shelly
from evse_tui.setup.prompts import Prompter

NO_DEFAULT_WHEN_NEW = (("wallbox", "url"), ("shelly", "primary_url"))  # placeholders, not the owner's devices


def _shown(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Session:
    """One walk through every section; `raw` is the document so far (the file's values until answered)."""

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
        self.checks: dict[str, ProbeResult] = {}  # what each kept device answered, for the recap

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
               default: str | None = None, picks: Sequence[str] = ()) -> Any:
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
        self.checks.pop(".".join(path), None)
        if value:
            self.checks[".".join(path)] = result
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
            self.checks.pop("influxdb.url", None)
            self.checks.pop("influxdb.token", None)
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
                self.checks["influxdb.token"] = result
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
                convert = parse_channel if path[1] in ("grid", "evse") else yaml_value
                self.ask(path, ".".join(path), convert=convert, default="")
                continue
            for warning in warnings:
                self.p.say(f"  note: {warning} (it is not written back)")
            self.recap()
            return config

    def recap(self) -> None:
        """Before writing: which devices answered, and which were kept although they did not."""
        self.p.say("\n== Devices ==")
        for key, result in self.checks.items():
            self.p.say(f"  {key}: {'answered' if result.ok else 'DID NOT ANSWER (kept anyway)'}: {result.summary}")
