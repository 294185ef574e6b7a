"""Pilot tests: each key reaches the engine as the right command and the screen shows the result.

The engine runs on the in-process simulated home with a manual clock and is stepped by the test
(no thread), so every assertion is about one known state.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from test_ui_support import fixed_snapshot, screen_text, sim_engine

from evse_tui.clock import LONDON, ManualClock
from evse_tui.control.modes import Mode, ModeCommand
from evse_tui.engine import commands as c
from evse_tui.ui.app import EvseApp
from evse_tui.ui.main_screen import MainScreen
from evse_tui.ui.widgets import SchedulePanel
from evse_tui.ui.screens import ConfirmScreen, EventFormScreen, FixedCurrentScreen, HelpScreen, TariffScreen, TargetScreen
from textual.widgets import Input

START = datetime(2026, 1, 14, 12, 0, 0, tzinfo=LONDON)


def run(scenario):
    return asyncio.run(scenario())


def step(engine, seconds: int = 1) -> None:
    for _ in range(seconds):
        engine.clock.advance(1.0)
        engine.step()


def recorder(engine) -> list:
    """Every command the app submits, in order (the engine still receives it)."""
    sent: list = []
    submit = engine.submit

    def spy(command):
        sent.append(command)
        return submit(command)

    engine.submit = spy
    return sent


@pytest.fixture
def engine(tmp_path):
    engine = sim_engine(ManualClock(START), scheduler_dir=tmp_path)
    step(engine, 3)
    return engine


def make_app(engine, **kw) -> EvseApp:
    return EvseApp(engine, run_engine=False, min_redraw_s=0.0, **kw)


async def settle(pilot, engine, seconds: int = 1) -> None:
    """Let the engine handle what was submitted, then let the screen catch up."""
    await pilot.pause()
    step(engine, seconds)
    await pilot.pause()
    await pilot.pause()


def notes(app) -> str:
    """Every notification raised so far (run_test does not draw toasts)."""
    return " | ".join(n.message for n in app._notifications)


def header(app) -> str:
    return screen_text(app).splitlines()[0]


MODE_KEYS = [
    ("c", Mode.CHARGE, "CHARGE"),
    ("d", Mode.DISCHARGE, "DISCHARGE"),
    ("s", Mode.SMART, "SMART · COSY"),
    ("u", Mode.PAUSE_UNTIL_DISCONNECT, "PAUSE_UNTIL_DISCONNECT"),
    ("o", Mode.SOLAR, "SOLAR"),
    ("h", Mode.POWER_HOME, "POWER_HOME"),
    ("b", Mode.BALANCE, "BALANCE"),
]


@pytest.mark.parametrize(("key", "mode", "shown"), MODE_KEYS)
def test_mode_key_sends_the_mode_and_the_header_shows_it(engine, key, mode, shown):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert shown not in header(app)
            await pilot.press(key)
            await settle(pilot, engine)
            assert [type(cmd) for cmd in sent] == [c.SetMode]
            assert sent[0].command.mode is mode
            assert engine.mode.mode is mode
            assert shown in header(app)

    run(scenario)


def test_pause_key_pauses_a_charging_car_and_the_countdown_shows(engine):
    engine.submit(c.SetMode(ModeCommand(Mode.CHARGE)))
    step(engine, 30)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "CHARGE" in header(app)
            await pilot.press("p")
            await settle(pilot, engine)
            text = screen_text(app)
            assert engine.mode.mode is Mode.PAUSE
            assert " PAUSE " in header(app)
            assert "paused by the owner" in text
            assert "next change allowed in" in text or "a change is allowed now" in text

    run(scenario)


def test_fixed_current_prompt_refuses_out_of_range_inline_then_sets_it(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f")
            assert isinstance(app.screen, FixedCurrentScreen)
            await pilot.press("4", "0", "enter")
            await pilot.pause()
            assert "40 A is outside -32..32 A" in screen_text(app)
            assert sent == []
            await pilot.press("backspace", "backspace", "minus", "8", "enter")
            await settle(pilot, engine)
            assert isinstance(app.screen, MainScreen)
            assert sent == [c.SetMode(ModeCommand(Mode.FIXED, amps=-8))]
            assert "FIXED -8 A" in header(app)

    run(scenario)


def test_tariff_list_selects_a_tariff_and_enters_smart(engine):
    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("t")
            assert isinstance(app.screen, TariffScreen)
            text = screen_text(app)
            assert "OCTGO" in text and "FLUX" in text and "COSY" in text and "(active)" in text
            await pilot.press("down", "enter")  # COSY is highlighted; FLUX is next
            await settle(pilot, engine)
            assert engine.tariff_name == "FLUX" and engine.mode.mode is Mode.SMART
            assert "SMART · FLUX" in header(app)

    run(scenario)


async def fill(app, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value


def test_schedule_add_edit_toggle_and_delete_from_the_keys(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            assert "No scheduled events" in screen_text(app)
            await pilot.press("a")
            assert isinstance(app.screen, EventFormScreen)
            await fill(app, when="2026-01-14 16:00", mode="discharge", min_soc="60", until="19:00", repeat="weekdays")
            await pilot.press("enter")
            await settle(pilot, engine)
            assert isinstance(app.screen, MainScreen)
            assert type(sent[-1]) is c.AddEvent
            (view,) = engine.snapshot.events
            assert (view.action, view.condition, view.repeat) == ("DISCHARGE", "if SoC >= 60 until 19:00", "weekdays")
            text = screen_text(app)
            assert "DISCHARGE" in text and "16:00" in text
            assert "e1 DISCHARGE at 16:00" in text  # the Today panel's next event
            assert app.focused is app.main.query_one(SchedulePanel).table  # arrows choose the row

            await pilot.press("e")
            assert isinstance(app.screen, EventFormScreen)
            assert app.screen.query_one("#mode", Input).value == "discharge"
            assert app.screen.query_one("#min_soc", Input).value == "60"
            await fill(app, mode="-8")
            await pilot.press("enter")
            await settle(pilot, engine)
            assert sent[-1] == c.EditEvent("e1", sent[-1].event) and sent[-1].event.action == ModeCommand(Mode.FIXED, amps=-8)
            assert engine.snapshot.events[0].action == "FIXED -8 A"
            assert "FIXED -8 A" in screen_text(app)

            await pilot.press("space")
            await settle(pilot, engine)
            assert sent[-1] == c.ToggleEvent("e1")
            assert engine.snapshot.events[0].enabled is False
            assert " off " in screen_text(app)

            await pilot.press("x")
            assert isinstance(app.screen, ConfirmScreen)
            assert "Delete scheduled event e1?" in screen_text(app)
            await pilot.press("y")
            await settle(pilot, engine)
            assert sent[-1] == c.DeleteEvent("e1")
            assert engine.snapshot.events == ()
            assert "No scheduled events" in screen_text(app)

    run(scenario)


def test_schedule_form_shows_validation_inline_and_sends_nothing(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            await fill(app, when="2026-01-14 09:00", mode="fly")
            await pilot.press("enter")
            await pilot.pause()
            text = screen_text(app)
            assert "2026-01-14 09:00 is in the past" in text
            assert "unknown command 'fly'" in text
            assert isinstance(app.screen, EventFormScreen)
            assert sent == []
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)

    run(scenario)


def test_engine_refusal_stays_in_the_form(tmp_path):
    engine = sim_engine(ManualClock(START))  # no scheduler: the engine refuses schedule commands
    step(engine, 2)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            await fill(app, mode="charge")
            await pilot.press("enter")
            await settle(pilot, engine)
            assert isinstance(app.screen, EventFormScreen)
            assert "refused: the scheduler is not available" in screen_text(app)

    run(scenario)


def test_target_key_sets_a_soc_target_and_the_plan_is_shown(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("g")
            assert isinstance(app.screen, TargetScreen)
            await fill(app, soc="80", deadline="07:00")
            await pilot.press("enter")
            await settle(pilot, engine)
            assert isinstance(app.screen, MainScreen)
            assert sent == [c.SetTarget(80, datetime(2026, 1, 15, 7, 0, tzinfo=LONDON))]
            assert engine.snapshot.target is not None
            assert "Target 80% by Thu 07:00" in screen_text(app)

    run(scenario)


def test_target_form_refuses_a_past_deadline_inline(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("g")
            await fill(app, soc="80", deadline="2026-01-13 07:00")
            await pilot.press("enter")
            await pilot.pause()
            assert "in the past" in screen_text(app)
            assert sent == []

    run(scenario)


def test_keys_on_an_empty_schedule_say_so_and_send_nothing(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            for key in ("x", "space", "e"):
                await pilot.press(key)
                await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert sent == []
            assert "no event selected" in notes(app)

    run(scenario)


def test_an_engine_refusal_of_a_key_is_notified(tmp_path):
    engine = sim_engine(ManualClock(START))  # no scheduler behind the fixed events
    step(engine, 2)

    async def scenario():
        app = EvseApp(engine, snapshot=fixed_snapshot(), run_engine=False, min_redraw_s=0.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("space")
            await pilot.pause()
            engine.step()
            await pilot.pause()
            await pilot.pause()
            assert "the scheduler is not available" in notes(app)

    run(scenario)


def test_help_lists_every_key_and_closes(engine):
    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 40)) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for title in ("Charge", "Discharge", "Fixed current…", "Set SoC target…", "Quit"):
                assert title in text
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)

    run(scenario)


def test_command_palette_offers_commands_by_name(engine):
    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            for ch in "Discharge (d)":
                await pilot.press(ch if ch != " " else "space")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot, engine)
            assert engine.mode.mode is Mode.DISCHARGE

    run(scenario)


def test_palette_lists_every_key_and_each_tariff(engine):
    app = make_app(engine)
    titles = [command.title for command in app.get_system_commands(app.main)]
    assert "Charge (c)" in titles and "Quit (q)" in titles and "Smart with OCTGO" in titles
    assert "Cancel the SoC target" in titles
    assert len([t for t in titles if t.lower().startswith("quit")]) == 1


def test_quit_asks_first_and_no_keeps_running(engine):
    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("q")
            assert isinstance(app.screen, ConfirmScreen)
            text = screen_text(app)
            assert "Quit evse-tui?" in text and "The charger will be stopped (0 A)" in text
            assert "handed back to its own control" in app.screen.body
            await pilot.press("n")
            assert isinstance(app.screen, MainScreen)
            await pilot.press("q")
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
            assert app.is_running
            await pilot.press("q", "enter")
            await pilot.pause(0.2)
        assert app.return_code == 0

    run(scenario)


def test_ctrl_c_asks_and_a_second_ctrl_c_quits(engine):
    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+c")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("ctrl+c")
            await pilot.pause(0.2)
        assert app.return_code == 0

    run(scenario)


def test_typing_in_a_form_never_changes_the_mode(engine):
    sent = recorder(engine)

    async def scenario():
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            await fill(app, when="")
            app.screen.query_one("#when", Input).focus()
            await pilot.press("c", "d", "p", "q")
            await pilot.pause()
            assert app.screen.query_one("#when", Input).value == "cdpq"
            assert sent == []

    run(scenario)


def test_troubles_show_in_the_banner_and_notify_once():
    trouble = dict(
        comms_failure=True,
        charger_state_name="COMMS FAILURE",
        charger_error="no answer from the charger",
        meter_age_s=23.0,
        meter_stale=True,
        failsafe="meter reading 23 s old: holding the charger at 0 A until fresh readings return",
        warnings=("InfluxDB unreachable since 17:00 (12 points buffered)", "config: unknown key [wallbox] colour"),
    )

    async def scenario():
        app = EvseApp(snapshot=fixed_snapshot(**trouble), min_redraw_s=0.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "COMMS FAILURE — the charger stopped answering" in text
            assert "FAIL-SAFE PAUSE" in text
            assert "METER STALE — last reading 23 s old" in text
            assert "and 2 more: InfluxDB unreachable" in text  # four lines at most; the panels stay
            assert len(app._notifications) == 5
            app.show(fixed_snapshot(**{**trouble, "meter_age_s": 24.0, "warnings": (
                "InfluxDB unreachable since 17:00 (13 points buffered)", "config: unknown key [wallbox] colour")}))
            await pilot.pause()
            assert "24 s old" in screen_text(app)
            assert len(app._notifications) == 5  # same troubles: no new notification
            app.show(fixed_snapshot())
            await pilot.pause()
            assert "COMMS FAILURE" not in screen_text(app)
            assert "Traceback" not in screen_text(app)

    run(scenario)


def test_brackets_in_a_warning_are_text_not_markup():
    async def scenario():
        app = EvseApp(snapshot=fixed_snapshot(warnings=("config: unknown key [wallbox] colour [/]",)))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "config: unknown key [wallbox] colour [/]" in screen_text(app)
            assert [n.message for n in app._notifications] == ["config: unknown key [wallbox] colour [/]"]

    run(scenario)


def test_snapshots_from_the_engine_thread_are_coalesced_to_the_newest(engine):
    """A burst of snapshots posts one wake-up; the screen renders only the newest."""

    async def scenario():
        app = EvseApp(engine, run_engine=False, min_redraw_s=0.5)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            rendered = []
            original = app.show
            app.show = lambda snap, quiet_s=0.0, fresh=True: (rendered.append(snap), original(snap, quiet_s, fresh=fresh))
            newest = None
            for i in range(20):
                newest = fixed_snapshot(grid_w=float(i))
                app._from_engine(newest)
            await pilot.pause(0.8)
            assert rendered == [newest]

    run(scenario)
