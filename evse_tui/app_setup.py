"""Builds a running home from the command line: config, logging, lock, devices, scheduler, engine.

The TUI and headless front ends get the same engine from here; `--demo` swaps in the simulated home
and a separate data folder, and never touches a real device.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from evse_tui.clock import Clock, ScaledClock, SystemClock
from evse_tui.config.load import load_config
from evse_tui.config.schema import ChannelRef, Config, ShellyConfig, WallboxConfig
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.drivers.base import Charger, PowerMonitor
from evse_tui.engine.engine import Engine
from evse_tui.engine.persist import StateStore
from evse_tui.lock import InstanceLock
from evse_tui.paths import DataPaths
from evse_tui.telemetry.logfile import LogTail, setup_logging

log = logging.getLogger("evse_tui")

# Above this speed the loopback servers would be polled faster than is sensible: use the in-process devices.
LOOPBACK_MAX_SPEED = 20.0


@dataclass
class Home:
    """Everything a front end needs, and what must be closed afterwards."""

    engine: Engine
    clock: Clock
    paths: DataPaths
    tail: LogTail
    lock: InstanceLock
    closers: list = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                log.exception("closing failed")
        self.lock.release()


def demo_config() -> Config:
    return Config(
        wallbox=WallboxConfig(url="127.0.0.1:0"),
        shelly=ShellyConfig(
            primary_url="127.0.0.1:0",
            grid=ChannelRef("primary", 1),
            evse=ChannelRef("primary", 2),
            channels={},
        ),
    )


def _demo_devices(config: Config, clock: Clock, speed: float, seed: int, closers: list) -> tuple[Charger, PowerMonitor, Config]:
    """The simulated home, through the real drivers on loopback servers where the speed allows."""
    from evse_tui.sim.devices import SimCharger, SimPowerMonitor, build_demo_home

    home = build_demo_home(clock, seed=seed)
    if speed <= LOOPBACK_MAX_SPEED:
        try:
            from evse_tui.drivers.factory import make_charger, make_monitor
            from evse_tui.simserve.servers import start_sim_servers
        except ImportError:
            pass
        else:
            servers = start_sim_servers(home, modbus_port=0, http_port=0, gen=1, aux_http_port=0)
            closers.append(servers.close)
            cfg = Config(
                wallbox=WallboxConfig(url=f"127.0.0.1:{servers.modbus_port}"),
                shelly=ShellyConfig(
                    primary_url=f"127.0.0.1:{servers.http_port}",
                    secondary_url=f"127.0.0.1:{servers.aux_http_port}",
                    grid=ChannelRef("primary", 1),
                    evse=ChannelRef("primary", 2),
                    channels={"secondary.1": "heatpump", "secondary.2": "solar"},
                ),
            )
            return make_charger(cfg.wallbox, clock), make_monitor(cfg.shelly, clock), cfg
    return SimCharger(home), SimPowerMonitor(home), config


def build_home(
    *,
    demo: bool,
    data_paths: DataPaths,
    config_path: Path | None,
    speed: float = 1.0,
    console_logging: bool,
    seed: int = 1,
    start: datetime | None = None,
) -> Home:
    """Raises ConfigError (exit 2), AlreadyRunning (exit 2) or OSError for the caller to report."""
    paths = DataPaths(data_paths.root / "demo") if demo else data_paths
    paths.create()
    lock = InstanceLock(paths.lock_file)
    lock.acquire()
    try:
        warnings: list[str] = []
        if demo:
            config = demo_config()
        else:
            config, warnings = load_config(config_path or paths.config_file)
        tail = setup_logging(config.logging, paths.logs_dir, config.secrets(), console=console_logging)
        for warning in warnings:
            log.warning("config: %s", warning)
        tz = ZoneInfo(config.timezone)
        clock: Clock = ScaledClock(speed, start=start, tz=tz) if demo else SystemClock(tz)
        closers: list = []
        if demo:
            charger, monitor, config = _demo_devices(config, clock, speed, seed, closers)
        else:
            from evse_tui.drivers.factory import make_charger, make_monitor

            charger, monitor = make_charger(config.wallbox, clock), make_monitor(config.shelly, clock)
        scheduler = _scheduler(paths, tz)
        influx = None
        if config.influxdb.enabled and not demo:
            from evse_tui.telemetry.influx import InfluxLogger

            influx = InfluxLogger(config.influxdb, clock)
        engine = Engine(
            config,
            charger,
            monitor,
            clock,
            StateStore(paths.state_dir),
            scheduler=scheduler,
            influx=influx,
            initial_mode=ModeCommand(Mode.SMART) if demo else ModeCommand(Mode.PAUSE),
            warnings=tuple(f"config: {w}" for w in warnings),
            recent_log=tail.recent,
        )
        log.info("started%s with data folder %s", " (demo)" if demo else "", paths.root)
        from evse_tui.remote import CommandSocket

        commands = CommandSocket(engine, paths.command_socket)
        if commands.start():
            closers.append(commands.close)
        return Home(engine, clock, paths, tail, lock, closers)
    except BaseException:
        lock.release()
        raise


def _scheduler(paths: DataPaths, tz: ZoneInfo):
    try:
        from evse_tui.scheduler.service import Scheduler
    except ImportError:
        return None
    return Scheduler(paths.schedule_file, tz)
