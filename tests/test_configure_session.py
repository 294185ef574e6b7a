"""`configure.py` driven like an owner would, on a pseudo-terminal, against `evse-tui sim-devices` on loopback.

The first session writes a new config, with wrong answers along the way; the second walks through it again
pressing Enter everywhere and must write the same file back, keeping the old one as config.yaml.bak.
"""

from __future__ import annotations

import os
import stat
import sys

import pexpect
import pytest
import yaml

from test_configure_fakes import ROOT, FakeInflux, start_sim_devices

TOKEN = "tok-3f9a1c"
PASSWORD = "s3cret-pw"


@pytest.fixture
def devices():
    sim = start_sim_devices()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def influx():
    server = FakeInflux(TOKEN, "home", "powerlog")
    try:
        yield server
    finally:
        server.close()


def spawn(data_dir) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, [str(ROOT / "configure.py"), "--data-dir", str(data_dir)],
                          cwd=str(ROOT), encoding="utf-8", timeout=15, dimensions=(50, 200))
    child.transcript = []  # type: ignore[attr-defined]

    class Tee:
        def write(self, text: str) -> None:
            child.transcript.append(text)

        def flush(self) -> None:
            pass

    child.logfile_read = Tee()
    return child


def converse(child: pexpect.spawn, steps: list[tuple[str, str]]) -> None:
    """Each step waits for a prompt (a regex) and answers it; a prompt that never comes fails the test."""
    for prompt, answer in steps:
        child.expect(prompt)
        child.sendline(answer)


def test_full_session_writes_the_config_and_shows_what_each_device_said(tmp_path, devices, influx):
    child = spawn(tmp_path)
    wrong_token = "not-the-token"
    try:
        converse(child, [
            (r"Search the local network.*\[y/N\]: ", "n"),
            (r"Quasar address.*: ", "127.0.0.1:port"),  # port text
            (r"Quasar address.*: ", "127.0.0.9:1502"),  # nothing listens there
            (r"Keep this address anyway\? \[y/N\]: ", "n"),
            (r"Quasar address.*: ", devices.modbus),
            (r"Maximum charge current in A \(3..32\) \[32\]: ", "40"),
            (r"Maximum charge current in A \(3..32\) \[32\]: ", "16"),
            (r"Maximum discharge current in A \(3..32\) \[32\]: ", "10"),
            (r"Restart the charger through the Wallbox cloud.*\[y/N\]: ", "y"),
            (r"Wallbox account e-mail: ", "owner@example.com"),
            (r"Wallbox account password \(hidden\): ", PASSWORD),
            (r"Charger serial number: ", "WB123456"),
            (r"Primary Shelly address.*: ", "127.0.0.10:8080"),  # unreachable
            (r"Keep this address anyway\? \[y/N\]: ", ""),
            (r"Primary Shelly address.*: ", devices.primary),
            (r"Secondary Shelly address \(- for none\): ", devices.secondary),
            (r"Which channel measures the grid\? \[primary.1\]: ", "primary.3"),
            (r"Which channel measures the grid\? \[primary.1\]: ", ""),
            (r"Which channel measures the Wallbox\?.*: ", "primary.1"),  # the grid's channel
            (r"Which channel measures the Wallbox\?.*: ", "primary.2"),
            (r"Name for secondary.1.*: ", "heatpump"),
            (r"Name for secondary.2.*: ", "solar"),
            (r"Send the readings to InfluxDB\? \[y/N\]: ", "y"),
            (r"InfluxDB URL.*\[http://localhost:8086\]: ", influx.url),
            (r"InfluxDB API token \(hidden\): ", wrong_token),
            (r"Organisation: ", "home"),
            (r"Bucket \[powerlog\]: ", ""),
            (r"Keep these settings anyway\? \[y/N\]: ", "n"),
            (r"InfluxDB API token \(hidden; Enter keeps the current one\): ", TOKEN),
            (r"Organisation \[home\]: ", ""),
            (r"Bucket \[powerlog\]: ", ""),
            (r"Charge the car up to this SoC.*\[90\]: ", "85"),
            (r"SoC cap.*\[80\]: ", "101"),
            (r"SoC cap.*\[80\]: ", "70"),
            (r"Default tariff \(.*\) \[COSY\]: ", "flux"),
            (r"Usable battery size.*\[40\]: ", "59"),
            (r"Log file level.*\[DEBUG\]: ", "loud"),
            (r"Log file level.*\[DEBUG\]: ", "info"),
            (r"Console level.*\[WARNING\]: ", ""),
            (r"Write .*config.yaml\? \[Y/n\]: ", "y"),
        ])
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    out = "".join(child.transcript)
    assert child.exitstatus == 0, out

    # wrong answers were refused with the reason, then asked again (the conversation above proves "again")
    assert "not accepted: wallbox.url: '127.0.0.1:port' has a port that is not a number in 1..65535" in out
    assert "problem: no answer from a Quasar at 127.0.0.9:1502 over Modbus: connection refused" in out
    assert "not accepted: wallbox.max_charge_current: 40 is outside 3..32" in out
    assert "problem: no Shelly answering at http://127.0.0.10:8080" in out
    assert "not accepted: shelly.grid.channel: 3 is outside 1..2" in out
    assert "not accepted: shelly.evse: 'primary.1' is the same channel as shelly.grid" in out
    assert "problem: the token was refused (HTTP 401: unauthorized access)" in out
    assert "not accepted: charging.solar_period_max_charge: 101 is outside 10..100" in out
    assert "not accepted: logging.file_level: 'loud' is not a log level" in out
    # what each device answered was shown
    assert f"found: Wallbox Quasar at {devices.modbus}: state PAUSED (4)" in out
    assert f"found: Shelly EM Gen1 at http://{devices.primary}: channel 1 reads " in out
    assert f"found: Shelly EM Gen1 at http://{devices.secondary}: channel 1 reads " in out
    assert f"found: InfluxDB v2.7.11 at {influx.url} is healthy" in out
    assert "found: the token can write to bucket 'powerlog' of org 'home'" in out
    # secrets were typed without echo and never printed
    assert f"wallbox.url: answered: Wallbox Quasar at {devices.modbus}" in out  # the recap before writing
    assert f"shelly.secondary_url: answered: Shelly EM Gen1 at http://{devices.secondary}" in out
    assert "influxdb.token: answered: the token can write" in out
    assert PASSWORD not in out and TOKEN not in out and wrong_token not in out
    assert influx.written == []  # the write check stores nothing

    path = tmp_path / "config" / "config.yaml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    written = yaml.safe_load(path.read_text())
    assert written["wallbox"] == {"url": devices.modbus, "username": "owner@example.com", "password": PASSWORD,
                                  "serial": "WB123456", "max_charge_current": 16, "max_discharge_current": 10}
    assert written["shelly"] == {
        "primary_url": devices.primary, "secondary_url": devices.secondary,
        "grid": {"device": "primary", "channel": 1}, "evse": {"device": "primary", "channel": 2},
        "channels": {"secondary.1": "heatpump", "secondary.2": "solar"}}
    assert written["influxdb"] == {"enabled": True, "url": influx.url, "token": TOKEN, "org": "home",
                                   "bucket": "powerlog"}
    assert written["charging"]["max_charge_percent"] == 85
    assert written["charging"]["solar_period_max_charge"] == 70
    assert written["charging"]["default_tariff"] == "FLUX"
    assert written["charging"]["battery_capacity_kwh"] == 59
    assert written["logging"]["file_level"] == "INFO" and written["logging"]["console_level"] == "WARNING"


