"""Public statistics behind the ISO indicators (schemas/indicators/public_statistics.yaml): every verified
variable carries evidence naming it, a verified mapping feeds the catalogue's formula (with the department's own
figure as the fallback), an unverified one computes nothing, and harvested values compute the ISO indicator
with their flags carried through. The harvest-time checks of the mapping are in tests/harvesters."""
from __future__ import annotations

from importlib.resources import files

import pytest
import yaml
from ckan.tests import helpers
from click.testing import CliRunner

from ckanext.urbanaudit.indicators import catalogue as catalogue_module
from ckanext.urbanaudit.indicators import public_statistics
from ckanext.urbanaudit.indicators.cli import indicators
from tests.indicator_data import _sysadmin_upsert, _v
from tests.source_server import FIXTURES

CATALOGUE_TEXT = (files("ckanext.urbanaudit.schemas") / "indicators" / "catalogue.yaml").read_text("utf-8")
EVIDENCE = {"kind": "recorded", "where": "bdl/pybdl/samples_raw_variables.json", "says": '"id": 6, "n1": "ogółem"'}


def _stats(variables: dict, indicators: dict) -> public_statistics.PublicStatistics:
    return public_statistics.parse(yaml.safe_dump({"variables": variables, "indicators": indicators},
                                                  allow_unicode=True))


def _bdl(variable_id: str, name: str, verified: bool = True) -> dict:
    entry = {"source": "bdl", "id": variable_id, "subject": "P1", "name": [name], "measure_unit": "osoba",
             "verified": verified, "evidence": [EVIDENCE]}
    return entry if verified else {**entry, "why_unverified": "only an informal comment names it"}


def test_every_verified_variable_of_the_shipped_mapping_cites_evidence_naming_its_id():
    stats = public_statistics.load()
    verified = [v for v in stats.variables.values() if v.verified]
    assert verified
    for variable in verified:
        assert variable.name, variable.code
        quotes = " ".join(e["says"] for e in variable.evidence)
        assert variable.id in quotes, f"{variable.code}: no evidence quote names the id"
        for item in variable.evidence:
            if item["kind"] == "recorded":  # a recorded answer in the fixtures holds the id and the name
                path = FIXTURES / item["where"].split()[0].removeprefix("shared/fixtures/")
                text = path.read_text("utf-8")
                # the recorded answer of the variable itself, or of its subject (what the subject measures)
                assert (variable.id in text and variable.name[0] in text) or variable.subject in text, variable.code
    # every ISO 37120:2014 indicator is either mapped or says why not
    cat = catalogue_module.catalogue()
    for ind in cat.indicators:
        if ind.code.startswith("ISO37120:2014:") and ind.code not in stats.indicators:
            assert ind.code in stats.uncovered, f"{ind.code} is neither mapped nor explained"


def test_the_mapping_file_refuses_a_verified_variable_without_evidence_and_an_unknown_variable():
    with pytest.raises(public_statistics.PublicStatisticsError) as error:
        _stats({"BDL:6": {**_bdl("6", "ogółem"), "evidence": []}},
               {"ISO37120:2014:11.5": {"numerator": ["BDL:6"], "denominator": ["BDL:99"], "scale": 100000}})
    assert "BDL:6': verified needs evidence" in str(error.value)
    assert "reads BDL:99, not among the variables" in str(error.value)


