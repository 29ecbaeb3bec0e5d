"""GUS BDL harvester against real pyBDL samples served with the live API's paging envelope.

The recorded by-unit data is for unit 023000000000 (WIELKOPOLSKIE, variable 9), so the test city file here
is a stand-in "city" for that unit (TERYT-like code 3000000, the voivodeship's code padded); Kielce's own
BDL unit is not in the recording."""
from __future__ import annotations

import json

import pytest
import yaml
from ckan.tests import factories, helpers
from ckanext.urbanaudit.harvesters.bdl import BdlHarvester
from ckanext.urbanaudit.harvesters.http import Quota, QuotaExceeded, SourceClient

from ckanext.urbanaudit.indicators import public_statistics
from tests.harvest_jobs import changes, run_job
from tests.source_server import bdl_paged, load_json

STAND_IN = """
slug: bdl-wielkopolskie
name: WIELKOPOLSKIE (BDL test unit)
teryt: "3000000"
bdl_unit_id: "023000000000"
organization: {name: bdl-test, title: BDL test organization}
harvest_sources:
  - name: bdl-test-source
    type: urbanaudit_bdl
    config: {subjects: [P1313], page_size: 3}
"""


@pytest.fixture
def bdl_source(local_city, source_server):
    local_city("bdl", STAND_IN)
    variables = load_json("bdl/pybdl/samples_raw_variables.json")["list_variables"]
    subjects = {s["id"]: s for s in load_json("bdl/pybdl/samples_raw_subjects.json")["list_subjects"]}
    by_unit = load_json("bdl/pybdl/samples_raw_data.json")["get_data_by_unit"]
    url = source_server.url
    source_server.route("/variables", bdl_paged(
        url + "/variables", lambda q: [v for v in variables if v["subjectId"] in q.get("subject-id", [])]))
    source_server.route("/subjects/P1313", lambda q: (200, "application/json",
                                                      json.dumps(subjects["P1313"]).encode()))
    envelope = {k: by_unit[k] for k in ("unitId", "unitName", "aggregateId")}
    source_server.route("/data/by-unit/023000000000", bdl_paged(
        url + "/data/by-unit/023000000000",
        lambda q: [r for r in by_unit["results"] if str(r["id"]) in q.get("var-id", [])], **envelope))
    source = helpers.call_action("harvest_source_show", id="bdl-test-source")
    return source, factories.Sysadmin()["name"]


def test_subject_variables_are_paged_and_values_stored_with_a_subject_record(bdl_source, source_server):
    source, user = bdl_source
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 1, "updated": 0, "deleted": 0, "errored": 0}

    # P1313 has 7 variables in the recording: with page-size 3 the harvester followed links.next twice
    pages = [p for p in source_server.requests if p.startswith("/variables?")]
    assert len(pages) == 3 and "page=2" in pages[-1]
    record = helpers.call_action("package_search", q="*:*")["results"][0]
    assert record["identifier"] == "bdl:P1313:3000000"
    assert "25-29" in record["notes"] and "259865" in record["notes"]
    assert record["organization"]["name"] == "bdl-test"

    values = helpers.call_action("urbanaudit_indicator_values", indicator_code="BDL:9", city="3000000")
    series = {v["period"]: v["value"] for v in values}
    assert len(series) == 30 and series["1995"] == 12 and series["2024"] == 40
    assert values[0]["unit"] == "osoba" and values[0]["source_ref"] == record["id"]


def test_reharvest_unchanged_is_quiet_and_a_variable_dropped_from_the_config_withdraws_its_subject(
        bdl_source, source_server):
    source, user = bdl_source
    run_job(source["id"], user)
    record = helpers.call_action("package_search", q="*:*")["results"][0]
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert helpers.call_action("package_show", id=record["id"])["metadata_modified"] == record["metadata_modified"]

    # the source now asks for a subject the recording does not hold: P1312 (its variables 6, 7, 8)
    helpers.call_action("harvest_source_patch", {"user": user}, id=source["id"],
                        config=json.dumps({"city": "3000000", "subjects": ["P1312"], "page_size": 3}))
    subjects = {s["id"]: s for s in load_json("bdl/pybdl/samples_raw_subjects.json")["list_subjects"]}
    source_server.route("/subjects/P1312", lambda q: (200, "application/json",
                                                      json.dumps(subjects["P1312"]).encode()))
    for variable_id in (6, 7, 8):  # verified in the public statistics mapping (councillors): asked for, checked
        _variable_route(source_server, variable_id)
    job = run_job(source["id"], user)
    assert changes(job) == {"added": 1, "updated": 0, "deleted": 1, "errored": 0}
    assert helpers.call_action("package_show", id=record["id"])["publication_status"] == "withdrawn"