def test_second_session_offers_the_current_values_and_enter_keeps_them(tmp_path, devices):
    path = tmp_path / "config" / "config.yaml"
    path.parent.mkdir()
    original = (
        "wallbox:\n"
        f"  url: '{devices.modbus}'\n  username: me@example.com\n  password: {PASSWORD}\n  serial: WB1\n"
        "  max_charge_current: 20\n  max_discharge_current: 12\n"
        f"shelly:\n  primary_url: '{devices.primary}'\n  secondary_url: '{devices.secondary}'\n"
        "  grid: {device: secondary, channel: 2}\n  evse: {device: primary, channel: 2}\n"
        "  channels: {primary.1: garage}\n"
        "charging: {max_charge_percent: 95, default_tariff: OCTGO}\n"
        "logging: {file_level: WARNING}\n"
    )
    path.write_text(original)
    child = spawn(tmp_path)
    try:
        for _ in range(40):  # one Enter per question; there are fewer than 40
            index = child.expect([r"Write .*\? \[Y/n\]: ", r"Keep .* anyway\? \[y/N\]: ", r": $"])
            if index == 1:
                pytest.fail("a device did not answer: " + "".join(child.transcript))
            child.sendline("")
            if index == 0:
                break
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    out = "".join(child.transcript)
    assert child.exitstatus == 0, out
    for shown in (f"[{devices.modbus}]", "[20]", "[12]", "[me@example.com]", "[WB1]", f"[{devices.primary}]",
                  "[secondary.2]", "[primary.2]", "[garage]", "[95]", "[OCTGO]", "[WARNING]"):
        assert shown in out, shown
    assert "Wallbox account password (hidden; Enter keeps the current one)" in out
    assert f"found: Wallbox Quasar at {devices.modbus}" in out
    written = yaml.safe_load(path.read_text())
    before = yaml.safe_load(original)
    assert written["wallbox"] == {**before["wallbox"], "url": devices.modbus}
    assert written["shelly"] == before["shelly"]
    assert written["charging"]["max_charge_percent"] == 95 and written["charging"]["default_tariff"] == "OCTGO"
    assert written["influxdb"]["enabled"] is False
    backup = path.with_name("config.yaml.bak")
    assert backup.read_text() == original
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600 and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_ctrl_c_leaves_the_config_as_it_was(tmp_path):
    child = spawn(tmp_path)
    try:
        child.expect(r"Search the local network.*\[y/N\]: ")
        child.sendline("n")
        child.expect(r"Quasar address.*: ")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    assert "Set-up interrupted; " in "".join(child.transcript)
    assert not (tmp_path / "config").exists()
