"""How long `evse-tui discover` takes for a /24, on loopback (target: under 10 s).

Two networks, each with the simulated devices on .2 (Quasar + Shelly Gen1), .3 (Shelly Gen2) and
.4 (Quasar + Shelly Gen1):
- 127.0.1.0/24: every other address refuses at once (a quiet LAN where absent hosts answer RST);
- 127.0.2.0/24: every other address never completes a connection (a listener with a full accept queue),
  so each probe waits the whole connect timeout: the worst a real LAN can do.
Each scan is the real command, `python -m evse_tui discover`, in its own process, timed from start to exit
(so Python's start-up is included). The devices and silent listeners live in this process.

    .venv/bin/python benchmarks/discover_bench.py [--runs 3] [--modbus-port 502 --http-port 80]

Ports 502 and 80 need root; give others to run unprivileged.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evse_tui.clock import SystemClock  # noqa: E402
from evse_tui.setup import discover  # noqa: E402
from evse_tui.sim.devices import build_demo_home  # noqa: E402
from evse_tui.simserve.servers import start_sim_servers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0
DEVICES = {2: (1, True), 3: (2, False), 4: (1, True)}  # last octet -> (Shelly generation, Quasar present)


def start_devices(stack: ExitStack, prefix: str, modbus_port: int, http_port: int) -> set[tuple[str, str]]:
    """The simulated devices of DEVICES on `prefix`.N; returns the (type, ip) pairs discovery must find."""
    expected = set()
    clock = SystemClock()
    for octet, (gen, quasar) in DEVICES.items():
        host = f"{prefix}.{octet}"
        servers = start_sim_servers(build_demo_home(clock, seed=octet), modbus_port, http_port, gen, host=host)
        stack.callback(servers.close)
        expected.add(("Shelly", host))
        if quasar:
            expected.add(("Quasar", host))
        else:
            servers.stop_modbus()
    return expected


def silence(stack: ExitStack, prefix: str, ports: tuple[int, ...]) -> None:
    """Every address of prefix.0/24 but the devices' takes a TCP connection it never completes."""
    for octet in range(1, 255):
        if octet in DEVICES:
            continue
        for port in ports:
            listener = socket.socket()
            listener.bind((f"{prefix}.{octet}", port))
            listener.listen(0)
            filler = socket.create_connection((f"{prefix}.{octet}", port), timeout=1)  # fills the accept queue
            stack.callback(listener.close)
            stack.callback(filler.close)


def measure(prefix: str, args: argparse.Namespace, silent: bool) -> tuple[list[float], bool]:
    with ExitStack() as stack:
        expected = start_devices(stack, prefix, args.modbus_port, args.http_port)
        if silent:
            silence(stack, prefix, (args.modbus_port, args.http_port))
        command = [sys.executable, "-m", "evse_tui", "discover", "--subnet", f"{prefix}.0/24",
                   "--modbus-port", str(args.modbus_port), "--http-port", str(args.http_port),
                   "--timeout", str(args.timeout), "--workers", str(args.workers)]
        seconds, correct = [], True
        for _ in range(args.runs):
            began = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
            seconds.append(time.perf_counter() - began)
            rows = [line.split() for line in done.stdout.splitlines()[1:]]
            found = {(row[0], row[1].split(":")[0]) for row in rows if len(row) >= 2}
            correct &= done.returncode == 0 and found == expected
    return seconds, correct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modbus-port", type=int, default=502)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--timeout", type=float, default=discover.DEFAULT_TIMEOUT_S)
    parser.add_argument("--workers", type=int, default=discover.DEFAULT_WORKERS)
    args = parser.parse_args()
    ok = True
    for prefix, silent, label in (("127.0.1", False, "refusing"), ("127.0.2", True, "silent (worst case)")):
        try:
            seconds, correct = measure(prefix, args, silent)
        except OSError as exc:
            print(f"{prefix}.0/24: cannot set up ({exc}); try --modbus-port/--http-port above 1024")
            return 2
        median = statistics.median(seconds)
        verdict = "ok" if median < TARGET_S and correct else "FAIL"
        ok &= verdict == "ok"
        print(f"{prefix}.0/24, other addresses {label}: median {median:.2f} s, max {max(seconds):.2f} s over "
              f"{len(seconds)} runs, found {'exactly the simulated devices' if correct else 'the WRONG devices'} "
              f"(timeout {args.timeout} s, {args.workers} workers; target < {TARGET_S:.0f} s) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
