"""GIOŚ harvester against the real v1 answers (station 552 Warszawa, ul. Kondratowicza) on a local server.

The recorded station list holds two stations (Warszawa, Żyrardów), so these tests load a test city file for
Warszawa (written here, in tmp_path) rather than Kielce, which has no station in the recording."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from tests.harvest_jobs import changes, run_job
from tests.source_server import fixture_path, load_json

WARSZAWA = """
slug: warszawa
name: Warszawa
teryt: "1465011"
urban_audit_code: PL001C
gios: {city_name: Warszawa}
organization: {name: um-warszawa, title: Urząd m.st. Warszawy}
departments: [{name: warszawa-ochrona-srodowiska, title: Biuro Ochrony Środowiska}]
harvest_sources:
  - {name: warszawa-gios, type: urbanaudit_gios, frequency: DAILY, owner: warszawa-ochrona-srodowiska}
"""


def _json(relative: str):
    body = fixture_path(relative).read_bytes()
    return lambda query: (200, "application/json", body)


@pytest.fixture
def warszawa_source(local_city, source_server):
    local_city("gios", WARSZAWA)
    source_server.route("/station/findAll", _json("gios/v1-bieniu/stations.json"))
    source_server.route("/station/sensors/552", _json("gios/v1-bieniu/station.json"))
    for sensor in (3759, 3760, 3761, 3762, 3764, 3765, 14688):
        source_server.route(f"/data/getData/{sensor}", _json(f"gios/v1-bieniu/sensor_{sensor}.json"))
    source = helpers.call_action("harvest_source_show", id="warszawa-gios")
    return source, factories.Sysadmin()["name"]


def _records() -> dict[str, dict]:
    found = helpers.call_action("package_search", q="*:*", rows=100, include_private=True)["results"]
    return {r["identifier"]: r for r in found}


def _value(code: str) -> dict:
    rows = helpers.call_action("urbanaudit_indicator_values", indicator_code=code, city="warszawa")
    return {r["period"]: (r["value"], r["flags"]) for r in rows}


def test_station_becomes_a_point_record_and_pollutants_become_indicator_values(warszawa_source, source_server):
    source, user = warszawa_source
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 2, "updated": 0, "deleted": 0, "errored": 0}

    records = _records()
    assert sorted(records) == ["gios:air-quality:1465011", "gios:station:552"]  # Żyrardów is not Warszawa
    station = records["gios:station:552"]
    assert json.loads(station["spatial"]) == {"type": "Point", "coordinates": [21.042458, 52.290864]}
    assert station["spatial_resolution"] == "point"
    assert station["organization"]["name"] == "warszawa-ochrona-srodowiska"
    assert station["publication_status"] == "published"
    assert {t["name"] for t in station["tags"]} >= {"PM10", "PM2.5", "NO2", "O3"}

    # 20 hourly PM10 readings of 2025-07-03/04 average 10.83 µg/m3; PM2.5 comes from the automatic sensor
    # 14688 only (the manual sensor 3765 answers API-ERR-100003, noted as a quality issue)
    assert _value("ISO37120:2018:8.2") == {"2025": (10.83, ["partial"])}
    assert _value("ISO37120:2018:8.1") == {"2025": (4.51, ["partial"])}
    assert _value("ISO37120:2014:8.4") == {"2025": (7.1, ["partial"])}
    assert "API-ERR-100003" in records["gios:air-quality:1465011"]["known_quality_issues"]
    assert any(path.startswith("/station/findAll?page=0&size=500") for path in source_server.requests)


def test_reharvest_unchanged_does_nothing_and_a_closed_station_is_withdrawn(warszawa_source, source_server):
    source, user = warszawa_source
    run_job(source["id"], user)
    before = _records()

    again = run_job(source["id"], user)
    assert changes(again) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert {k: r["metadata_modified"] for k, r in _records().items()} == {
        k: r["metadata_modified"] for k, r in before.items()}

    # the station leaves GIOŚ's list of working stations
    stations = load_json("gios/v1-bieniu/stations.json")
    stations["Lista stacji pomiarowych"] = [s for s in stations["Lista stacji pomiarowych"]
                                            if s["Identyfikator stacji"] != 552]
    body = json.dumps(stations).encode()
    source_server.route("/station/findAll", lambda query: (200, "application/json", body))
    closed = run_job(source["id"], user)
    assert changes(closed) == {"added": 0, "updated": 1, "deleted": 1, "errored": 0}
    withdrawn = helpers.call_action("package_show", id=before["gios:station:552"]["id"])
    assert withdrawn["state"] == "active"  # kept, not hard-deleted
    assert withdrawn["publication_status"] == "withdrawn"
    # the yearly values already stored stay (they were measured); the city record now lists no station
    assert _value("ISO37120:2018:8.2") == {"2025": (10.83, ["partial"])}

    # withdrawing is not repeated on the next run
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}


def test_gone_records_can_be_deleted_instead_when_configured(warszawa_source, source_server):
    source, user = warszawa_source
    helpers.call_action("harvest_source_patch", {"user": user}, id=source["id"],
                        config=json.dumps({"city": "1465011", "gone_records": "delete"}))
    run_job(source["id"], user)
    station_id = _records()["gios:station:552"]["id"]
    stations = load_json("gios/v1-bieniu/stations.json")
    stations["Lista stacji pomiarowych"] = stations["Lista stacji pomiarowych"][1:]
    body = json.dumps(stations).encode()
    source_server.route("/station/findAll", lambda query: (200, "application/json", body))
    run_job(source["id"], user)
    assert helpers.call_action("package_show", id=station_id)["state"] == "deleted"


def test_a_failing_sensor_request_changes_nothing(warszawa_source, source_server):
    source, user = warszawa_source
    run_job(source["id"], user)
    before = _records()
    source_server.route("/data/getData/3764", lambda query: (503, "text/plain", b"Service Unavailable"))
    job = run_job(source["id"], user)
    assert "HTTP 503" in job["gather_error_messages"][0]
    assert "/data/getData/3764" in job["gather_error_messages"][0]
    after = _records()
    assert {k: (r["metadata_modified"], r["publication_status"]) for k, r in after.items()} == {
        k: (r["metadata_modified"], r["publication_status"]) for k, r in before.items()}


def test_a_city_with_no_station_in_the_list_gets_a_clear_error_and_no_empty_record(warszawa_source, source_server):
    source, user = warszawa_source
    stations = load_json("gios/v1-bieniu/stations.json")
    stations["Lista stacji pomiarowych"] = [s for s in stations["Lista stacji pomiarowych"]
                                            if s["Nazwa miasta"] != "Warszawa"]
    body = json.dumps(stations).encode()
    source_server.route("/station/findAll", lambda query: (200, "application/json", body))
    job = run_job(source["id"], user)
    assert "none in Warszawa" in job["gather_error_messages"][0]
    assert "gios.city_name" in job["gather_error_messages"][0]
    assert _records() == {}
