"""dane.gov.pl harvester.

SYNTHETIC DATA: no verbatim dane.gov.pl API 1.4 (JSON:API) answer could be found (see
shared/fixtures/NOTES.md), so the answers below are written for this test, in the documented JSON:API shape
(data[].id/type/attributes, links.next, meta.count). Titles say "[syntetyczne]"; they describe nothing real.
"""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.harvesters.conftest import TESTOWO

CITY = TESTOWO + """danegovpl: {institution_id: 999}
harvest_sources:
  - {name: testowo-danegovpl, type: urbanaudit_danegovpl, frequency: WEEKLY}
"""


def _dataset(number: int) -> dict:
    return {"id": str(number), "type": "dataset",
            "attributes": {"title": f"[syntetyczne] Zbiór {number}", "notes": f"Opis zbioru {number}",
                           "tags": ["transport", "budżet"], "categories": [{"code": "TRAN"}],
                           "update_frequency": "yearly", "modified": "2024-03-01T10:00:00Z",
                           "license_name": "CC BY 4.0"},
            "links": {"self": f"https://dane.gov.pl/pl/dataset/{number}"}}


@pytest.fixture
def source(clean, source_server, ckan_config, monkeypatch, tmp_path):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.danegovpl_url", source_server.url)
    (tmp_path / "testowo.yaml").write_text(CITY, "utf-8")
    load(tmp_path / "testowo.yaml")
    url = source_server.url

    def datasets(query):
        page = int(query.get("page", ["1"])[0])
        data = [_dataset(1), _dataset(2)] if page == 1 else [_dataset(3)]
        links = {"next": f"{url}/institutions/999/datasets?page=2&per_page=100"} if page == 1 else {}
        return 200, "application/vnd.api+json", json.dumps({"data": data, "links": links,
                                                             "meta": {"count": 3}}).encode()

    source_server.route("/institutions/999/datasets", datasets)
    for number in (1, 2, 3):
        body = json.dumps({"data": [{"id": f"{number}0", "type": "resource", "attributes": {
            "title": "Plik CSV", "format": "csv", "link": f"https://example.invalid/{number}.csv"}}],
            "links": {}, "meta": {"count": 1}}).encode()
        source_server.route(f"/datasets/{number}/resources", lambda q, body=body: (200, "application/json", body))
    return helpers.call_action("harvest_source_show", id="testowo-danegovpl"), factories.Sysadmin()["name"]


def test_institution_datasets_become_draft_inventory_records_with_resources(source, source_server):
    harvest_source, user = source
    job = run_job(harvest_source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 3, "updated": 0, "deleted": 0, "errored": 0}
    assert any("page=2" in p for p in source_server.requests)  # links.next was followed

    record = helpers.call_action("package_show", id="danegovpl-2")
    assert record["identifier"] == "danegovpl:2"
    assert record["organization"]["name"] == "um-testowo"
    assert record["theme"] == ["http://publications.europa.eu/resource/authority/data-theme/TRAN"]
    assert record["frequency"] == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    assert record["resources"][0]["format"] == "CSV"
    # dane.gov.pl carries no data steward, legal basis or contact: kept as a draft, with the gaps named
    assert record["publication_status"] == "draft"
    assert "podstawa prawna" in record["known_quality_issues"]
    assert changes(run_job(harvest_source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
