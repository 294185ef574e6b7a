"""Configuration: defaults, validation messages, unknown keys, atomic saving, and the CLI's exit status."""

import os
import stat
import subprocess
import sys

import pytest
import yaml

from evse_tui.config.errors import ConfigError
from evse_tui.config.load import load_config, parse_config, save_config, set_value
from evse_tui.config.schema import Config


def test_an_empty_file_gives_every_default():
    config, warnings = parse_config(None)
    assert config == Config()
    assert warnings == []
    assert config.wallbox.max_charge_current == 32
    assert config.charging.default_tariff == "COSY"
    assert config.influxdb.bucket == "powerlog"


def test_the_domain_example_parses():
    raw = yaml.safe_load(
        """
wallbox: {url: "WB012345.local", username: "", password: "", serial: null, max_charge_current: 32, max_discharge_current: 32}
shelly: {primary_url: "shellyem-123456.local", secondary_url: null, grid: {device: primary, channel: 1}, evse: {device: "", channel: null}, channels: {}}
influxdb: {enabled: false, url: "http://localhost:8086", token: "", org: "", bucket: "powerlog"}
logging: {file_level: DEBUG, console_level: WARNING, file_prefix: evse, max_bytes: 10485760, backup_count: 30}
charging: {max_charge_percent: 90, solar_period_max_charge: 80, default_tariff: COSY}
"""
    )
    config, warnings = parse_config(raw)
    assert warnings == []
    assert config.shelly.evse.device == ""


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"wallbox": {"max_charge_current": 40}}, "wallbox.max_charge_current: 40 is outside 3..32"),
        ({"wallbox": {"max_discharge_current": 2}}, "wallbox.max_discharge_current: 2 is outside 3..32"),
        ({"wallbox": {"max_charge_current": "lots"}}, "wallbox.max_charge_current: 'lots' is not a whole number (allowed 3..32)"),
        ({"wallbox": {"url": "WB1.local:http"}}, "wallbox.url: 'WB1.local:http' has a port that is not a number"),
        ({"shelly": {"grid": {"device": "tertiary", "channel": 1}}}, "shelly.grid.device: 'tertiary' must be primary, secondary or empty"),
        ({"shelly": {"grid": {"device": "primary", "channel": 3}}}, "shelly.grid.channel: 3 is outside 1..2"),
        ({"shelly": {"evse": {"device": "primary", "channel": 1}}}, "shelly.evse: 'primary.1' is the same channel as shelly.grid"),
        ({"shelly": {"evse": {"device": "secondary", "channel": 1}}}, "shelly.evse.device: 'secondary' needs shelly.secondary_url"),
        ({"logging": {"file_level": "LOUD"}}, "logging.file_level: 'LOUD' is not a log level"),
        ({"charging": {"default_tariff": "AGILE"}}, "charging.default_tariff: 'AGILE' is not a known tariff (allowed OCTGO, COSY, FLUX)"),
        ({"charging": {"max_charge_percent": 101}}, "charging.max_charge_percent: 101 is outside 10..100"),
        ({"influxdb": {"enabled": "maybe"}}, "influxdb.enabled: 'maybe' must be true or false"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not a time zone name"),
        ({"wallbox": [1, 2]}, "wallbox: [1, 2] must be a mapping of keys"),
    ],
)
def test_bad_values_name_the_key_the_value_and_what_is_allowed(raw, message):
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert message in str(info.value)


def test_unknown_keys_are_warned_about_by_name():
    _, warnings = parse_config({"wallbox": {"max_charge_curent": 16}, "chargin": {}})
    assert any("wallbox.max_charge_curent" in w for w in warnings)
    assert any("unknown section chargin" in w for w in warnings)


def test_save_is_private_keeps_a_backup_and_round_trips(tmp_path):
    path = tmp_path / "config.yaml"
    first = parse_config({"wallbox": {"password": "hunter2", "max_charge_current": 16}})[0]
    save_config(path, first)
    second = parse_config({"wallbox": {"max_charge_current": 20}})[0]
    save_config(path, second)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.with_name("config.yaml.bak")).st_mode) == 0o600
    assert load_config(path)[0] == second
    assert load_config(path.with_name("config.yaml.bak"))[0] == first
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_kill_during_save_never_leaves_a_truncated_file(tmp_path):
    """Kill a process that saves in a loop at random moments; the file always parses whole."""
    path = tmp_path / "config.yaml"
    save_config(path, Config())
    script = (
        "import sys\n"
        "from evse_tui.config.load import parse_config, save_config\n"
        "n = 0\n"
        "while True:\n"
        "    n = n % 29 + 3\n"
        "    save_config(sys.argv[1], parse_config({'wallbox': {'max_charge_current': n, 'username': 'x' * 5000}})[0])\n"
    )
    seen: set[int] = set()
    for delay in (0.3, 0.45, 0.6, 0.8, 1.0):
        proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        config, _ = load_config(path)  # raises if truncated
        assert 3 <= config.wallbox.max_charge_current <= 32
        seen.add(config.wallbox.max_charge_current)
        assert config.wallbox.username in ("", "x" * 5000)
    assert seen - {32}, "the saving process never wrote: the test would prove nothing"


def test_set_value_parses_yaml_values():
    raw: dict = {}
    set_value(raw, "wallbox.max_charge_current=16")
    set_value(raw, "shelly.grid={device: primary, channel: 2}")
    config, _ = parse_config(raw)
    assert config.wallbox.max_charge_current == 16
    assert config.shelly.grid.channel == 2


def run_cli(*args, data_dir):
    return subprocess.run(
        [sys.executable, "-m", "evse_tui", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=60,
    )


def test_a_bad_config_exits_2_with_the_message_and_no_traceback(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text("wallbox:\n  max_charge_current: 40\n  password: s3cret-pw\n")
    result = run_cli("--no-ui", data_dir=tmp_path)
    assert result.returncode == 2
    assert "wallbox.max_charge_current: 40 is outside 3..32" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_broken_yaml_exits_2_naming_the_place(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text("wallbox: [unclosed\n")
    result = run_cli("--no-ui", data_dir=tmp_path)
    assert result.returncode == 2
    assert "is not valid YAML" in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_real_run_without_a_configuration_says_how_to_make_one(tmp_path):
    result = run_cli("--no-ui", "--duration", "1", data_dir=tmp_path)
    assert result.returncode == 2
    assert "no configuration at" in result.stderr and "evse-tui configure" in result.stderr
    assert "Traceback" not in result.stderr
