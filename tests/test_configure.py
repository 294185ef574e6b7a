"""Set-up without a terminal: `--non-interactive --set`, the validation shared with the program, the probes,
and the guided session driven through a scripted prompter (discovery pick, old bad values, cancelling)."""

from __future__ import annotations

import argparse
import io
import os
import stat
from pathlib import Path

import pytest
import yaml

from evse_tui import cli
from evse_tui.clock import SystemClock
from evse_tui.config.errors import ConfigError
from evse_tui.config.load import config_to_dict, parse_config
from evse_tui.config.schema import Config
from evse_tui.setup import configure, document
from evse_tui.setup.probes import probe_influx_health, probe_influx_write, probe_quasar, probe_shelly
from evse_tui.setup.prompts import Prompter
from evse_tui.sim.devices import build_demo_home
from evse_tui.simserve.modbus_server import ModbusServerThread, PlainRegisters
from evse_tui.simserve.servers import start_sim_servers
from test_configure_fakes import FakeInflux
from test_discover import NotAShelly


@pytest.fixture
def sim():
    servers = start_sim_servers(build_demo_home(SystemClock()), aux_http_port=0)
    try:
        yield servers
    finally:
        servers.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- --non-interactive -------------------------------------------------------------------------------------
def test_set_values_write_a_validated_file_readable_only_by_the_owner(tmp_path, capsys):
    path = tmp_path / "config" / "config.yaml"
    status = cli.main(["--config", str(path), "configure", "--non-interactive",
                       "--set", "wallbox.url=10.0.0.5", "--set", "wallbox.max_charge_current=16",
                       "--set", "shelly.primary_url=http://10.0.0.6:8080", "--set", "shelly.evse.device=primary",
                       "--set", "shelly.evse.channel=2", "--set", "shelly.channels.secondary.1=solar",
                       "--set", "shelly.secondary_url=10.0.0.7", "--set", "charging.default_tariff=go"])
    assert status == 0, capsys.readouterr().err
    assert mode(path) == 0o600
    config, warnings = parse_config(yaml.safe_load(path.read_text()))
    assert warnings == []
    assert config.wallbox.url == "10.0.0.5" and config.wallbox.max_charge_current == 16
    assert (config.shelly.evse.device, config.shelly.evse.channel) == ("primary", 2)
    assert config.shelly.channels == {"secondary.1": "solar"}
    assert config.charging.default_tariff == "OCTGO"


