"""Turning the owner's device addresses (`host`, `host:port`, `http://host:port`) into something to dial.

Both drivers take what the owner typed in config.yaml; a bad address meets a ConfigError naming the key
here, at the edge, instead of a socket error later.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from evse_tui.config.errors import ConfigError

MODBUS_PORT = 502
HTTP_PORT = 80


def _split_host_port(text: str, key: str, default_port: int) -> tuple[str, int]:
    """Split `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address keeps the default port."""
    allowed = "must be host or host:port (port 1-65535)"
    text = text.strip()
    if not text:
        raise ConfigError(key, text, allowed)
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ConfigError(key, text, allowed)
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ConfigError(key, text, allowed)
        port_text = rest[1:] if rest else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""  # a plain name, or an unbracketed IPv6 address
    if not host or any(c.isspace() or c in "/?#@" for c in host):
        raise ConfigError(key, text, allowed)
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ConfigError(key, text, allowed)
    return host, int(port_text)


def modbus_address(url: str, key: str = "wallbox.url") -> tuple[str, int]:
    """`WB012345.local` -> ("WB012345.local", 502); `10.0.0.5:5020` -> ("10.0.0.5", 5020)."""
    return _split_host_port(url, key, MODBUS_PORT)


def http_base_url(url: str, key: str = "shelly.primary_url") -> str:
    """`shellyem-1.local`, `10.0.0.6:8081` or `http://10.0.0.6:8081/` -> `http://host:port` (no slash)."""
    text = url.strip()
    allowed = "must be host, host:port or http://host:port"
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError(key, url, allowed)
        if parts.username or parts.password:
            raise ConfigError(key, url, "must not carry a user name or password")
        scheme, netloc = parts.scheme, parts.netloc
    else:
        scheme, netloc = "http", text.rstrip("/")
    host, port = _split_host_port(netloc, key, 443 if scheme == "https" else HTTP_PORT)
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"
