"""The `evse-tui` command: the TUI by default, `--no-ui` headless, and the helper subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evse_tui import __version__
from evse_tui.config.errors import ConfigError
from evse_tui.lock import AlreadyRunning
from evse_tui.paths import resolve_data_dir

PROG = "evse-tui"


SUBCOMMANDS = {
    "plan": ("evse_tui.tariffs.plan", "show what a tariff strategy would do for a SoC"),
    "sim-devices": ("evse_tui.simserve.cli", "serve the simulated charger and meter on 127.0.0.1"),
    "export-influx": ("evse_tui.telemetry.influx_export", "export InfluxDB days to data/backup/influxdb"),
    "configure": ("evse_tui.setup.configure", "guided set-up of config.yaml"),
    "discover": ("evse_tui.setup.discover", "find Quasar and Shelly devices on the local network"),
    "send": ("evse_tui.cli", "send a console command to the running controller (e.g. send ph)"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; a subcommand's own arguments (and its imports) are loaded only when it is named,
    so the controller itself starts lean (a Raspberry Pi has little memory to spare)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a home's bidirectional EV charger (Wallbox Quasar) from Shelly EM readings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--demo", action="store_true", help="run a simulated home: no hardware, no config")
    parser.add_argument("--no-ui", action="store_true", help="headless: commands on stdin, status lines on stdout")
    parser.add_argument("--speed", type=float, default=1.0, metavar="N", help="demo only: simulated clock N times faster")
    parser.add_argument("--data-dir", metavar="PATH", help="data folder (default: EVSE_DATA_DIR or data/)")
    parser.add_argument("--config", metavar="PATH", help="config file (default: DATA/config/config.yaml)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop cleanly after S (clock) seconds")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = set(sys.argv[1:] if argv is None else argv)
    for name, (module, help_text) in SUBCOMMANDS.items():
        subparser = sub.add_parser(name, help=help_text)
        if name in named:
            _optional_arguments(subparser, module)
    return parser


def _optional_arguments(parser: argparse.ArgumentParser, module: str) -> None:
    import importlib

    try:
        importlib.import_module(module).add_arguments(parser)
    except ImportError:
        parser.set_defaults(unavailable=module)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`send`'s arguments (this module plays the subcommand module for it)."""
    parser.add_argument("words", nargs="+", metavar="WORD", help="a console command, e.g. ph, -8, status, list-schedule")


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if getattr(args, "unavailable", None):
        return fail(f"{args.command} is not available in this installation ({args.unavailable} missing)")
    try:
        if args.command:
            return _subcommand(args)
        return _run(args)
    except ConfigError as exc:
        return fail(f"config: {exc}")
    except AlreadyRunning as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `evse-tui plan ... | head`: the reader left, which is fine
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _load_owner_config(args: argparse.Namespace):
    from evse_tui.config.load import load_config

    paths = resolve_data_dir(args.data_dir)
    config, warnings = load_config(Path(args.config) if args.config else paths.config_file)
    for warning in warnings:
        print(f"{PROG}: warning: config: {warning}", file=sys.stderr)
    return config, paths


def _subcommand(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    if args.command == "plan":
        from evse_tui.tariffs import plan as plan_cmd
        from evse_tui.tariffs.base import StrategyContext

        config, _ = _load_owner_config(args)
        ctx = StrategyContext(
            config.wallbox.max_charge_current,
            config.wallbox.max_discharge_current,
            config.charging.max_charge_percent,
            config.charging.solar_period_max_charge,
        )
        return plan_cmd.run(args, config.tariffs, ctx, ZoneInfo(config.timezone))
    if args.command == "sim-devices":
        from evse_tui.simserve import cli as sim_cli

        return sim_cli.run(args)
    if args.command == "export-influx":
        from evse_tui.telemetry import influx_export

        config, paths = _load_owner_config(args)
        return influx_export.run(args, config.influxdb, paths.root, ZoneInfo(config.timezone))
    if args.command == "configure":
        from evse_tui.setup import configure

        return configure.run(args)
    if args.command == "send":
        return _send(args)
    if args.command == "discover":
        from evse_tui.setup import discover

        return discover.run(args)
    return fail(f"unknown command {args.command}")


def _send(args: argparse.Namespace) -> int:
    from evse_tui.remote import send

    paths = resolve_data_dir(args.data_dir)
    path = (paths.root / "demo" if args.demo else paths.root) / "evse-tui.sock"
    try:
        accepted, reply = send(path, " ".join(args.words))
    except (FileNotFoundError, ConnectionRefusedError):
        return fail(f"no evse-tui is running with data folder {path.parent} (no command socket at {path})")
    except PermissionError:
        return fail(f"not allowed to talk to the controller at {path}: run as the user it runs as")
    except OSError as exc:
        return fail(f"could not reach the controller at {path}: {exc.strerror or exc}")
    print(reply)
    return 0 if accepted else 2


def _run(args: argparse.Namespace) -> int:
    from evse_tui.app_setup import build_home

    if args.speed <= 0 or args.speed > 10_000:
        return fail(f"--speed {args.speed:g} is outside the allowed range (0, 10000]")
    if args.speed != 1.0 and not args.demo:
        return fail("--speed only applies to --demo (a real home runs in real time)")
    if args.duration is not None and args.duration <= 0:
        return fail("--duration must be a positive number of seconds")
    paths = resolve_data_dir(args.data_dir)
    config_path = Path(args.config) if args.config else paths.config_file
    if not args.demo and not config_path.exists():
        # The default addresses are examples; running on them would only show a screen of failures.
        return fail(
            f"no configuration at {config_path}: run `evse-tui configure` (or `python configure.py`) to write one, "
            "or try `evse-tui --demo` first"
        )
    try:
        home = build_home(
            demo=args.demo,
            data_paths=paths,
            config_path=Path(args.config) if args.config else None,
            speed=args.speed,
            console_logging=args.no_ui,
        )
    except OSError as exc:
        return fail(f"cannot use data folder {paths.root}: {exc.strerror or exc}")
    try:
        if args.no_ui:
            from evse_tui.headless import run_headless

            return run_headless(home.engine, duration=args.duration)
        from evse_tui.ui.app import run_tui

        return run_tui(home, duration=args.duration)
    finally:
        home.close()
