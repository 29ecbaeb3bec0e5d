"""`ckan urbanaudit demo load`: the demo content of `make demo`, labelled synthetic."""
from __future__ import annotations

import pytest
from ckan.tests import helpers

from ckanext.urbanaudit.cli import urbanaudit


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.synthetic_banner", True)
def test_demo_load_is_idempotent_and_every_record_is_labelled_synthetic(cli, app):
    for _ in range(2):  # a second run updates in place, creates nothing new
        result = cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"])
        assert result.exit_code == 0, result.output
        assert "4 synthetic data sets" in result.output

    found = helpers.call_action("package_search", q="*:*", rows=100)
    assert found["count"] == 4
    assert all(d["synthetic"] == "true" and d["title"].endswith("[dane syntetyczne]") for d in found["results"])
    assert helpers.call_action("user_show", id="admin")["sysadmin"] is True
    assert len(helpers.call_action("organization_list")) == 3

    page = app.get("/dataset/demo-rejestr-drzew").get_data(as_text=True)
    assert "Dane syntetyczne: ten rekord wymyślono na potrzeby demonstracji" in page
    assert "Portal demonstracyjny." in page
    english = app.get("/en/dataset/demo-rejestr-drzew").get_data(as_text=True)
    assert "Synthetic data: this record was invented for the demonstration" in english


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_demo_records_with_the_city_boundary_are_found_by_a_map_search(cli):
    assert cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"]).exit_code == 0
    in_kielce_centre = helpers.call_action("package_search", extras={"ext_bbox": "20.65,50.86,20.67,50.88"})
    assert {d["name"] for d in in_kielce_centre["results"]} == {
        "demo-rejestr-drzew", "demo-przystanki-komunikacji", "demo-ewidencja-gruntow"}
