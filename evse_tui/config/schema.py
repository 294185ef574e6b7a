"""The configuration's shape: frozen dataclasses with a default for every key (DOMAIN.md's schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class WallboxConfig:
    url: str = "WB012345.local"  # host or host:port
    username: str = ""
    password: str = ""
    serial: str | None = None
    max_charge_current: int = 32
    max_discharge_current: int = 32

    @property
    def has_cloud_credentials(self) -> bool:
        return bool(self.username and self.password and self.serial)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    device: str = ""  # "primary", "secondary" or "" (not measured)
    channel: int | None = None  # 1 or 2


@dataclass(frozen=True, slots=True)
class ShellyConfig:
    primary_url: str = "shellyem-123456.local"
    secondary_url: str | None = None
    grid: ChannelRef = ChannelRef("primary", 1)
    evse: ChannelRef = ChannelRef("", None)
    channels: dict[str, str] = field(default_factory=dict)  # "primary.2" -> "solar"


@dataclass(frozen=True, slots=True)
class InfluxConfig:
    enabled: bool = False
    url: str = "http://localhost:8086"
    token: str = ""
    org: str = ""
    bucket: str = "powerlog"


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    file_level: str = "DEBUG"
    console_level: str = "WARNING"
    file_prefix: str = "evse"
    max_bytes: int = 10 * 1024 * 1024
    backup_count: int = 30


@dataclass(frozen=True, slots=True)
class ChargingConfig:
    max_charge_percent: int = 90
    solar_period_max_charge: int = 80
    default_tariff: str = "COSY"
    battery_capacity_kwh: float = 40.0
    hysteresis_w: float = 50.0


@dataclass(frozen=True, slots=True)
class Config:
    wallbox: WallboxConfig = field(default_factory=WallboxConfig)
    shelly: ShellyConfig = field(default_factory=ShellyConfig)
    influxdb: InfluxConfig = field(default_factory=InfluxConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    charging: ChargingConfig = field(default_factory=ChargingConfig)
    timezone: str = "Europe/London"
    # Per-tariff overrides of rates and period times, validated by evse_tui.tariffs (e.g. {"COSY": {...}}).
    tariffs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line or the screen."""
        return tuple(s for s in (self.wallbox.password, self.influxdb.token) if s)
