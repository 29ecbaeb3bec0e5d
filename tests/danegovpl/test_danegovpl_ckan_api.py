"""The CKAN API path of dane.gov.pl: current_package_list_with_resources."""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from ckan.tests import factories, helpers
from lxml import etree

from ckanext.urbanaudit.danegovpl import feed
from tests import danegovpl_catalogue as catalogue

SAMPLES = Path(os.environ.get("URBANAUDIT_SHARED", Path(__file__).resolve().parents[3] / "shared")) / \
    "fixtures/danegovpl/ckan-harvest-samples"
# The fields dane.gov.pl's CKAN harvester maps (mcod harvester/serializers.py DatasetSchema, ResourceSchema, TagSchema)
DATASET_FIELDS = {"id": str, "name": str, "title": str, "notes": str, "metadata_created": str,
                  "metadata_modified": str, "license_id": str, "organization": dict, "tags": list, "resources": list}
RESOURCE_FIELDS = {"id": str, "name": str, "description": str, "url": str, "format": str, "created": str}


def _feed_published_ids() -> set[str]:
    out = io.BytesIO()
    feed.write(out)

    ns = {"d": "urn:otwarte-dane:harvester:1.10"}
    root = etree.fromstring(out.getvalue())
    return {d.findtext("d:extIdent", namespaces=ns) for d in root.iterfind("d:dataset[@status='published']", ns)}


def test_the_fields_we_check_are_the_ones_real_portals_send_to_dane_gov_pl():
    """Gdańsk's recorded answer (harvested by dane.gov.pl) carries every field we promise, with our types."""
    sample = json.loads((SAMPLES / "gdansk_ckan_current_package_list_with_resources.json").read_text("utf-8"))
    packages = sample["result"]
    assert len(packages) == 66
    for pkg in packages:
        for key, kind in DATASET_FIELDS.items():
            assert isinstance(pkg[key], kind), key
        for res in pkg["resources"]:
            for key in ("id", "url", "format", "created"):
                assert isinstance(res[key], RESOURCE_FIELDS[key]), key


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_returns_the_records_the_feed_publishes_with_the_mapped_fields():
    records = catalogue.build()
    sysadmin = factories.Sysadmin()
    # even a sysadmin's call (core CKAN would add private records) returns only public, published ones
    result = helpers.call_action("current_package_list_with_resources", {"user": sysadmin["name"]})
    assert {p["id"] for p in result} == _feed_published_ids() == {
        records["full"]["id"], records["minimal"]["id"], records["odbl"]["id"]}

    for pkg in result:
        for key, kind in DATASET_FIELDS.items():
            assert isinstance(pkg[key], kind), key
        assert all(isinstance(t["id"], str) and t["name"] for t in pkg["tags"])
        for res in pkg["resources"]:
            for key, kind in RESOURCE_FIELDS.items():
                assert isinstance(res[key], kind), key
            assert res["url"].startswith("https://")  # dane.gov.pl fails the whole import on another scheme
            assert res["name"]
    full = next(p for p in result if p["id"] == records["full"]["id"])
    assert full["title"].startswith("Rejestr drzew: zieleń miejska")
    assert full["license_id"] == "cc-by-sa"
    assert sorted(t["name"] for t in full["tags"]) == ["drzewa", "zieleń miejska", "środowisko"]
    assert [(r["url"], r["format"]) for r in full["resources"]] == [
        ("https://dane.example.com/drzewa.csv", "CSV"), ("https://dane.example.com/drzewa.geojson", "GeoJSON")]
    assert full["resources"][0]["last_modified"] == "2026-03-01T00:00:00"  # the data update date, not null
    assert full["resources"][1]["name"] == "drzewa.geojson"


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckan.search.solr_commit", False)
def test_pages_through_1000_records_without_loss_or_duplicates():
    created = catalogue.bulk_published(1000)
    whole = helpers.call_action("current_package_list_with_resources", {})
    assert len(whole) == 1000 and {p["id"] for p in whole} == created  # no limit: all (dane.gov.pl's call)

    seen: list[str] = []
    for offset in range(0, 1100, 90):
        page = helpers.call_action("current_package_list_with_resources", {}, limit=90, offset=offset)
        assert len(page) == min(90, max(0, 1000 - offset))
        seen.extend(p["id"] for p in page)
    assert len(seen) == 1000 and set(seen) == created
    by_page = helpers.call_action("current_package_list_with_resources", {}, limit=100, page=3)
    assert [p["id"] for p in by_page] == seen[200:300]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_bad_paging_parameters_get_a_clear_error(app):
    response = app.get("/api/3/action/current_package_list_with_resources?limit=abc", status=409)
    assert response.json["success"] is False
    assert response.json["error"]["__type"] == "Validation Error" and "limit" in response.json["error"]
