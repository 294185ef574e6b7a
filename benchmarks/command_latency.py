"""How long from `set_current()` to the first Modbus write arriving at the charger (loopback).

Targets: median < 50 ms, p95 < 150 ms. Measured with the driver's poll thread running, so a command
sometimes waits for a poll in progress, as it would at home. Run:

    .venv/bin/python benchmarks/command_latency.py [--commands 300]

`measure()` and `report()` are meant to be reused for longer paths (a mode command through the engine):
pass any action that ends in a Modbus write.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evse_tui.clock import Clock, ScaledClock, SystemClock  # noqa: E402
from evse_tui.drivers.quasar import QuasarCharger  # noqa: E402
from evse_tui.sim.devices import build_demo_home  # noqa: E402
from evse_tui.simserve.modbus_server import ModbusServerThread, PlainRegisters, WriteRecorder  # noqa: E402
from evse_tui.simserve.servers import start_sim_servers  # noqa: E402

AMPS_CYCLE = (10, 16, -10, -6, 0)


def measure(recorder: WriteRecorder, actions: list[Callable[[], object]], gap_s: float = 0.0) -> list[float]:
    """Seconds from each action to its first write arriving at the server.

    A random pause of up to `gap_s` between actions (not measured) lets commands land at any point of a poll.
    """
    spread = random.Random(1)
    seconds = []
    for action in actions:
        if gap_s:
            time.sleep(spread.uniform(0, gap_s))
        seconds.append(recorder.time_to_first_write(action))
    return seconds


def report(name: str, seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    median = statistics.median(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    verdict = "ok" if median < 50 and p95 < 150 else "OVER TARGET"
    print(f"{name:<52} n={len(ms):4d}  median {median:7.2f} ms  p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms  {verdict}")
    return median, p95


def commands(quasar: QuasarCharger, n: int) -> list[Callable[[], object]]:
    return [lambda amps=AMPS_CYCLE[i % len(AMPS_CYCLE)]: quasar.set_current(amps) for i in range(n)]


def plain_server(clock: Clock, n: int, name: str, gap_s: float = 0.0) -> None:
    bank = PlainRegisters({0x51: 0, 0x101: 2, 0x102: 0, 0x20E: 0, 0x219: 4, 0x21A: 0})
    with ModbusServerThread(bank) as server:
        quasar = QuasarCharger("127.0.0.1", server.port, clock)
        quasar.start()
        try:
            report(name, measure(server.recorder, commands(quasar, n), gap_s))
        finally:
            quasar.close()


def simulated_home(n: int) -> None:
    clock = SystemClock()
    servers = start_sim_servers(build_demo_home(clock), gen=1)
    quasar = QuasarCharger("127.0.0.1", servers.modbus_port, clock)
    quasar.start()
    try:
        report("sim-devices Quasar, polls at 1 Hz", measure(servers.recorder, commands(quasar, n)))
    finally:
        quasar.set_current(0)
        quasar.close()
        servers.close()


def through_engine(n: int, speed: float = 50.0) -> None:
    """A console mode line through the whole engine (parse, submit, decide, command) to the first write.

    The simulated clock runs `speed` times faster so the change delays (up to 21.9 s) pass quickly between
    commands; each command is sent only once the delay allows it, as the issue's target says.
    """
    import threading

    from evse_tui.config.schema import ChannelRef, Config, ShellyConfig, WallboxConfig
    from evse_tui.console import interpret
    from evse_tui.control.modes import Mode, ModeCommand
    from evse_tui.drivers.factory import make_charger, make_monitor
    from evse_tui.engine.engine import Engine

    clock = ScaledClock(speed)
    servers = start_sim_servers(build_demo_home(clock), gen=1)
    config = Config(
        wallbox=WallboxConfig(url=f"127.0.0.1:{servers.modbus_port}"),
        shelly=ShellyConfig(primary_url=f"127.0.0.1:{servers.http_port}", grid=ChannelRef("primary", 1), evse=ChannelRef("primary", 2)),
    )
    engine = Engine(config, make_charger(config.wallbox, clock), make_monitor(config.shelly, clock), clock, initial_mode=ModeCommand(Mode.PAUSE))
    stop = threading.Event()
    worker = threading.Thread(target=engine.run, args=(stop,), daemon=True)
    worker.start()
    words = (("10", 10), ("16", 16), ("-10", -10), ("-6", -6), ("p", 0))

    def line(word: str) -> Callable[[], object]:
        def send() -> None:
            action = interpret(word, clock.now(), engine.snapshot, 32, 32)
            engine.submit(action.command)

        return send

    def ready(next_amps: int) -> None:
        """Wait until the charger has settled and the delay allows this very change."""
        while engine.target != engine.commanded or clock.monotonic() < engine.gate.allowed_at(engine.commanded, next_amps) + 0.5:
            time.sleep(0.01)

    try:
        seconds = []
        for i in range(n):
            word, amps = words[i % len(words)]
            ready(amps)
            seconds.append(servers.recorder.time_to_first_write(line(word)))
        report("console line -> engine -> first Modbus write", seconds)
    finally:
        stop.set()
        worker.join(5)
        servers.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300, help="commands per scenario (default 300)")
    args = parser.parse_args(argv)
    print("set_current() -> first Modbus write at the server (127.0.0.1)")
    plain_server(SystemClock(), args.commands, "plain registers, polls at 1 Hz")
    plain_server(ScaledClock(50), args.commands, "plain registers, polls at 50 Hz, spread commands", 0.02)
    simulated_home(args.commands)
    through_engine(min(args.commands, 100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