def test_a_verified_mapping_feeds_the_formula_with_the_department_figure_as_fallback_an_unverified_one_nothing():
    mapping = {"ISO37120:2014:10.1": {"numerator": ["BDL:501"], "denominator": ["BDL:502"], "scale": 100000}}
    verified = catalogue_module.parse(CATALOGUE_TEXT, _stats(
        {"BDL:501": _bdl("501", "strażacy"), "BDL:502": _bdl("502", "ludność")}, mapping)).get("ISO37120:2014:10.1")
    assert verified.formula["numerator"] == [{"first_of": ["BDL:501", "CITY:firefighters"]}]
    assert verified.formula["denominator"][0]["first_of"][0] == "BDL:502"
    assert {"source": "bdl", "variable": "501", "subject": "P1"} in verified.sources
    assert "BDL:501" in verified.method["en"] and verified.availability == "source"

    stock = catalogue_module.parse(CATALOGUE_TEXT).get("ISO37120:2014:10.1")
    unverified = catalogue_module.parse(CATALOGUE_TEXT, _stats(
        {"BDL:501": _bdl("501", "strażacy", verified=False), "BDL:502": _bdl("502", "ludność")}, mapping))
    assert unverified.get("ISO37120:2014:10.1").formula == stock.formula
    assert unverified.get("BDL:501") is None  # an unverified variable is not even in the catalogue


def test_harvested_public_statistics_compute_the_iso_indicators_and_carry_their_flags(cities):
    """BDL's registered unemployment rate (60270) is ISO 37120:2014 5.1 as published; property crimes per 1 000
    inhabitants (498623) become per 100 000; a BDL attribute other than 1 travels on as a flag."""
    stats = public_statistics.load()
    assert stats.indicators["ISO37120:2014:5.1"].verified and stats.indicators["ISO37120:2014:14.3"].verified
    _sysadmin_upsert([
        _v("kielce", "BDL:60270", "2023", 7.1, source="bdl"),
        _v("kielce", "BDL:60270", "2024", 6.8, source="bdl", flags=["bdl:3"]),
        _v("kielce", "BDL:498623", "2024", 12.34, source="bdl"),
    ])
    helpers.call_action("urbanaudit_indicator_compute", {"ignore_auth": True}, city=["2661011"])

    def computed(code: str) -> dict[str, dict]:
        rows = helpers.call_action("urbanaudit_indicator_values", indicator_code=code, city="2661011",
                                   source="computed")
        return {r["period"]: r for r in rows}

    unemployment = computed("ISO37120:2014:5.1")
    assert {p: r["value"] for p, r in unemployment.items()} == {"2023": 7.1, "2024": 6.8}
    assert unemployment["2024"]["flags"] == ["input:bdl:3"] and unemployment["2023"]["flags"] == []
    assert unemployment["2024"]["inputs"][0]["indicator_code"] == "BDL:60270"
    assert computed("ISO37120:2014:14.3")["2024"]["value"] == pytest.approx(1234.0)
    # BDL's attribute 3 ("aggregate may be incomplete") makes the derived value partial: shown, marked, and not
    # scored by the documented rule (/metodologia)
    report = helpers.call_action("urbanaudit_indicator_show", id="ISO37120:2014:5.1", city="kielce")
    assert report["latest"]["value"] == 6.8 and report["latest_flag_classes"] == ["partial"]
    assert report["scaled"] is None and report["scaled_reason"] == "excluded_flags"


def test_the_coverage_command_lists_every_indicator_with_its_sources_evidence_and_why_not():
    result = CliRunner().invoke(indicators, ["coverage", "--markdown"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("| ISO37120:2014:")]
    assert len(rows) == 100
    by_code = {r.split()[1]: r for r in rows}
    assert "| BDL:60270 |" in by_code["ISO37120:2014:5.1"] and by_code["ISO37120:2014:5.1"].count("| yes |") == 1
    stats = public_statistics.load()
    for code, row in by_code.items():
        cells = [c.strip() for c in row.strip("|").split("|")]
        applied = code in stats.indicators and set(stats.indicators[code].variables) <= set(
            catalogue_module.catalogue().get(code).inputs())
        assert cells[4] == ("yes" if applied and stats.indicators[code].verified else "no")
        if cells[4] == "no":
            assert cells[5], f"{code}: an uncovered indicator says why"
    assert f"{sum(r.count('| yes |') for r in rows)} of 100 indicators computable" in result.output
