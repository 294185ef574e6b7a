"""Restarting the charger through the Wallbox cloud when its Modbus module has stopped answering.

Only the restart is used: the `wallbox` package signs in with the owner's account and posts the restart
action for the charger's serial. Errors are reduced to a short reason with the password scrubbed, so no
secret can reach a log line or the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from wallbox import Wallbox

log = logging.getLogger("evse_tui.drivers.wallbox_cloud")

DEFAULT_TIMEOUT_S = 15.0


class CloudRestartError(Exception):
    """The cloud refused or could not be reached; the message is safe to show."""


class WallboxCloud:
    """The owner's Wallbox account, able to restart one charger.

    `auth_url` and `base_url` replace the package's cloud addresses (tests point them at a local server).
    """

    def __init__(
        self,
        username: str,
        password: str,
        serial: str,
        *,
        auth_url: str | None = None,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        wallbox_factory: Callable[..., Any] = Wallbox,
    ) -> None:
        if not (username and password and serial):
            raise ValueError("a Wallbox cloud restart needs username, password and serial")
        self.serial = str(serial)
        self._password = password
        self._client = wallbox_factory(username, password, requestGetTimeout=timeout_s)
        if auth_url:
            self._client.authUrl = auth_url if auth_url.endswith("/") else auth_url + "/"
        if base_url:
            self._client.baseUrl = base_url if base_url.endswith("/") else base_url + "/"

    def restart(self) -> None:
        """Sign in (or reuse a valid token) and ask the cloud to restart the charger."""
        try:
            self._client.authenticate()
        except Exception as exc:  # the package raises requests and JSON errors of many kinds
            raise CloudRestartError(f"Wallbox cloud sign-in failed: {self._reason(exc)}") from None
        try:
            self._client.restartCharger(self.serial)
        except Exception as exc:
            raise CloudRestartError(f"Wallbox cloud restart of charger {self.serial} failed: {self._reason(exc)}") from None

    def _reason(self, exc: Exception) -> str:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status is not None:
            text = f"HTTP {status}"
        elif isinstance(exc, (KeyError, ValueError, TypeError)):
            text = f"unexpected reply ({type(exc).__name__}: {exc})"
        else:
            text = f"{type(exc).__name__}: {exc}"
        return self.scrub(text)

    def scrub(self, text: str) -> str:
        """Remove the password from any text that might be shown or logged."""
        return text.replace(self._password, "***") if self._password else text

    def __repr__(self) -> str:  # never show the account's secrets
        return f"WallboxCloud(serial={self.serial!r})"
