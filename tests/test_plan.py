"""`evse-tui plan`: the decision at a time, the day in half hours, JSON, and bad arguments."""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from evse_tui.control.states import ControlState as S
from evse_tui.tariffs.base import Decision, StrategyContext
from evse_tui.tariffs.plan import add_arguments, current_text, plan_day, run
from evse_tui.tariffs.registry import make_tariff

LONDON = ZoneInfo("Europe/London")
CTX = StrategyContext(max_charge_current=32, max_discharge_current=20)
DAY = date(2025, 1, 15)
ROW = re.compile(r"^\d\d:\d\d  ")


def plan(argv: list[str], settings: dict | None = None, today: date = DAY) -> int:
    parser = argparse.ArgumentParser(prog="evse-tui plan")
    add_arguments(parser)
    return run(parser.parse_args(argv), settings or {}, CTX, LONDON, today=today)


def test_cosy_at_16_30_as_json(capsys):
    assert plan(["cosy", "--soc", "50", "--at", "16:30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "LOAD_FOLLOW_DISCHARGE"
    assert out["import_p"] == 39.3 and out["export_p"] == 15.0
    assert out["period"] == "peak"
    assert (out["tariff"], out["time"], out["soc"]) == ("COSY", "16:30", 50)
    assert out["min_current"] is None and out["max_current"] is None
    assert out["demand_from_w"] == 192
    assert out["reason"].startswith("COSY peak")


def test_flux_day_is_48_rows(capsys):
    assert plan(["flux", "--soc", "60"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if ROW.match(line)]
    assert len(rows) == 48
    assert rows[0].startswith("00:00  standard") and rows[-1].startswith("23:30  standard")
    assert rows[32].startswith("16:00  peak") and "DISCHARGE" in rows[32] and "20 A (max)" in rows[32]
    assert rows[4].startswith("02:00  off-peak") and "CHARGE" in rows[4] and "14.9p" in rows[4]


def test_day_as_json_is_48_objects_in_time_order(capsys):
    assert plan(["go", "--soc", "80", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["time"] for o in out] == [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
    assert {o["tariff"] for o in out} == {"OCTGO"}
    by_time = {o["time"]: o for o in out}
    assert by_time["01:00"]["state"] == "CHARGE" and by_time["01:00"]["import_p"] == 8.5
    assert by_time["20:30"]["state"] == "LOAD_FOLLOW_DISCHARGE"  # threshold 83
    assert by_time["21:00"]["state"] == "DISCHARGE"  # threshold 79.5


def test_decision_as_text(capsys):
    assert plan(["OCTGO", "--soc", "20.5", "--at", "12:00"]) == 0
    out = capsys.readouterr().out
    assert "OCTGO at 12:00, SoC 20.5%" in out
    assert "state:   DORMANT" in out
    assert "import 26p, export 15p" in out


def test_owner_settings_are_used(capsys):
    assert plan(["cosy", "--soc", "50", "--at", "17:00", "--json"], {"COSY": {"peak_import": 45}}) == 0
    assert json.loads(capsys.readouterr().out)["import_p"] == 45


def test_a_dst_day_still_has_48_half_hours(capsys):
    assert plan(["go", "--soc", "50"], today=date(2025, 3, 30)) == 0
    assert len([line for line in capsys.readouterr().out.splitlines() if ROW.match(line)]) == 48


@pytest.mark.parametrize(
    "argv, words",
    [
        (["agile", "--soc", "50"], "unknown tariff 'agile' (known: OCTGO, COSY, FLUX)"),
        (["cosy", "--soc", "abc"], "--soc 'abc' is not a number"),
        (["cosy", "--soc", "101"], "--soc 101 is outside 0..100"),
        (["cosy", "--soc", "-1"], "--soc -1 is outside 0..100"),
        (["cosy", "--soc", "nan"], "outside 0..100"),
        (["cosy"], "--soc is required"),
        (["cosy", "--soc", "50", "--at", "24:00"], "--at '24:00' is not a time of day"),
        (["cosy", "--soc", "50", "--at", "7pm"], "HH:MM"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys, argv, words):
    assert plan(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("evse-tui plan: error: ")
    assert words in captured.err


def test_bad_settings_exit_2_naming_the_key(capsys):
    assert plan(["cosy", "--soc", "50"], {"COSY": {"peak": "15:00-19:00"}}) == 2
    assert "tariffs.COSY.peak" in capsys.readouterr().err


def test_plan_day_is_pure_and_follows_the_wall_clock():
    rows = plan_day(make_tariff("COSY"), 50, DAY, CTX, LONDON)
    assert len(rows) == 48
    assert [r.period for r in rows[26:40:2]] == ["off-peak", "off-peak", "off-peak", "peak", "peak", "peak", "standard"]
    assert rows[8].decision.state is S.CHARGE


@pytest.mark.parametrize(
    "decision, text",
    [
        (Decision(S.DORMANT), "0 A"),
        (Decision(S.CHARGE), "32 A (max)"),
        (Decision(S.DISCHARGE), "20 A (max)"),
        (Decision(S.DISCHARGE, 10, 16), "10-16 A"),
        (Decision(S.LOAD_FOLLOW_DISCHARGE, 2, 32), "2-20 A"),
        (Decision(S.LOAD_FOLLOW_DISCHARGE), "up to 20 A"),
        (Decision(S.LOAD_FOLLOW_BIDIRECTIONAL, 6, 16), "6-16 A"),
    ],
)
def test_current_text_resolves_the_configured_maximum(decision, text):
    assert current_text(decision, CTX) == text
