"""`evse-tui sim-devices`: serve the simulated charger and house until Ctrl-C or SIGTERM.

Owners use it to try a configuration without hardware: it prints the config.yaml lines that point at it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from evse_tui.clock import Clock, ScaledClock, SystemClock
from evse_tui.sim.devices import build_demo_home
from evse_tui.sim.solar import WEATHERS
from evse_tui.simserve.servers import start_sim_servers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--modbus-port", type=int, default=5020, metavar="N", help="Modbus TCP port (default 5020)")
    parser.add_argument("--http-port", type=int, default=8081, metavar="N", help="Shelly HTTP port (default 8081)")
    parser.add_argument("--aux-http-port", type=int, metavar="N",
                        help="also serve a second Shelly with the heat pump and solar channels on this port")
    parser.add_argument("--gen", type=int, choices=(1, 2), default=1, help="Shelly API generation (default 1)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    # SUPPRESS keeps `evse-tui --speed N sim-devices` working: the subcommand's flag only overrides when given
    parser.add_argument("--speed", type=float, default=argparse.SUPPRESS, metavar="N",
                        help="simulated time runs N times faster (default 1: real time)")
    parser.add_argument("--soc", type=float, default=55.0, help="the car's starting state of charge in %% (default 55)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated house (default 1)")
    parser.add_argument("--weather", choices=WEATHERS, default="clear", help="solar weather (default clear)")


def _check(args: argparse.Namespace) -> str | None:
    for name in ("modbus_port", "http_port", "aux_http_port"):
        port = getattr(args, name, None)
        if port is not None and not 0 <= port <= 65535:
            return f"--{name.replace('_', '-')} must be 0-65535, not {port}"
    speed = _speed(args)
    if speed <= 0:
        return f"--speed must be positive, not {speed}"
    if not 0 <= args.soc <= 100:
        return f"--soc must be 0-100, not {args.soc}"
    return None


def _speed(args: argparse.Namespace) -> float:
    speed = getattr(args, "speed", None)
    return 1.0 if speed is None else speed


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until `stop` is set, Ctrl-C or SIGTERM; returns the exit status."""
    problem = _check(args)
    if problem:
        print(f"evse-tui sim-devices: error: {problem}", file=sys.stderr)
        return 2
    speed = _speed(args)
    clock: Clock = SystemClock() if speed == 1.0 else ScaledClock(speed)
    home = build_demo_home(clock, seed=args.seed, soc=args.soc, weather=args.weather)
    try:
        servers = start_sim_servers(home, args.modbus_port, args.http_port, args.gen, host=args.host,
                                    aux_http_port=args.aux_http_port)
    except OSError as exc:
        print(f"evse-tui sim-devices: error: cannot listen: {exc}", file=sys.stderr)
        return 1
    stop = stop or threading.Event()
    restore = _on_signals(stop)
    try:
        meter = f"Shelly Gen{args.gen} on {servers.host}:{servers.http_port}"
        if servers.aux_shelly is not None:
            meter += f" (and {servers.host}:{servers.aux_http_port})"
        print(f"# simulated Quasar on {servers.host}:{servers.modbus_port} (Modbus unit 1), {meter}"
              f"{f', time x{speed:g}' if speed != 1.0 else ''}; Ctrl-C stops")
        print("# config.yaml lines that point evse-tui at them:")
        print(servers.config_lines(), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        servers.close()
    print("# simulated devices stopped", flush=True)
    return 0


def _on_signals(stop: threading.Event):
    """SIGINT and SIGTERM set `stop` (main thread only); returns a function restoring the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evse-tui sim-devices",
                                     description="Serve the simulated Quasar (Modbus TCP) and Shelly (HTTP).")
    add_arguments(parser)
    return run(parser.parse_args(argv))
