"""Tariffs by name, and the `tariffs:` section of config.yaml with its messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from evse_tui.config.errors import ConfigError
from evse_tui.control.states import ControlState as S
from evse_tui.tariffs.base import Rates, StrategyContext, Tariff
from evse_tui.tariffs.registry import (
    UnknownTariffError,
    canonical_name,
    make_tariff,
    section_for,
    tariff_from_config,
    tariff_names,
    validate_tariff_settings,
)

LONDON = ZoneInfo("Europe/London")
CTX = StrategyContext()


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, 15, hour, minute, tzinfo=LONDON)


def test_three_tariffs_by_name():
    assert tariff_names() == ("OCTGO", "COSY", "FLUX")
    for name in tariff_names():
        tariff = make_tariff(name)
        assert isinstance(tariff, Tariff) and tariff.name == name


@pytest.mark.parametrize("word, name", [("go", "OCTGO"), ("OctGo", "OCTGO"), ("cosy", "COSY"), (" flux ", "FLUX")])
def test_names_are_case_insensitive_with_aliases(word, name):
    assert canonical_name(word) == name
    assert make_tariff(word).name == name


def test_an_unknown_tariff_lists_the_known_ones():
    with pytest.raises(UnknownTariffError, match="'agile'.*OCTGO, COSY, FLUX"):
        make_tariff("agile")
    assert issubclass(UnknownTariffError, ValueError)


def test_settings_change_rates_and_periods():
    cosy = make_tariff("COSY", {"peak_import": 45, "peak": "17:00-20:00", "export": 12.5})
    assert cosy.rates_at(at(19, 30)) == Rates(45.0, 12.5)
    assert cosy.period_name(at(16, 30)) == "standard"
    assert cosy.decide(60, at(16, 30), CTX).state is S.LOAD_FOLLOW_DISCHARGE


def test_periods_list_the_day_with_rates():
    spans = make_tariff("FLUX").periods()
    assert [(s.start, s.end, s.name) for s in spans] == [
        (0, 120, "standard"),
        (120, 300, "off-peak"),
        (300, 960, "standard"),
        (960, 1140, "peak"),
        (1140, 1440, "standard"),
    ]
    assert spans[3].rates == Rates(34.8, 26.4)


def test_a_tariff_without_a_peak():
    cosy = make_tariff("COSY", {"peak": []})
    assert not any(cosy.is_peak(at(h)) for h in range(24))
    assert cosy.period_name(at(17)) == "standard"


def test_from_config_finds_the_section_by_alias_and_case():
    tariffs = {"go": {"off_peak_import": 7.0}, "Flux": {"peak_export": 30}}
    assert section_for("OCTGO", tariffs) == {"off_peak_import": 7.0}
    assert tariff_from_config("octgo", tariffs).rates_at(at(2)).import_p == 7.0
    assert tariff_from_config("FLUX", tariffs).rates_at(at(17)).export_p == 30.0
    assert tariff_from_config("COSY", tariffs).rates_at(at(17)).import_p == 39.3
    assert tariff_from_config("COSY", None).name == "COSY"


def test_validate_returns_known_settings_by_canonical_name_and_warns_of_the_rest():
    raw = {
        "go": {"off_peak_import": 7.5, "peak_import": 30},
        "COSY": {"peek_import": 40},
        "AGILE": {"x": 1},
    }
    cleaned, warnings = validate_tariff_settings(raw)
    assert cleaned == {"OCTGO": {"off_peak_import": 7.5}, "COSY": {}}
    assert any(w.startswith("unknown key tariffs.OCTGO.peak_import ignored") for w in warnings)
    assert any("unknown key tariffs.COSY.peek_import ignored" in w and "peak_import" in w for w in warnings)
    assert any("unknown tariff tariffs.AGILE ignored" in w and "OCTGO, COSY, FLUX" in w for w in warnings)
    assert len(warnings) == 3


def test_validate_accepts_nothing_and_the_yaml_the_readme_shows():
    assert validate_tariff_settings(None) == ({}, [])
    text = """
    COSY:
      off_peak: [04:00-07:00, 13:00-16:00, 22:00-24:00]
      peak: 16:00-19:00
      solar_period: 13:00-16:00
      peak_import: 41.2
    OCTGO:
      off_peak: 23:30-05:30
      evening_from: "19:00"
    FLUX:
      off_peak_export: 5
    """
    cleaned, warnings = validate_tariff_settings(yaml.safe_load(text))
    assert warnings == []
    assert set(cleaned) == {"COSY", "OCTGO", "FLUX"}


@pytest.mark.parametrize(
    "raw, key, words",
    [
        ({"COSY": {"peak_import": "39.3p"}}, "tariffs.COSY.peak_import", "pence per kWh"),
        ({"COSY": {"peak_import": True}}, "tariffs.COSY.peak_import", "pence per kWh"),
        ({"COSY": {"export": 5000}}, "tariffs.COSY.export", "-100 to 1000"),
        ({"COSY": {"export": float("nan")}}, "tariffs.COSY.export", "pence per kWh"),
        ({"FLUX": {"off_peak": "2-5"}}, "tariffs.FLUX.off_peak", "HH:MM-HH:MM"),
        ({"FLUX": {"off_peak": ["02:00-05:00", 7]}}, "tariffs.FLUX.off_peak", "HH:MM-HH:MM"),
        ({"FLUX": {"off_peak": []}}, "tariffs.FLUX.off_peak", "at least one"),
        ({"FLUX": {"off_peak": "05:00-05:00"}}, "tariffs.FLUX.off_peak", "same time"),
        ({"COSY": {"peak": "15:00-19:00"}}, "tariffs.COSY.peak", "must not overlap the off_peak times"),
        ({"OCTGO": {"evening_from": 1140}}, "tariffs.OCTGO.evening_from", "in quotes"),
        ({"OCTGO": {"evening_from": "01:00"}}, "tariffs.OCTGO.evening_from", "outside the off_peak times"),
        ({"OCTGO": {"evening_from": "25:00"}}, "tariffs.OCTGO.evening_from", "00:00..23:59"),
        ({"FLUX": "cheap"}, "tariffs.FLUX", "mapping of settings"),
        (["COSY"], "tariffs", "mapping from tariff name"),
        ({"GO": {}, "octgo": {}}, "tariffs.octgo", "same tariff as tariffs.GO"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(raw, key, words):
    with pytest.raises(ConfigError) as caught:
        validate_tariff_settings(raw)
    assert caught.value.key == key
    assert words in str(caught.value)


def test_make_tariff_refuses_bad_settings_too():
    with pytest.raises(ConfigError) as caught:
        make_tariff("cosy", {"standard_import": -500})
    assert caught.value.key == "tariffs.COSY.standard_import"
