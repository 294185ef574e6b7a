"""`configure.py` / `evse-tui configure`: a guided set-up of config.yaml, or `--non-interactive --set` for scripts.

Every answer is checked by the program's own validators (evse_tui.config.load) and, where a device is
named, the device is asked at once, so the owner knows before the first run that everything answers.
The file is written atomically with mode 0600 and the previous one kept as config.yaml.bak.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evse_tui.config.errors import ConfigError
from evse_tui.config.load import parse_config, save_config
from evse_tui.config.schema import Config
from evse_tui.drivers.addresses import HTTP_PORT, MODBUS_PORT
from evse_tui.paths import resolve_data_dir
from evse_tui.setup import discover
from evse_tui.setup.document import apply_assignment, defaults, merged, read_raw, read_raw_strict
from evse_tui.setup.probes import ProbeResult, probe_influx_health, probe_influx_write, probe_quasar, probe_shelly
from evse_tui.setup.prompts import Prompter, SetupAborted
from evse_tui.setup.session import Session

PROG = "configure"


# -- non-interactive ----------------------------------------------------------------------------------------
def probe_all(config: Config) -> list[ProbeResult]:
    results = [probe_quasar(config.wallbox.url), probe_shelly(config.shelly.primary_url).result]
    if config.shelly.secondary_url:
        results.append(probe_shelly(config.shelly.secondary_url, key="shelly.secondary_url").result)
    if config.influxdb.enabled:
        influx = config.influxdb
        results += [probe_influx_health(influx.url),
                    probe_influx_write(influx.url, influx.token, influx.org, influx.bucket)]
    return results


def run_non_interactive(args: argparse.Namespace, path: Path) -> int:
    # over the defaults, so `--set shelly.grid.channel=2` changes one part of the default mapping
    raw = merged(defaults(), read_raw_strict(path))
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
    parser.add_argument("--discover-modbus-port", type=discover.port_number, default=MODBUS_PORT, metavar="PORT",
                        help=f"Modbus port the discovery offer tries (default {MODBUS_PORT})")
    parser.add_argument("--discover-http-port", type=discover.port_number, default=HTTP_PORT, metavar="PORT",
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
    except KeyboardInterrupt:
        print(f"\nSet-up interrupted; {path} was not changed.")
        return 130


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
    return run(parser.parse_args(argv))
