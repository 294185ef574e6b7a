"""The simulated home on loopback: its Quasar as a Modbus TCP server, its clamps as Shelly HTTP meters.

Used by `evse-tui sim-devices`, by `--demo` (so the demo drives the real drivers) and by the end-to-end
tests. All servers share the home's lock and bring it up to the present before every access.
"""

from __future__ import annotations

from dataclasses import dataclass

from evse_tui.drivers.base import ChannelReading
from evse_tui.sim.home import SimHome
from evse_tui.simserve.modbus_server import ModbusServerThread, WriteRecorder
from evse_tui.simserve.shelly_server import ShellyHttpServer

PRIMARY_LAYOUT = ("grid", "evse")  # channel 1 = grid, channel 2 = EVSE
AUX_LAYOUT = ("heatpump", "solar")


def home_channels(home: SimHome) -> dict[str, ChannelReading]:
    with home.lock:
        home.advance()
        return home.channels()


@dataclass
class SimServers:
    """The running servers; close() stops them all."""

    home: SimHome
    host: str
    modbus: ModbusServerThread | None
    shelly: ShellyHttpServer
    aux_shelly: ShellyHttpServer | None
    modbus_port: int
    recorder: WriteRecorder

    @property
    def http_port(self) -> int:
        return self.shelly.port

    @property
    def aux_http_port(self) -> int | None:
        return self.aux_shelly.port if self.aux_shelly is not None else None

    def stop_modbus(self) -> None:
        """The charger's Modbus module stops answering (connections are dropped, the port refuses)."""
        if self.modbus is not None:
            self.modbus.close()
            self.modbus = None

    def start_modbus(self) -> None:
        """The Modbus module answers again, on the same port."""
        if self.modbus is None:
            self.modbus = _modbus_server(self.home, self.host, self.modbus_port, self.recorder)

    def close(self) -> None:
        self.stop_modbus()
        self.shelly.close()
        if self.aux_shelly is not None:
            self.aux_shelly.close()

    def config_lines(self) -> str:
        """The config.yaml lines that point evse-tui at these servers."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        lines = [
            "wallbox:",
            f'  url: "{host}:{self.modbus_port}"',
            "shelly:",
            f'  primary_url: "{host}:{self.http_port}"',
        ]
        if self.aux_shelly is not None:
            lines.append(f'  secondary_url: "{host}:{self.aux_http_port}"')
        lines += ["  grid: {device: primary, channel: 1}", "  evse: {device: primary, channel: 2}"]
        if self.aux_shelly is not None:
            lines.append('  channels: {"secondary.1": heatpump, "secondary.2": solar}')
        return "\n".join(lines)


def _modbus_server(home: SimHome, host: str, port: int, recorder: WriteRecorder) -> ModbusServerThread:
    return ModbusServerThread(home.quasar, host, port, lock=home.lock, before_access=home.advance,
                              recorder=recorder).start()


def start_sim_servers(
    home: SimHome,
    modbus_port: int = 0,
    http_port: int = 0,
    gen: int = 1,
    *,
    host: str = "127.0.0.1",
    aux_http_port: int | None = None,
) -> SimServers:
    """Serve `home` on `host` (port 0 = any free port); with `aux_http_port` a second meter shows the
    heat pump (channel 1) and solar (channel 2). Raises OSError when a port cannot be bound."""
    recorder = WriteRecorder()
    modbus = _modbus_server(home, host, modbus_port, recorder)
    started: list = [modbus]
    try:
        clock_now = lambda: home.clock.now().timestamp()  # noqa: E731
        shelly = ShellyHttpServer(lambda: home_channels(home), host, http_port, gen=gen,
                                  layout=PRIMARY_LAYOUT, clock_now=clock_now).start()
        started.append(shelly)
        aux = None
        if aux_http_port is not None:
            aux = ShellyHttpServer(lambda: home_channels(home), host, aux_http_port, gen=gen,
                                   layout=AUX_LAYOUT, clock_now=clock_now).start()
    except BaseException:
        for server in reversed(started):
            server.close()
        raise
    return SimServers(home, host, modbus, shelly, aux, modbus.port, recorder)
