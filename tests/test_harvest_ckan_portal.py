"""Harvesting another city's CKAN portal: the real Gdańsk catalogue (66 datasets, recorded CKAN API 3 answer
in shared/fixtures/danegovpl/ckan-harvest-samples) served by package_search on a local server."""
from __future__ import annotations

import copy

import pytest
from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestObject

from ckanext.urbanaudit.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.source_server import ckan_package_search, load_json

GDANSK = "danegovpl/ckan-harvest-samples/gdansk_ckan_current_package_list_with_resources.json"
EU = "http://publications.europa.eu/resource/authority/"

CITY = """
slug: testowo
name: Testowo (synthetic)
teryt: "2661011"
organization: {name: um-testowo, title: Urząd Testowa}
departments:
  - {name: testowo-wydzial-transportu, title: Wydział Transportu}
harvest_sources:
  - name: testowo-ckan-gdansk
    type: urbanaudit_ckan
    url: URL
    frequency: WEEKLY
    config:
      department: testowo-wydzial-transportu
      defaults: {data_steward: "Biuro Otwartych Danych", legal_basis: "ustawa o otwartych danych",
                 personal_data: "no", spatial_resolution: city,
                 frequency: "http://publications.europa.eu/resource/authority/frequency/IRREG"}
"""


@pytest.fixture
def clean(clean_db, clean_index, clean_queues, clean_redis):
    """Empty database, search index, harvest queues and Redis."""


@pytest.fixture
def portal(clean, source_server, tmp_path):
    packages = load_json(GDANSK)["result"]
    source_server.route("/api/3/action/package_search", ckan_package_search(packages))
    (tmp_path / "testowo.yaml").write_text(CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    source = helpers.call_action("harvest_source_show", id="testowo-ckan-gdansk")
    return source, factories.Sysadmin()["name"], packages


def test_gdansk_portal_lands_in_the_inventory_of_the_configured_department(portal, source_server):
    source, user, _ = portal
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 66, "updated": 0, "deleted": 0, "errored": 0}

    tristar = helpers.call_action("package_show", id="ckan-tristar")
    assert tristar["organization"]["name"] == "testowo-wydzial-transportu"
    assert tristar["publication_status"] == "published"
    assert tristar["theme"] == [EU + "data-theme/TRAN"]
    assert tristar["iso37120_theme"] == ["19"]
    assert tristar["access_rights"] == EU + "access-right/PUBLIC"
    assert tristar["license_id"] == "cc-by"
    assert tristar["contact"][0]["email"] == "ztm-dl-opendata@gdansk.gda.pl"  # the portal's "Kontakt" extra
    assert tristar["data_steward"] == "Biuro Otwartych Danych"  # from the source's defaults
    assert {t["name"] for t in tristar["tags"]} == {"rozkłady jazdy", "transport", "ztm"}
    assert len(tristar["resources"]) == 21
    assert tristar["url"] == f"{source_server.url}/dataset/tristar"

    # "Powietrze w Gdańsku" has no keywords: a draft naming what is missing
    air = helpers.call_action("package_show", id="ckan-powietrze-w-gdansku")
    assert air["publication_status"] == "draft"
    assert air["theme"] == [EU + "data-theme/ENVI"]
    assert "słowa kluczowe" in air["known_quality_issues"]

    # a department's name typed into the e-mail field becomes the contact's name, not an invalid e-mail
    bikes = helpers.call_action("package_show", id="ckan-ruch-rowerowy-w-gdansku")
    assert bikes["contact"][0]["name"] == "Wydział Gospodarki Komunalnej"

    found = helpers.call_action("package_search", fq="organization:testowo-wydzial-transportu", rows=0)
    assert found["count"] == 66


def test_unchanged_reharvest_makes_no_objects_a_change_updates_and_a_gone_record_is_withdrawn(portal, source_server):
    source, user, packages = portal
    run_job(source["id"], user)
    objects = model.Session.query(HarvestObject).count()

    again = run_job(source["id"], user)
    assert again["gather_error_messages"] == []
    assert changes(again) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert model.Session.query(HarvestObject).count() == objects  # nothing fetched, validated or re-indexed

    changed = copy.deepcopy(packages)
    tristar = next(p for p in changed if p["name"] == "tristar")
    tristar["title"] = "TRISTAR – rozkłady jazdy (zmieniony)"
    changed = [p for p in changed if p["name"] != "kolekcje-sztuki"]
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    before = helpers.call_action("package_show", id="ckan-tristar")

    job = run_job(source["id"], user)
    assert changes(job) == {"added": 0, "updated": 1, "deleted": 1, "errored": 0}
    after = helpers.call_action("package_show", id="ckan-tristar")
    assert after["id"] == before["id"] and after["title"] == "TRISTAR – rozkłady jazdy (zmieniony)"
    assert helpers.call_action("package_show", id="ckan-kolekcje-sztuki")["publication_status"] == "withdrawn"
