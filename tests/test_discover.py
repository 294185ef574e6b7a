"""Discovery finds exactly the simulated Quasar and Shelly meters on their loopback addresses, and nothing else."""

from __future__ import annotations

import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest

from evse_tui import cli
from evse_tui.clock import SystemClock
from evse_tui.sim.devices import build_demo_home
from evse_tui.simserve.modbus_server import ModbusServerThread, PlainRegisters
from evse_tui.simserve.servers import start_sim_servers
from evse_tui.setup import discover


class NotAShelly(ThreadingHTTPServer):
    """A web server that is not a Shelly (a router's page): /shelly is 404."""

    daemon_threads = True

    def __init__(self, host: str, port: int) -> None:
        super().__init__((host, port), _NotFound)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _NotFound(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _port_free_on(hosts: list[str]) -> tuple[int, int]:
    """A Modbus and an HTTP port number free on every one of `hosts` (tries a few candidates)."""
    chosen = []
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        try:
            for host in hosts[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
        except OSError:
            continue
        if port not in chosen:
            chosen.append(port)
        if len(chosen) == 2:
            return chosen[0], chosen[1]
    pytest.skip("no port free on all test addresses")


@pytest.fixture
def network():
    """127.0.0.2: Quasar + Shelly Gen1; 127.0.0.3: Shelly Gen2 only; 127.0.0.4: a Modbus device without the
    Quasar's registers and a web server that is not a Shelly (neither may be listed)."""
    modbus_port, http_port = _port_free_on(["127.0.0.2", "127.0.0.3", "127.0.0.4"])
    clock = SystemClock()
    first = start_sim_servers(build_demo_home(clock), modbus_port, http_port, 1, host="127.0.0.2")
    second = start_sim_servers(build_demo_home(clock), modbus_port, http_port, 2, host="127.0.0.3")
    second.stop_modbus()
    other_modbus = ModbusServerThread(PlainRegisters({0x10: 5}), "127.0.0.4", modbus_port).start()
    other_web = NotAShelly("127.0.0.4", http_port)
    try:
        yield modbus_port, http_port
    finally:
        other_web.close()
        other_modbus.close()
        second.close()
        first.close()


def _rows(text: str) -> set[tuple[str, str]]:
    lines = text.strip().splitlines()
    assert lines[0].split() == ["TYPE", "ADDRESS", "NAME", "MODEL"]
    return {tuple(line.split()[:2]) for line in lines[1:]}


def test_discover_command_finds_exactly_the_simulated_devices(network, capsys):
    modbus_port, http_port = network
    status = cli.main(["discover", "--subnet", "127.0.0.0/28",
                       "--modbus-port", str(modbus_port), "--http-port", str(http_port)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert _rows(out) == {
        ("Quasar", f"127.0.0.2:{modbus_port}"),
        ("Shelly", f"127.0.0.2:{http_port}"),
        ("Shelly", f"127.0.0.3:{http_port}"),
    }
    assert "Shelly EM Gen1" in out and "Shelly Pro EM Gen2" in out and "shellyproem50-sim" in out


def test_scan_reports_models_and_leaves_the_port_out_when_it_is_the_default(network):
    modbus_port, http_port = network
    found = discover.scan([discover.parse_subnet("127.0.0.0/28")], modbus_port=modbus_port, http_port=http_port)
    by_address = {(f.kind, str(f.ip)): f for f in found}
    assert set(by_address) == {("Quasar", "127.0.0.2"), ("Shelly", "127.0.0.2"), ("Shelly", "127.0.0.3")}
    assert by_address[("Quasar", "127.0.0.2")].model == "Wallbox Quasar"
    assert discover._with_port("127.0.0.2", 502, 502) == "127.0.0.2"
    assert discover._with_port("127.0.0.2", 5020, 502) == "127.0.0.2:5020"


def test_default_ports_502_and_80():
    """The real thing: a Quasar on 502 and a Shelly on 80, found with no port options (needs root)."""
    clock = SystemClock()
    try:
        servers = start_sim_servers(build_demo_home(clock), 502, 80, 1, host="127.0.0.5")
    except OSError as exc:
        pytest.skip(f"cannot bind 502/80 on 127.0.0.5: {exc}")
    try:
        found = discover.scan([discover.parse_subnet("127.0.0.5/32")])
    finally:
        servers.close()
    assert [(f.kind, f.address, f.model) for f in found] == [
        ("Quasar", "127.0.0.5", "Wallbox Quasar"), ("Shelly", "127.0.0.5", "Shelly EM Gen1")]


def test_nothing_found_says_so_and_exits_1(capsys):
    port = _port_free_on(["127.0.0.6"])[0]
    status = cli.main(["discover", "--subnet", "127.0.0.6/32", "--modbus-port", str(port),
                       "--http-port", str(port)])
    assert status == 1
    assert "No Quasar or Shelly answered in 127.0.0.6/32" in capsys.readouterr().out


@pytest.mark.parametrize("text, reason", [
    ("192.168.1.0/33", "is not an IPv4 network"),
    ("fe80::/120", "is IPv6"),
    ("10.0.0.0/8", "has 16777216 addresses; at most 4096 (a /20)"),
    ("my-network", "is not an IPv4 network"),
])
def test_bad_subnets_are_refused_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        discover.parse_subnet(text)


def test_bad_options_exit_2_naming_the_problem(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["discover", "--subnet", "10.0.0.0/8"])
    assert exit_.value.code == 2
    assert "at most 4096" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["discover", "--timeout", "30"])
    assert "allowed 0.05..5" in capsys.readouterr().err


def test_default_subnets_are_the_local_24s_without_loopback(monkeypatch):
    monkeypatch.setattr(discover, "_interface_addresses", lambda: [
        ipaddress.IPv4Interface("127.0.0.1/8"), ipaddress.IPv4Interface("169.254.3.4/16"),
        ipaddress.IPv4Interface("192.168.1.23/24"), ipaddress.IPv4Interface("10.1.2.3/16"),
        ipaddress.IPv4Interface("172.16.0.9/28"), ipaddress.IPv4Interface("192.168.1.99/24")])
    assert [str(n) for n in discover.default_subnets()] == ["192.168.1.0/24", "10.1.2.0/24", "172.16.0.0/28"]