def test_the_harvester_sends_x_client_id_and_uses_registered_quotas(bdl_source, source_server, ckan_config,
                                                                   monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.bdl_client_id", "test-client-id")
    options = BdlHarvester().client_options()
    assert [str(q) for q in options["quotas"]] == ["10 requests per 1 s", "500 requests per 15 min",
                                                   "5000 requests per 12 h"]
    source, user = bdl_source
    run_job(source["id"], user)
    assert {h.get("X-ClientId") for h in source_server.headers} == {"test-client-id"}


def test_quota_limiter_waits_within_a_window_and_refuses_beyond_max_wait(clean, source_server):
    source_server.route("/ping", lambda q: (200, "application/json", b"{}"))
    client = SourceClient("BDL", source_server.url, quotas=[Quota(3, 1)], max_wait=5, retries=0)
    for _ in range(4):
        client.get_json("ping")
    assert client.limiter.waited > 0  # the fourth request waited for the 1-second window

    slow = SourceClient("BDL", source_server.url, quotas=[Quota(2, 900)], max_wait=1, retries=0, namespace="q2")
    slow.get_json("ping")
    slow.get_json("ping")
    with pytest.raises(QuotaExceeded, match=r"quota of 2 requests per 15 min used up"):
        slow.get_json("ping")
    assert len(source_server.requests) == 6  # the refused request never left the machine


def test_retry_after_longer_than_max_wait_is_a_quota_error_and_blocks_the_next_request(clean, source_server):
    source_server.route("/limited", lambda q: (429, {"Content-Type": "application/json", "Retry-After": "3600"},
                                               b'{"error": "limit"}'))
    client = SourceClient("BDL", source_server.url, quotas=[Quota(100, 1)], max_wait=10, retries=2)
    with pytest.raises(QuotaExceeded, match="Retry-After"):
        client.get_json("limited")
    assert len(source_server.requests) == 1  # no retry before the hour is over
    other = SourceClient("BDL", source_server.url, quotas=[Quota(100, 1)], max_wait=10, retries=2)
    with pytest.raises(QuotaExceeded, match="asked to wait"):
        other.get_json("limited")  # another client (another consumer process) respects the same block
    assert len(source_server.requests) == 1


def _mapping(name: list[str]) -> public_statistics.PublicStatistics:
    """A public statistics mapping of the recorded variable 9 (P1313 "ogółem / 24 lata i mniej", osoba)."""
    return public_statistics.parse(yaml.safe_dump({
        "variables": {"BDL:9": {
            "source": "bdl", "id": "9", "subject": "P1313", "name": name, "measure_unit": "osoba", "level": 6,
            "verified": True, "evidence": [{"kind": "recorded", "where": "bdl/pybdl/samples_raw_variables.json",
                                            "says": '"id": 9, "subjectId": "P1313", "n1": "ogółem"'}]}},
        "indicators": {}, "uncovered": {}}, allow_unicode=True))


def _variable_route(source_server, variable_id: int) -> None:
    recorded = next(v for v in load_json("bdl/pybdl/samples_raw_variables.json")["list_variables"]
                    if v["id"] == variable_id)
    source_server.route(f"/variables/{variable_id}",
                        lambda q: (200, "application/json", json.dumps(recorded).encode()))


def test_a_mapped_variable_is_checked_against_its_metadata_and_kept_when_it_agrees(bdl_source, source_server,
                                                                                   monkeypatch):
    monkeypatch.setattr(public_statistics, "load", lambda: _mapping(["ogółem", "24 lata i mniej"]))
    _variable_route(source_server, 9)
    source, user = bdl_source
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == []
    assert "/variables/9?lang=pl" in source_server.requests  # asked for itself, not only from the subject list
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code="BDL:9", city="3000000")


def test_a_mapped_variable_whose_name_changed_in_the_source_stops_with_both_names_and_writes_nothing(
        bdl_source, source_server, monkeypatch):
    source, user = bdl_source
    _variable_route(source_server, 9)
    # the mapping was written for another name: the source renumbered or redefined variable 9
    monkeypatch.setattr(public_statistics, "load", lambda: _mapping(["ogółem", "25 lat i mniej"]))
    job = run_job(source["id"], user)
    [error] = job["gather_error_messages"]
    assert "BDL:9" in error and "ogółem / 24 lata i mniej" in error and "ogółem / 25 lat i mniej" in error
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code="BDL:9", city="3000000") == []
    # the subject's other variables are harvested as before
    [record] = helpers.call_action("package_search", q="*:*")["results"]
    assert "- 10: ogółem / 25-29 [osoba]" in record["notes"] and "- 9:" not in record["notes"]

    # values stored before the source changed stay (nothing is deleted): harvest with a matching mapping, then
    # with a mismatching one again
    monkeypatch.setattr(public_statistics, "load", lambda: _mapping(["ogółem", "24 lata i mniej"]))
    run_job(source["id"], user)
    before = helpers.call_action("urbanaudit_indicator_values", indicator_code="BDL:9", city="3000000")
    monkeypatch.setattr(public_statistics, "load", lambda: _mapping(["kobiety", "24 lata i mniej"]))
    job = run_job(source["id"], user)
    assert any("kobiety / 24 lata i mniej" in e for e in job["gather_error_messages"])
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code="BDL:9", city="3000000") == before
