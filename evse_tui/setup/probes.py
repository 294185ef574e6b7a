"""One-shot checks that a device the owner typed in really answers, and what it says.

Set-up and discovery both use these, with short timeouts, so an owner learns before the first run that
the charger, the meters and the InfluxDB server are reachable. They read through the same drivers the
program runs on, so a probe that succeeds means the program will read the device the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from evse_tui.config.errors import ConfigError
from evse_tui.control.states import charger_state_name
from evse_tui.drivers.addresses import http_base_url, modbus_address
from evse_tui.drivers.quasar import REG_STATE, REG_SOC, SOC_VALID, ModbusFailure, ModbusLink
from evse_tui.drivers.shelly import MeterFailure, ShellyDevice

# Gen1 `/shelly` reports a type code; these are the energy meters and the names printed on them.
GEN1_MODELS = {"SHEM": "Shelly EM", "SHEM-3": "Shelly 3EM"}
# Gen2+ `/shelly` names the firmware application; the meters' product names for the common ones.
GEN2_MODELS = {"ProEM": "Shelly Pro EM", "Pro3EM": "Shelly Pro 3EM", "EMG3": "Shelly EM", "EM": "Shelly EM"}
KNOWN_QUASAR_STATES = range(0, 12)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """`ok` says whether the device answered as expected; `summary` is the line the owner reads."""

    ok: bool
    summary: str


# -- Wallbox Quasar ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuasarReply:
    state: int
    soc_raw: int

    def describe(self) -> str:
        soc = f"SoC {self.soc_raw} %" if self.soc_raw in SOC_VALID else (
            f"SoC not reported now (reads {self.soc_raw}; the Quasar reports it while (dis)charging)")
        return f"state {charger_state_name(self.state)} ({self.state}), {soc}"

    @property
    def plausible(self) -> bool:
        """A Quasar answers a known state and a percentage; another Modbus device rarely does both."""
        return self.state in KNOWN_QUASAR_STATES and 0 <= self.soc_raw <= 100


def read_quasar(host: str, port: int, timeout_s: float) -> QuasarReply:
    """Read 0x219 (state) and 0x21A (SoC) once; raises ModbusFailure with the reason."""
    link = ModbusLink(host, port, timeout_s=timeout_s)
    try:
        return QuasarReply(link.read(REG_STATE), link.read(REG_SOC))
    finally:
        link.close()


def probe_quasar(url: str, timeout_s: float = 1.5) -> ProbeResult:
    """`Wallbox Quasar at host:502: state PAUSED (4), SoC 55 %`, or why it could not be read."""
    try:
        host, port = modbus_address(url)
    except ConfigError as exc:
        return ProbeResult(False, str(exc))
    where = f"{host}:{port}"
    try:
        reply = read_quasar(host, port, timeout_s)
    except ModbusFailure as exc:
        return ProbeResult(False, f"no answer from a Quasar at {where} over Modbus: {exc.reason}")
    if not reply.plausible:
        return ProbeResult(False, f"a Modbus device at {where} answered, but not like a Quasar: {reply.describe()}")
    return ProbeResult(True, f"Wallbox Quasar at {where}: {reply.describe()}")


# -- Shelly -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ShellyIdentity:
    gen: int
    model: str
    name: str

    @property
    def title(self) -> str:
        return f"{self.model} Gen{self.gen}"


def identify_shelly(base_url: str, timeout_s: float, session: requests.Session | None = None) -> ShellyIdentity:
    """Ask `/shelly` (and Gen1's `/settings` for its name); raises MeterFailure if it is not a Shelly."""
    get = (session or requests).get
    try:
        reply = get(base_url + "/shelly", timeout=timeout_s)
    except requests.Timeout:
        raise MeterFailure("timeout asking /shelly") from None
    except requests.ConnectionError as exc:
        raise MeterFailure("connection refused" if "refused" in str(exc).lower() else "cannot connect") from None
    except requests.RequestException as exc:
        raise MeterFailure(f"{type(exc).__name__} asking /shelly") from None
    if reply.status_code != 200:
        raise MeterFailure(f"HTTP {reply.status_code} from /shelly (not a Shelly?)")
    try:
        info = reply.json()
    except ValueError:
        raise MeterFailure("/shelly did not answer JSON (not a Shelly?)") from None
    if not isinstance(info, dict):
        raise MeterFailure("/shelly did not answer a JSON object (not a Shelly?)")
    gen = info.get("gen")
    if isinstance(gen, int) and not isinstance(gen, bool) and gen >= 2:
        app = str(info.get("app") or info.get("model") or "unknown model")
        name = info.get("name") or info.get("id") or ""
        return ShellyIdentity(gen, GEN2_MODELS.get(app, f"Shelly {app}"), str(name))
    kind = info.get("type")
    if not isinstance(kind, str) or not kind:
        raise MeterFailure("/shelly answered without a type or gen (not a Shelly?)")
    return ShellyIdentity(1, GEN1_MODELS.get(kind, f"Shelly {kind}"), _gen1_name(get, base_url, timeout_s))


def _gen1_name(get, base_url: str, timeout_s: float) -> str:
    """Gen1 keeps the owner's name (or the hostname) in `/settings`; it is optional, so failures give ""."""
    try:
        settings = get(base_url + "/settings", timeout=timeout_s).json()
    except (requests.RequestException, ValueError):
        return ""
    if not isinstance(settings, dict):
        return ""
    device = settings.get("device") if isinstance(settings.get("device"), dict) else {}
    return str(settings.get("name") or device.get("hostname") or "")


@dataclass(frozen=True, slots=True)
class ShellyProbe:
    """What a meter said: identity and the power of each channel (1-based), for choosing grid and EVSE."""

    result: ProbeResult
    identity: ShellyIdentity | None = None
    channels: dict[int, float] = field(default_factory=dict)


def probe_shelly(url: str, timeout_s: float = 1.5, key: str = "shelly.primary_url") -> ShellyProbe:
    """`Shelly EM Gen1 at http://host:80: channel 1 reads 412 W, channel 2 reads -2400 W`, or why not."""
    try:
        base = http_base_url(url, key)
    except ConfigError as exc:
        return ShellyProbe(ProbeResult(False, str(exc)))
    with requests.Session() as session:
        try:
            identity = identify_shelly(base, timeout_s, session)
            channels, problems = ShellyDevice(base, session, (timeout_s,)).read()
        except MeterFailure as exc:
            return ShellyProbe(ProbeResult(False, f"no Shelly answering at {base}: {exc}"))
    if not channels:
        why = "; ".join(f"channel {n}: {p}" for n, p in sorted(problems.items())) or "no channels"
        return ShellyProbe(ProbeResult(False, f"{identity.title} at {base} gave no readings ({why})"), identity)
    parts = [f"channel {n} reads {reading.power_w:.0f} W" for n, reading in sorted(channels.items())]
    parts += [f"channel {n}: {problem}" for n, problem in sorted(problems.items())]
    named = f" ({identity.name})" if identity.name else ""
    summary = f"{identity.title}{named} at {base}: {', '.join(parts)}"
    return ShellyProbe(ProbeResult(True, summary), identity, {n: r.power_w for n, r in channels.items()})


# -- InfluxDB ---------------------------------------------------------------------------------------------
def influx_base_url(url: str) -> str:
    text = url.strip().rstrip("/")
    return text if "://" in text else f"http://{text}"


def probe_influx_health(url: str, timeout_s: float = 3.0) -> ProbeResult:
    """GET /health: InfluxDB 2 answers `{"status": "pass"}`; compatible servers answer 200 with text."""
    base = influx_base_url(url)
    try:
        reply = requests.get(base + "/health", timeout=timeout_s)
    except requests.Timeout:
        return ProbeResult(False, f"InfluxDB at {base}: timeout asking /health")
    except requests.RequestException as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else "cannot connect"
        return ProbeResult(False, f"InfluxDB at {base}: {reason}")
    if reply.status_code != 200:
        return ProbeResult(False, f"InfluxDB at {base}: /health answered HTTP {reply.status_code}")
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        status = body.get("status")
        version = f" {body['version']}" if body.get("version") else ""
        if status not in (None, "pass"):
            return ProbeResult(False, f"InfluxDB{version} at {base} is unhealthy: {body.get('message') or status}")
        return ProbeResult(True, f"InfluxDB{version} at {base} is healthy")
    return ProbeResult(True, f"server at {base} is healthy ({reply.text.strip()[:40] or 'HTTP 200'})")


def probe_influx_write(url: str, token: str, org: str, bucket: str, timeout_s: float = 3.0) -> ProbeResult:
    """An empty write: the server checks token, org and bucket, and stores nothing (204 when allowed)."""
    base = influx_base_url(url)
    target = f"{base}/api/v2/write?org={quote(org)}&bucket={quote(bucket)}&precision=s"
    headers = {"Authorization": f"Token {token}", "Content-Type": "text/plain; charset=utf-8"}
    try:
        reply = requests.post(target, data=b"", headers=headers, timeout=timeout_s)
    except requests.Timeout:
        return ProbeResult(False, f"InfluxDB at {base}: timeout on a test write")
    except requests.RequestException:
        return ProbeResult(False, f"InfluxDB at {base}: cannot connect for a test write")
    if reply.status_code in (200, 204):
        return ProbeResult(True, f"the token can write to bucket {bucket!r} of org {org!r}")
    message = _influx_message(reply)
    if token:
        message = message.replace(token, "***")
    if reply.status_code == 401:
        return ProbeResult(False, f"the token was refused (HTTP 401{message})")
    if reply.status_code == 403:
        return ProbeResult(False, f"the token may not write to bucket {bucket!r} (HTTP 403{message})")
    if reply.status_code == 404:
        return ProbeResult(False, f"org {org!r} or bucket {bucket!r} not found (HTTP 404{message})")
    return ProbeResult(False, f"a test write failed (HTTP {reply.status_code}{message})")


def _influx_message(reply: requests.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return ""
    return f": {body['message']}" if isinstance(body, dict) and body.get("message") else ""
