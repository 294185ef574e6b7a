"""`evse-tui discover`: find the Quasar (Modbus TCP) and Shelly meters (HTTP `/shelly`) on the local network.

Every address is tried concurrently with a short connect timeout, so a /24 takes a couple of seconds;
only an address whose port accepts a connection is asked anything. Nothing is scanned unless the owner
asks: this command, or the offer in `configure`.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from evse_tui.drivers.addresses import HTTP_PORT, MODBUS_PORT
from evse_tui.drivers.quasar import ModbusFailure
from evse_tui.drivers.shelly import MeterFailure
from evse_tui.setup.probes import identify_shelly, read_quasar

MAX_ADDRESSES = 4096  # a /20; larger networks take minutes and are rarely a home
DEFAULT_TIMEOUT_S = 0.4
DEFAULT_WORKERS = 128
QUASAR, SHELLY, MODBUS = "Quasar", "Shelly", "Modbus"


@dataclass(frozen=True, slots=True)
class Found:
    """One device that answered: `address` is what to type into config.yaml (port only when not default)."""

    kind: str
    ip: ipaddress.IPv4Address
    address: str
    name: str
    model: str


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    """`192.168.1.0/24` (host bits allowed, e.g. 192.168.1.7/24); IPv4 only, at most MAX_ADDRESSES."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"subnet {text!r} is not an IPv4 network such as 192.168.1.0/24") from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"subnet {text!r} is IPv6; only IPv4 networks can be scanned")
    if network.num_addresses > MAX_ADDRESSES:
        raise ValueError(f"subnet {text!r} has {network.num_addresses} addresses; at most {MAX_ADDRESSES} "
                         f"(a /{32 - MAX_ADDRESSES.bit_length() + 1}) can be scanned")
    return network


def default_subnets() -> list[ipaddress.IPv4Network]:
    """The /24 around each of this machine's IPv4 addresses (smaller networks as they are), loopback excluded."""
    networks: list[ipaddress.IPv4Network] = []
    for interface in _interface_addresses():
        if interface.ip.is_loopback or interface.ip.is_link_local:
            continue
        prefix = max(interface.network.prefixlen, 24)
        network = ipaddress.ip_network(f"{interface.ip}/{prefix}", strict=False)
        if network not in networks:
            networks.append(network)
    return networks


def _interface_addresses() -> list[ipaddress.IPv4Interface]:
    """`ip -4 -o addr` where it exists; otherwise the address the default route would use, as a /24."""
    try:
        text = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True,
                              timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        text = ""
    found = []
    for line in text.splitlines():
        words = line.split()
        if "inet" in words and words.index("inet") + 1 < len(words):
            try:
                found.append(ipaddress.IPv4Interface(words[words.index("inet") + 1]))
            except ValueError:
                continue
    if found:
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP connect sends nothing; it only picks the route
            return [ipaddress.IPv4Interface(f"{probe.getsockname()[0]}/24")]
        except OSError:
            return []