def test_a_bad_value_is_refused_naming_key_and_range_and_the_file_is_untouched(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("wallbox: {url: 10.0.0.5}\n")
    status = configure.main(["--config", str(path), "--non-interactive", "--set", "wallbox.max_charge_current=40"])
    assert status == 2
    assert "wallbox.max_charge_current: 40 is outside 3..32" in capsys.readouterr().err
    assert path.read_text() == "wallbox: {url: 10.0.0.5}\n"
    assert not path.with_name("config.yaml.bak").exists()


@pytest.mark.parametrize("assignment, reason", [
    ("wallbox.max_current=16", "names an unknown key (known in wallbox: url, username, password"),
    ("wallbx.url=10.0.0.5", "names an unknown section (known: wallbox, shelly"),
    ("wallbox.url.host=x", "is too deep; use wallbox.url=value"),
    ("wallbox.url", "must look like section.key=value"),
    ("shelly.grid.channel=3", "shelly.grid.channel: 3 is outside 1..2"),
    ("shelly.evse.device=primary", "shelly.evse.channel: None is not a whole number"),
    ("shelly.grid.device=secondary", "needs shelly.secondary_url to be set"),
])
def test_typos_and_inconsistent_values_fail_instead_of_being_ignored(tmp_path, capsys, assignment, reason):
    path = tmp_path / "config.yaml"
    status = configure.main(["--config", str(path), "--non-interactive", "--set", assignment])
    assert status == 2
    assert reason in capsys.readouterr().err
    assert not path.exists()


def test_probe_writes_only_when_every_device_answers(tmp_path, capsys, sim):
    path = tmp_path / "config.yaml"
    base = ["--config", str(path), "--non-interactive", "--probe", f"--set=shelly.primary_url=127.0.0.1:{sim.http_port}"]
    assert configure.main(base + ["--set", "wallbox.url=127.0.0.9:1502"]) == 1
    captured = capsys.readouterr()
    assert "problem: no answer from a Quasar at 127.0.0.9:1502 over Modbus: connection refused" in captured.out
    assert "was not written" in captured.err and not path.exists()
    assert configure.main(base + ["--set", f"wallbox.url=127.0.0.1:{sim.modbus_port}"]) == 0
    out = capsys.readouterr().out
    assert f"found: Wallbox Quasar at 127.0.0.1:{sim.modbus_port}" in out
    assert f"found: Shelly EM Gen1 at http://127.0.0.1:{sim.http_port}: channel 1 reads" in out
    assert yaml.safe_load(path.read_text())["wallbox"]["url"] == f"127.0.0.1:{sim.modbus_port}"


def test_set_needs_non_interactive(tmp_path, capsys):
    assert configure.main(["--config", str(tmp_path / "c.yaml"), "--set", "wallbox.url=x"]) == 2
    assert "--set and --probe need --non-interactive" in capsys.readouterr().err


# -- one validation for set-up and program -----------------------------------------------------------------
@pytest.mark.parametrize("path, value", [
    (("wallbox", "url"), "host:0"),
    (("wallbox", "max_discharge_current"), "2"),
    (("shelly", "secondary_url"), "a b"),
    (("charging", "default_tariff"), "AGILE"),
    (("charging", "battery_capacity_kwh"), "big"),
    (("logging", "console_level"), "LOUD"),
    (("influxdb", "enabled"), "maybe"),
])
def test_an_answer_is_refused_with_exactly_the_message_the_program_gives(path, value):
    with pytest.raises(ConfigError) as at_setup:
        document.check_value(config_to_dict(Config()), path, value)
    with pytest.raises(ConfigError) as at_start:
        parse_config({path[0]: {path[1]: value}})
    assert str(at_setup.value) == str(at_start.value)


def test_a_wallbox_address_the_driver_cannot_dial_is_refused():
    with pytest.raises(ConfigError, match="wallbox.url"):
        document.check_value({}, ("wallbox", "url"), "http://10.0.0.5")


# -- probes ------------------------------------------------------------------------------------------------
def test_influx_write_probe_names_what_is_wrong_and_never_the_token():
    server = FakeInflux("right-token", "home", "powerlog")
    try:
        ok = probe_influx_write(server.url, "right-token", "home", "powerlog")
        refused = probe_influx_write(server.url, "wrong-token", "home", "powerlog")
        no_bucket = probe_influx_write(server.url, "right-token", "home", "powerlg")
        no_org = probe_influx_write(server.url, "right-token", "house", "powerlog")
        health = probe_influx_health(server.url)
    finally:
        server.close()
    assert ok.ok and ok.summary == "the token can write to bucket 'powerlog' of org 'home'"
    assert not refused.ok and refused.summary == "the token was refused (HTTP 401: unauthorized access)"
    assert not no_bucket.ok and 'bucket "powerlg" not found' in no_bucket.summary
    assert not no_org.ok and 'organization name "house" not found' in no_org.summary
    assert health.ok and health.summary == f"InfluxDB v2.7.11 at {server.url} is healthy"
    assert server.written == []
    assert not any("token" in r.summary and "-token" in r.summary for r in (ok, refused, no_bucket, no_org))


def test_influx_probes_against_a_real_compatible_server(victoria):
    assert probe_influx_health(victoria.url).ok
    assert probe_influx_write(victoria.url, "any", "home", "powerlog").ok
    assert not probe_influx_health("127.0.0.9:8086").ok


def test_a_modbus_device_that_is_not_a_quasar_is_not_taken_for_one():
    with ModbusServerThread(PlainRegisters({0x219: 300, 0x21A: 7000}), "127.0.0.1", 0) as server:
        result = probe_quasar(f"127.0.0.1:{server.port}")
    assert not result.ok and "answered, but not like a Quasar" in result.summary


def test_shelly_probe_names_gen2_meters_and_refuses_other_web_servers():
    servers = start_sim_servers(build_demo_home(SystemClock()), gen=2)
    web = NotAShelly("127.0.0.1", 0)
    try:
        gen2 = probe_shelly(f"127.0.0.1:{servers.http_port}")
        other = probe_shelly(f"http://127.0.0.1:{web.server_address[1]}/")
    finally:
        web.close()
        servers.close()
    assert gen2.result.ok and gen2.result.summary.startswith(
        f"Shelly Pro EM Gen2 (shellyproem50-sim) at http://127.0.0.1:{servers.http_port}: channel 1 reads ")
    assert set(gen2.channels) == {1, 2}
    assert not other.result.ok and "HTTP 404 from /shelly (not a Shelly?)" in other.result.summary


# -- the guided session with a scripted owner --------------------------------------------------------------
class Owner:
    """Answers prompts in order; each answer names a piece of the prompt it expects, so a changed flow fails."""

    def __init__(self, steps: list[tuple[str, str]]) -> None:
        self.steps = list(steps)
        self.out = io.StringIO()

    def read(self, prompt: str) -> str:
        self.out.write(prompt)
        if not self.steps:
            raise EOFError
        expected, answer = self.steps.pop(0)
        assert expected in prompt, f"expected a prompt with {expected!r}, got {prompt!r}\n{self.out.getvalue()}"
        self.out.write(answer + "\n")
        return answer

    def prompter(self) -> Prompter:
        return Prompter(self.read, self.read, self.out)


def args_for(path: Path, **extra) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure.add_arguments(parser)
    args = parser.parse_args([])
    args.config, args.data_dir = str(path), None
    for key, value in extra.items():
        setattr(args, key, value)
    return args


def rest_of_session(primary: str) -> list[tuple[str, str]]:
    return [("Maximum charge current", ""), ("Maximum discharge current", ""), ("Wallbox cloud", "n"),
            ("Primary Shelly", primary), ("Secondary Shelly", ""), ("grid", ""), ("Wallbox?", ""),
            ("Name for primary.2", ""), ("InfluxDB?", ""), ("SoC in %", ""), ("SoC cap", ""),
            ("Default tariff", ""), ("battery", ""), ("Log file level", ""), ("Console level", "")]


def test_discovered_devices_can_be_picked_by_number(tmp_path):
    servers = start_sim_servers(build_demo_home(SystemClock()), host="127.0.0.7")
    try:
        owner = Owner([("Search the local network", "y"), ("Network(s) to scan", ""),
                       ("Quasar address", "1")] + rest_of_session("1") + [("Write", "y")])
        args = args_for(tmp_path / "config.yaml", discover_subnet="127.0.0.7/32",
                        discover_modbus_port=servers.modbus_port, discover_http_port=servers.http_port)
        status = configure.run(args, owner.prompter())
    finally:
        servers.close()
    transcript = owner.out.getvalue()
    assert status == 0, transcript
    assert f"1) 127.0.0.7:{servers.modbus_port}  Wallbox Quasar" in transcript
    assert f"1) 127.0.0.7:{servers.http_port}  Shelly EM Gen1" in transcript
    written = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert written["wallbox"]["url"] == f"127.0.0.7:{servers.modbus_port}"
    assert written["shelly"]["primary_url"] == f"127.0.0.7:{servers.http_port}"
    assert written["shelly"]["evse"] == {"device": "", "channel": None}


def test_an_old_bad_value_is_asked_for_before_writing(tmp_path, sim):
    path = tmp_path / "config.yaml"
    path.write_text(f"wallbox: {{url: '127.0.0.1:{sim.modbus_port}'}}\n"
                    f"shelly: {{primary_url: '127.0.0.1:{sim.http_port}'}}\nlogging: {{max_bytes: 5}}\nlegacy: 1\n")
    owner = Owner([("Search", "n"), ("Quasar address", "")] + rest_of_session("")
                  + [("logging.max_bytes", "1000"), ("logging.max_bytes", "2000000"), ("Write", "")])
    assert configure.run(args_for(path), owner.prompter()) == 0
    transcript = owner.out.getvalue()
    assert "the current file has a problem you will be asked to fix: logging.max_bytes: 5 is outside" in transcript
    assert "not accepted: logging.max_bytes: 1000 is outside 10000..10000000000" in transcript
    assert "note: unknown section legacy ignored" in transcript
    assert yaml.safe_load(path.read_text())["logging"]["max_bytes"] == 2000000
    assert "max_bytes: 5}" in path.with_name("config.yaml.bak").read_text()


@pytest.mark.parametrize("ending", [[("Write", "n")], []])  # saying no, or Ctrl-D (end of input)
def test_a_cancelled_session_writes_nothing(tmp_path, sim, capsys, ending):
    path = tmp_path / "config.yaml"
    owner = Owner([("Search", "n"), ("Quasar address", f"127.0.0.1:{sim.modbus_port}")]
                  + rest_of_session(f"127.0.0.1:{sim.http_port}") + ending)
    assert configure.run(args_for(path), owner.prompter()) == 1
    assert f"{path} was not changed" in capsys.readouterr().out
    assert not path.exists()


def test_broken_yaml_is_an_error_without_questions_and_a_fresh_start_with_them(tmp_path, sim, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("wallbox: [url: \n")
    assert configure.main(["--config", str(path), "--non-interactive", "--set", "wallbox.url=10.0.0.5"]) == 2
    assert "is not valid YAML" in capsys.readouterr().err
    assert path.read_text() == "wallbox: [url: \n"

    owner = Owner([("Search", "n"), ("Quasar address", f"127.0.0.1:{sim.modbus_port}")]
                  + rest_of_session(f"127.0.0.1:{sim.http_port}") + [("Write", "y")])
    assert configure.run(args_for(path), owner.prompter()) == 0
    assert "is not valid YAML; starting from the defaults" in owner.out.getvalue()
    assert yaml.safe_load(path.read_text())["wallbox"]["url"] == f"127.0.0.1:{sim.modbus_port}"
    assert path.with_name("config.yaml.bak").read_text() == "wallbox: [url: \n"


def test_a_problem_set_up_does_not_ask_about_stops_before_the_first_question(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Mars/Base\n")
    owner = Owner([])
    assert configure.run(args_for(path), owner.prompter()) == 2
    assert "timezone: 'Mars/Base' is not a time zone name such as Europe/London (fix this in" in \
        capsys.readouterr().err
    assert "Search" not in owner.out.getvalue()


def test_a_device_kept_without_an_answer_is_flagged_before_writing(tmp_path, sim):
    path = tmp_path / "config.yaml"
    steps = [("Search", "n"), ("Quasar address", f"127.0.0.1:{sim.modbus_port}")] + rest_of_session(
        f"127.0.0.1:{sim.http_port}") + [("Write", "y")]
    at = steps.index(("Secondary Shelly", ""))
    steps[at:at + 1] = [("Secondary Shelly", "127.0.0.11"), ("Keep this address anyway", "y")]
    steps.insert(steps.index(("Name for primary.2", "")) + 1, ("Name for secondary.1", "solar"))
    steps.insert(steps.index(("Name for secondary.1", "solar")) + 1, ("Name for secondary.2", ""))
    owner = Owner(steps)
    assert configure.run(args_for(path), owner.prompter()) == 0
    transcript = owner.out.getvalue()
    assert "shelly.secondary_url: DID NOT ANSWER (kept anyway): no Shelly answering at http://127.0.0.11:80" in transcript
    assert "shelly.primary_url: answered" in transcript
    written = yaml.safe_load(path.read_text())["shelly"]
    assert written["secondary_url"] == "127.0.0.11" and written["channels"] == {"secondary.1": "solar"}


def test_the_data_folder_flag_puts_the_file_in_its_config_folder(tmp_path, capsys):
    status = cli.main(["--data-dir", str(tmp_path / "data"), "configure", "--non-interactive",
                       "--set", "wallbox.url=10.0.0.5"])
    assert status == 0, capsys.readouterr().err
    path = tmp_path / "data" / "config" / "config.yaml"
    assert yaml.safe_load(path.read_text())["wallbox"]["url"] == "10.0.0.5"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
