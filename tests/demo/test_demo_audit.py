"""The demo's reporting year: every ISO 37120:2014 indicator of Kielce gets a synthetic value through the real
questionnaires and the real four-eyes review, flagged synthetic wherever it is shown."""
from __future__ import annotations

import pytest
from ckan.tests import helpers

from ckanext.urbanaudit.cli import urbanaudit
from tests.indicator_data import _sysadmin_upsert, _v

REAL_CODE = "ISO37120:2014:8.2"  # PM10: a value the harvests brought stays real


@pytest.mark.usefixtures("with_plugins")
def test_demo_audit_fills_a_whole_year_through_questionnaires_and_review(cli, app, cities):
    assert cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"]).exit_code == 0
    _sysadmin_upsert([_v("kielce", REAL_CODE, "2024", 27.5, source="gios")])
    for run in range(2):
        result = cli.invoke(urbanaudit, ["demo", "audit", "--year", "2024", "--password", "demo-pass-123"])
        assert result.exit_code == 0, result.output
        if run == 0:
            assert "1 indicators with real values, 99 synthetic values submitted, 99 approved" in result.output
        else:  # idempotent: nothing left to enter or approve
            assert "100 indicators with real values, 0 synthetic values submitted, 0 approved" in result.output

    progress = helpers.call_action("urbanaudit_campaign_show", {"user": "analityk-demo-1"}, city="kielce",
                                   year=2024)
    assert progress["totals"]["expected"] == 100 and progress["totals"]["approved"] == 100
    # entered by the departments' stewards, approved by the other analyst, each value flagged synthetic
    subs = helpers.call_action("urbanaudit_submission_list", {"user": "analityk-demo-1"}, city="kielce",
                               period=2024)
    assert len(subs) == 99 and {s["status"] for s in subs} == {"approved"}
    assert {s["reviewed_by"] for s in subs} == {helpers.call_action("user_show", id="analityk-demo-2")["id"]}
    assert all(s["flags"] == ["synthetic"] for s in subs)
    stewards = {helpers.call_action("user_show", id=s)["id"]: s for s in
                ("steward-srodowisko", "steward-ztm", "steward-geodezja", "steward-um")}
    assert {stewards[s["submitted_by"]] for s in subs} == set(stewards.values())
    # ratios were entered as numerator and denominator
    share = next(s for s in subs if s["indicator_code"] == "ISO37120:2014:5.1")
    assert share["numerator"] and share["denominator"] == 100000
    assert share["value"] == pytest.approx(share["numerator"] / share["denominator"] * 100)

    public = helpers.call_action("urbanaudit_indicator_values", {"user": ""}, indicator_code="ISO37120:2014:5.1",
                                 city="kielce")
    assert [(v["period"], v["flags"]) for v in public] == [("2024", ["synthetic"])]
    real = helpers.call_action("urbanaudit_indicator_values", {"user": ""}, indicator_code=REAL_CODE, city="kielce")
    assert [(v["source"], v["flags"]) for v in real] == [("gios", [])]
    # said on the pages that show the values, per value: the synthetic one labelled, the real one not
    page = app.get("/indicator/ISO37120:2014:5.1?city=kielce").get_data(as_text=True)
    assert "wartość syntetyczna (demo)" in page
    english = app.get("/en/indicator/ISO37120:2014:5.1?city=kielce").get_data(as_text=True)
    assert "synthetic value (demo)" in english
    real_page = app.get(f"/indicator/{REAL_CODE}?city=kielce").get_data(as_text=True)
    assert "urbanaudit-synthetic-value" not in real_page