def _port_open(host: str, port: int, timeout_s: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _with_port(host: str, port: int, default: int) -> str:
    return host if port == default else f"{host}:{port}"


def check_modbus(ip: ipaddress.IPv4Address, port: int, timeout_s: float) -> Found | None:
    host = str(ip)
    if not _port_open(host, port, timeout_s):
        return None
    try:
        reply = read_quasar(host, port, max(1.0, 2 * timeout_s))
    except ModbusFailure:
        return None
    address = _with_port(host, port, MODBUS_PORT)
    if reply.plausible:
        return Found(QUASAR, ip, address, "", "Wallbox Quasar")
    return Found(MODBUS, ip, address, "", f"answers 0x219/0x21A but not like a Quasar ({reply.describe()})")


def check_shelly(ip: ipaddress.IPv4Address, port: int, timeout_s: float) -> Found | None:
    host = str(ip)
    if not _port_open(host, port, timeout_s):
        return None
    try:
        identity = identify_shelly(f"http://{host}:{port}", max(1.0, 2 * timeout_s))
    except MeterFailure:
        return None
    return Found(SHELLY, ip, _with_port(host, port, HTTP_PORT), identity.name, identity.title)


def scan(
    subnets: Iterable[ipaddress.IPv4Network],
    *,
    modbus_port: int = MODBUS_PORT,
    http_port: int = HTTP_PORT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    workers: int = DEFAULT_WORKERS,
) -> list[Found]:
    """Every Quasar-like Modbus device and every Shelly in `subnets`, sorted by address."""
    hosts = sorted({ip for network in subnets for ip in _addresses(network)})
    jobs = [(check, ip, port) for ip in hosts
            for check, port in ((check_modbus, modbus_port), (check_shelly, http_port))]
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))), thread_name_prefix="discover") as pool:
        results = list(pool.map(lambda job: job[0](job[1], job[2], timeout_s), jobs))
    return sorted((r for r in results if r is not None), key=lambda r: (r.ip, r.kind))


def _addresses(network: ipaddress.IPv4Network) -> Iterable[ipaddress.IPv4Address]:
    return [network.network_address] if network.num_addresses == 1 else network.hosts()


def format_table(found: Sequence[Found]) -> str:
    rows = [("TYPE", "ADDRESS", "NAME", "MODEL")] + [(f.kind, f.address, f.name or "-", f.model) for f in found]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows)


# -- the command --------------------------------------------------------------------------------------------
def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (allowed 1..65535)")
    return int(text)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.05 <= value <= 5.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timeout in seconds (allowed 0.05..5)")
    return value


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 512:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (allowed 1..512)")
    return int(text)


def _subnet(text: str) -> ipaddress.IPv4Network:
    try:
        return parse_subnet(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subnet", action="append", type=_subnet, metavar="CIDR",
                        help="network to scan, e.g. 192.168.1.0/24 (repeatable; default: this machine's /24s)")
    parser.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=f"connect timeout per address in seconds (default {DEFAULT_TIMEOUT_S})")
    parser.add_argument("--modbus-port", type=port_number, default=MODBUS_PORT, metavar="PORT",
                        help=f"Modbus TCP port of the Quasar (default {MODBUS_PORT})")
    parser.add_argument("--http-port", type=port_number, default=HTTP_PORT, metavar="PORT",
                        help=f"HTTP port of the Shelly meters (default {HTTP_PORT})")
    parser.add_argument("--workers", type=_workers, default=DEFAULT_WORKERS, metavar="N",
                        help=f"addresses tried at once (default {DEFAULT_WORKERS})")


def describe_subnets(subnets: Sequence[ipaddress.IPv4Network]) -> str:
    return ", ".join(str(s) for s in subnets)


def run(args: argparse.Namespace) -> int:
    """Print the table; exit 0 when something was found, 1 when nothing answered, 2 on bad input."""
    subnets = args.subnet or default_subnets()
    if not subnets:
        print("evse-tui discover: error: no local IPv4 network found; give one with --subnet CIDR", file=sys.stderr)
        return 2
    count = len({ip for network in subnets for ip in _addresses(network)})
    print(f"Scanning {describe_subnets(subnets)} ({count} addresses) for a Quasar on Modbus port "
          f"{args.modbus_port} and Shelly meters on HTTP port {args.http_port}...", file=sys.stderr, flush=True)
    began = time.monotonic()
    found = scan(subnets, modbus_port=args.modbus_port, http_port=args.http_port,
                 timeout_s=args.timeout, workers=args.workers)
    spent = time.monotonic() - began
    if not found:
        print(f"No Quasar or Shelly answered in {describe_subnets(subnets)} ({spent:.1f} s).")
        return 1
    print(format_table(found))
    print(f"{len(found)} device(s) found in {spent:.1f} s.", file=sys.stderr)
    return 0
