"""The demo of `make demo`: synthetic inventory records (labelled so) and real values harvested from the recorded
answers replayed by the demo's source server."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob
from lxml import etree

from ckanext.urbanaudit.cli import urbanaudit
from ckanext.urbanaudit.danegovpl import feed, mapping
from demo.sources import make_server


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.synthetic_banner", True)
def test_demo_load_is_idempotent_and_every_record_is_labelled_synthetic(cli, app):
    for _ in range(2):  # a second run updates in place, creates nothing new
        result = cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"])
        assert result.exit_code == 0, result.output
        assert "4 synthetic data sets, 2 synthetic analyses" in result.output

    found = helpers.call_action("package_search", q="*:*", rows=100)
    assert found["count"] == 6  # 4 data sets and 2 analyses (issue 18), all synthetic
    assert all(d["synthetic"] == "true" and d["title"].endswith("[dane syntetyczne]") for d in found["results"])
    analyses = {d["name"]: d for d in found["results"] if d["type"] == "analysis"}
    assert {d["analysis_kind"] for d in analyses.values()} == {"report", "joint_project"}
    project = analyses["demo-projekt-halas-i-zielen"]
    assert project["institution"] == "Politechnika Świętokrzyska" and "wymyślony" in project["notes"]
    used = {helpers.call_action("package_show", id=i)["name"] for d in analyses.values() for i in d["uses_datasets"]}
    assert used == {"demo-rejestr-drzew", "demo-przystanki-komunikacji", "demo-pomiary-halasu"}
    assert "Wykorzystano w" in app.get("/dataset/demo-rejestr-drzew").get_data(as_text=True)
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


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_item_20_one_synthetic_demo_record_qualifies_for_dane_gov_pl_and_the_demo_feed_is_valid(cli, app):
    for path in feed.paths():  # no feed cached by an earlier test
        path.unlink(missing_ok=True)
    assert cli.invoke(urbanaudit, ["demo", "load", "--password", "demo-pass-123"]).exit_code == 0
    records = helpers.call_action("package_search", q="*:*", rows=100)["results"]
    qualifying = [d for d in records if d["type"] == "dataset" and mapping.classify(d).status == "published"]
    assert [d["name"] for d in qualifying] == ["demo-rejestr-drzew"]  # was: none (all drafts with http resources)
    record = qualifying[0]
    assert record["synthetic"] == "true" and record["title"].endswith("[dane syntetyczne]")

    response = app.get("/dane-gov-pl.xml")  # was: <datasets/>, which the 1.10 XSD rejects
    assert response.status_code == 200
    tree = etree.parse(io.BytesIO(response.data))
    assert feed.schema().validate(tree)
    ns = {"d": mapping.NS}
    assert [e.text for e in tree.getroot().iterfind("d:dataset/d:extIdent", ns)] == [record["id"]]
    urls = {u.text for u in tree.getroot().iterfind("d:dataset/d:resources/d:resource/d:url", ns)}
    assert urls == {"https://dane-syntetyczne.example.com/kielce/drzewa.csv"}  # the http one is not sent


CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
POPULATION = "EUROSTAT:urb_cpop1:DE1001V"


@pytest.fixture
def demo_sources(ckan_config, monkeypatch):
    """The demo's source server (demo.sources) on a free port, the harvesters pointed at it
    as demo/demo.ini does."""
    server = make_server(port=0)
    server.start()
    for source in ("eurostat", "bdl", "gios", "danegovpl"):
        monkeypatch.setitem(ckan_config, f"ckanext.urbanaudit.source.{source}_url", f"{server.url}/{source}")
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    try:
        yield server
    finally:
        server.stop()


def _load_demo(cli) -> list[str]:
    """The steps of `make demo-data` after the migrations, in its order; returns the outputs."""
    steps = [["city", "load", str(CITIES / f"{slug}.yaml")] for slug in ("kielce", "lublin", "bialystok")]
    steps += [["indicators", "load"], ["demo", "harvest"], ["indicators", "compute"],
              ["demo", "load", "--password", "demo-pass-123"],
              ["demo", "audit", "--year", "2024", "--password", "demo-pass-123"]]
    outputs = []
    for args in steps:
        result = cli.invoke(urbanaudit, args)
        assert result.exit_code == 0, (args, result.output)
        outputs.append(result.output)
    return outputs


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_queues", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.synthetic_banner", True)
def test_demo_loads_cities_catalogue_and_real_harvested_values_and_a_second_run_changes_nothing(
        cli, app, demo_sources):
    first = _load_demo(cli)
    assert "kielce-eurostat-urban-audit: 1 added" in first[4]

    assert {c["slug"] for c in helpers.call_action("urbanaudit_city_list")} >= {"kielce", "lublin", "bialystok"}
    indicators = helpers.call_action("package_search", fq="dataset_type:indicator", rows=0)
    assert indicators["count"] > 200
    found = helpers.call_action("package_search", q="Ludność 1 stycznia", fq="dataset_type:indicator")
    assert POPULATION in {d["indicator_code"] for d in found["results"]}

    # the Kielce population comes from the real recorded urb_cpop1 answer, through a real harvest job
    values = helpers.call_action("urbanaudit_indicator_values", indicator_code=POPULATION, city="kielce")
    series = {v["period"]: v["value"] for v in values}
    assert series["2023"] == 182295 and series["2020"] == 187427 and len(series) == 28
    record = helpers.call_action("package_show", id=values[0]["source_ref"])
    assert values[0]["source"] == "eurostat" and record["identifier"] == "eurostat:urb_cpop1:2661011"
    assert record.get("synthetic") in (None, "", "false", False)  # real data is not labelled synthetic
    assert "127.0.0.1" in record["resources"][0]["url"]  # the answer was replayed by the local server
    assert any(p.startswith("/eurostat/data/urb_cpop1?") for p in demo_sources.requests)
    assert not any(p.startswith(("/bdl/", "/gios/")) for p in demo_sources.requests)  # not recorded: not run

    # the synthetic inventory records stay, labelled so
    synthetic = helpers.call_action("package_search", fq="synthetic:true", rows=100)["results"]
    assert len(synthetic) == 6 and all(d["title"].endswith("[dane syntetyczne]") for d in synthetic)  # 4 + 2 analyses

    page = app.get(f"/indicator/{POPULATION}?city=kielce")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Kielce" in body and "Lublin" in body and "Białystok" in body and "Portal demonstracyjny." in body
    assert "eurostat" in body and "2023" in body
    assert app.get("/city/2661011").status_code == 200

    # the demo's reporting year: the 100 ISO 37120:2014 indicators of Kielce approved
    assert "synthetic values submitted" in first[7]
    report = helpers.call_action("urbanaudit_iso37120_report", city="kielce", year=2024)
    assert len(report["indicators"]) == 100 and {r["status"] for r in report["indicators"]} == {"approved"}

    # `make demo` again after a demo was stopped with a job its scheduler left waiting (run now) and
    # one left "Running" when its consumers were killed (aborted): nothing new, nothing changed
    source = helpers.call_action("harvest_source_show", id="kielce-eurostat-urban-audit")
    stuck = HarvestJob.get(helpers.call_action("harvest_job_create", source_id=source["id"], run=False)["id"])
    stuck.status = "Running"
    stuck.save()
    waiting = HarvestJob(source_id=source["id"], status="New")
    waiting.save()
    stuck_id, waiting_id = stuck.id, waiting.id
    before = helpers.call_action("package_search", q="*:*", rows=1000, include_private=True)["results"]
    second = _load_demo(cli)
    assert "0 synthetic values submitted, 0 approved" in second[7]
    # (ckanext-harvest's abort marks the stuck job Finished; the waiting one ran to its end)
    assert (HarvestJob.get(stuck_id).status, HarvestJob.get(waiting_id).status) == ("Finished", "Finished")
    assert "kielce-eurostat-urban-audit: 0 added, 0 updated, 0 deleted, 0 errored" in second[4]
    after = helpers.call_action("package_search", q="*:*", rows=1000, include_private=True)["results"]
    assert {d["name"]: d["metadata_modified"] for d in after if not d.get("synthetic")} == {
        d["name"]: d["metadata_modified"] for d in before if not d.get("synthetic")}
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code=POPULATION, city="kielce") == values


def test_demo_source_server_answers_unrecorded_paths_with_404_saying_so(demo_sources):
    assert requests.get(f"{demo_sources.url}/eurostat/data/urb_cpop1", timeout=5).status_code == 200
    missing = requests.get(f"{demo_sources.url}/bdl/variables/72305", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"] == "not recorded"
