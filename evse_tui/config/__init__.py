"""Configuration: schema with defaults, validation with clear messages, atomic saving."""

from evse_tui.config.errors import ConfigError
from evse_tui.config.schema import Config

__all__ = ["Config", "ConfigError"]
