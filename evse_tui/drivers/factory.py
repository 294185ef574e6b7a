"""Building the real drivers from the owner's configuration."""

from __future__ import annotations

from evse_tui.clock import Clock
from evse_tui.config.schema import ShellyConfig, WallboxConfig
from evse_tui.drivers.addresses import modbus_address
from evse_tui.drivers.base import Charger, PowerMonitor
from evse_tui.drivers.quasar import QuasarCharger
from evse_tui.drivers.shelly import ShellyMonitor
from evse_tui.drivers.wallbox_cloud import WallboxCloud


def make_charger(cfg: WallboxConfig, clock: Clock, *, cloud: WallboxCloud | None = None) -> Charger:
    """A Quasar at `wallbox.url`; with account credentials and serial it can restart itself via the cloud.

    `cloud` replaces the account built from the configuration (tests point it at a local server).
    """
    host, port = modbus_address(cfg.url)
    if cloud is None and cfg.has_cloud_credentials:
        cloud = WallboxCloud(cfg.username, cfg.password, str(cfg.serial))
    return QuasarCharger(host, port, clock, cloud=cloud)


def make_monitor(cfg: ShellyConfig, clock: Clock) -> PowerMonitor:
    """The primary (and optional secondary) Shelly with the grid/EVSE mapping and channel names."""
    return ShellyMonitor(
        cfg.primary_url,
        clock,
        secondary_url=cfg.secondary_url or None,
        grid=cfg.grid,
        evse=cfg.evse,
        names=dict(cfg.channels),
    )
