"""The one error bad configuration raises: it names the key, the bad value and what is allowed."""

from __future__ import annotations


class ConfigError(ValueError):
    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}: {value!r} {allowed}" if not isinstance(value, (int, float)) else f"{key}: {value} {allowed}")
