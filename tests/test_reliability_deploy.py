"""The operations files in deploy/: the systemd unit, the tmux launcher, the Dockerfile and compose file.

The tmux launcher runs for real on a private tmux server. The container files cannot be built here (no
Docker engine in CI), so they are checked for what the owner relies on: headless, non-root, the data
folder as a volume, SIGTERM reaching the program, no published port.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit_settings(path: Path) -> dict[str, list[str]]:
    """`Key=value` lines of a systemd unit (all sections), a key may repeat."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_systemd_unit_runs_headless_as_a_dedicated_user_and_restarts_on_failure():
    unit = unit_settings(DEPLOY / "evse-tui.service")
    assert unit["User"] == ["evse"] and unit["Group"] == ["evse"]
    exec_start = unit["ExecStart"][0].split()
    assert "--no-ui" in exec_start
    assert exec_start[exec_start.index("--data-dir") + 1] == "/var/lib/evse-tui"
    assert "EVSE_DATA_DIR=/var/lib/evse-tui" in unit["Environment"]
    assert unit["StateDirectory"] == ["evse-tui"] and unit["StateDirectoryMode"] == ["0700"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # a config error or a second instance: do not loop
    assert unit["KillSignal"] == ["SIGTERM"] and int(unit["TimeoutStopSec"][0]) >= 5
    assert unit["UMask"] == ["0077"]
    assert unit["StandardInput"] == ["null"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    # The unit names /opt/evse-tui/bin/evse-tui; point a copy at this checkout's program so verify can check it.
    program = Path(sys.executable).parent / "evse-tui"
    if not program.exists():
        pytest.skip("the evse-tui script is not installed next to this Python")
    text = (DEPLOY / "evse-tui.service").read_text().replace("/opt/evse-tui/bin/evse-tui", str(program))
    copy = tmp_path / "evse-tui.service"
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "evse-tui.service" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_compose_file_runs_headless_with_the_data_folder_as_a_volume():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["evse-tui"]
    assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert "--no-ui" in service["command"]
    assert service["environment"]["EVSE_DATA_DIR"] == "/data"
    volume, _, mount = service["volumes"][0].partition(":")
    assert mount == "/data" and volume in compose["volumes"]
    assert service["init"] is True  # PID 1 forwards SIGTERM
    assert service["stop_signal"] == "SIGTERM"
    seconds = int(re.fullmatch(r"(\d+)s", service["stop_grace_period"]).group(1))
    assert seconds >= 5  # the program needs 3 s to stop the charger and hand control back
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    assert "ports" not in service and "network_mode" not in service


def dockerfile_lines() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_dockerfile_runs_as_a_non_root_user_with_the_data_volume():
    lines = dockerfile_lines()
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")):]
    assert final[0] == "FROM python:3.11-slim"
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("ENV ") and "EVSE_DATA_DIR=/data" in line for line in final)
    assert 'VOLUME ["/data"]' in final
    assert not any(line.startswith("EXPOSE") for line in lines)
    assert 'ENTRYPOINT ["evse-tui"]' in final and 'CMD ["--no-ui"]' in final
    assert "STOPSIGNAL SIGTERM" in final
    for line in lines:  # everything copied from the build context exists
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    health = next(line for line in final if line.startswith("HEALTHCHECK"))
    code = re.search(r'"-c", "(.*)"\]', health).group(1)
    compile(code, "HEALTHCHECK", "exec")


def test_dockerignore_keeps_what_the_build_copies():
    rules = [r for r in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!evse_tui/"} <= set(rules)


# ----- the tmux launcher -----------------------------------------------------------------------------------

pytestmark_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")


class Tmux:
    """A private tmux server for one test."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.name, *args], capture_output=True, text=True, timeout=10)
        return result.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "=evse:")

    def wait_screen(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not on the tmux screen:\n{self.screen()}")

    def pane(self, fmt: str) -> str:
        return self("display-message", "-p", "-t", "=evse:", fmt).strip()


@pytest.fixture
def tmux(tmp_path):
    server = Tmux(f"evse-test-{tmp_path.name}")
    yield server
    server("kill-server")


def launcher(tmux: Tmux, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(Path.home()),
        "TERM": "xterm-256color",
        "EVSE_TMUX_SOCKET": tmux.name,
        "EVSE_TUI": f"{sys.executable} -m evse_tui",
        **(env_extra or {}),
    }
    return subprocess.run([str(DEPLOY / "tmux-evse.sh"), *args], capture_output=True, text=True, env=env, timeout=30)


@pytestmark_tmux
def test_tmux_launcher_starts_once_keeps_the_last_screen_and_starts_again(tmux, tmp_path):
    data = tmp_path / "data"
    started = launcher(tmux, "-d", "--", "--demo", "--no-ui", env_extra={"EVSE_DATA_DIR": str(data)})
    assert started.returncode == 0, started.stderr
    tmux.wait_screen(r"\| SMART · COSY \|")
    assert (data / "demo" / "state").is_dir(), "EVSE_DATA_DIR did not reach the session"
    pid = tmux.pane("#{pane_pid}")

    again = launcher(tmux, "-d")
    assert again.returncode == 0 and "already" not in again.stderr
    assert tmux("list-sessions", "-F", "#{session_name}").split() == ["evse"]
    assert tmux.pane("#{pane_pid}") == pid, "a running evse-tui was restarted"

    tmux("send-keys", "-t", "=evse:", "C-c")  # the program exits: its last screen stays
    deadline = time.monotonic() + 15
    while tmux.pane("#{pane_dead}") != "1" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux.pane("#{pane_dead}") == "1"
    assert "stopped: charger at 0 A, control handed back" in tmux.screen()  # its clean exit, still readable

    launcher(tmux, "-d")
    assert tmux.pane("#{pane_dead}") == "0"
    assert tmux.pane("#{pane_pid}") != pid
    tmux.wait_screen(r"\| SMART · COSY \|")


@pytestmark_tmux
def test_tmux_launcher_attaches_and_detaching_leaves_it_running(tmux, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(Path.home()),
        "TERM": "xterm-256color",
        "EVSE_TMUX_SOCKET": tmux.name,
        "EVSE_TUI": f"{sys.executable} -m evse_tui",
        "LANG": "C.UTF-8",
    }
    child = pexpect.spawn(str(DEPLOY / "tmux-evse.sh"), ["--", "--demo", "--no-ui", "--data-dir", str(tmp_path)],
                          env=env, dimensions=(40, 140), timeout=30, encoding="utf-8")
    try:
        child.expect(r"SMART")
        child.sendcontrol("b")
        child.send("d")
        child.expect(r"detached")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert tmux.pane("#{pane_dead}") == "0", "detaching stopped evse-tui"


@pytestmark_tmux
def test_tmux_launcher_says_what_is_missing():
    result = subprocess.run([str(DEPLOY / "tmux-evse.sh"), "-d"], capture_output=True, text=True, timeout=10,
                            env={"PATH": "/usr/bin:/bin", "EVSE_TUI": "/nonexistent/evse-tui"})
    assert result.returncode == 1
    assert "/nonexistent/evse-tui not found; set EVSE_TUI" in result.stderr
    bad = subprocess.run([str(DEPLOY / "tmux-evse.sh"), "--bogus"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2 and "arguments for evse-tui go after --" in bad.stderr
