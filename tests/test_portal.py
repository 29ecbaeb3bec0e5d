"""The public portal: the home page shows the city, the catalogue facets on the inventory's
vocabularies, spatial search and dataset maps, and researchers find the DCAT catalogue."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers
from rdflib import Graph

from tests.inventory_records import EU, full_record

ELSEWHERE = {"type": "Polygon", "coordinates": [[[14.0, 53.0], [14.2, 53.0], [14.2, 53.1], [14.0, 53.1],
                                                  [14.0, 53.0]]]}


@pytest.fixture
def catalogue():
    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"], "ignore_auth": True}
    org = factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska")
    trees = helpers.call_action("package_create", dict(context), **full_record(org["id"]))
    buses = helpers.call_action("package_create", dict(context), **full_record(
        org["id"], name="rozklad-jazdy", title="Rozkład jazdy komunikacji miejskiej", identifier="KIELCE-ZTM-001",
        theme=[EU + "data-theme/TRAN"], iso37120_theme=["19"], spatial=json.dumps(ELSEWHERE),
        access_rights=EU + "access-right/RESTRICTED",
        resources=[{"name": "GTFS", "url": "https://dane.kielce.eu/gtfs.zip", "format": "ZIP"}]))
    return {"trees": trees, "buses": buses, "org": org}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_home_page_shows_themes_with_counts_latest_records_and_the_way_in(app, catalogue):
    page = app.get("/").get_data(as_text=True)
    assert "Szukaj w danych miasta" in page
    # themes of the EU vocabulary in Polish with their counts, linked to the faceted search
    assert "Transport" in page and "Środowisko" in page
    assert "/dataset/?vocab_theme=http://publications.europa.eu/resource/authority/data-theme/TRAN" in page
    assert "Najnowsze zbiory danych" in page
    assert "Rozkład jazdy komunikacji miejskiej" in page and "Rejestr drzew na terenach miejskich" in page
    for link in ("/inventory/", "/dla-badaczy"):
        assert f'href="{link}' in page, link
    english = app.get("/en/").get_data(as_text=True)
    assert "Search the data of the city" in english and "Latest data sets" in english


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_search_facets_on_the_inventory_vocabularies_with_polish_labels(app, catalogue):
    page = app.get("/dataset/").get_data(as_text=True)
    for heading in ("Wydziały", "Kategoria (UE)", "Obszar ISO 37120", "Poziom dostępu", "Formaty"):
        assert heading in page, heading
    # facet values read as labels, not as vocabulary URIs
    assert "Transport" in page and "Środowisko" in page and "data-theme/TRAN</" not in page
    restricted = app.get("/dataset/", query_string={"access_rights": EU + "access-right/RESTRICTED"})
    text = restricted.get_data(as_text=True)
    assert "Rozkład jazdy komunikacji miejskiej" in text and "Rejestr drzew na terenach miejskich" not in text
    by_iso = app.get("/dataset/", query_string={"vocab_iso37120_theme": "8"}).get_data(as_text=True)
    assert "Rejestr drzew na terenach miejskich" in by_iso and "Rozkład jazdy" not in by_iso
    assert 'value="quality_score desc' in page  # sort by quality offered


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_map_search_finds_records_by_extent_and_dataset_page_shows_the_map(app, catalogue):
    page = app.get("/dataset/").get_data(as_text=True)
    assert "dataset-map" in page or "spatial-query" in page  # the map widget of ckanext-spatial
    kielce = app.get("/dataset/", query_string={"ext_bbox": "20.5,50.78,20.75,50.93"}).get_data(as_text=True)
    assert "Rejestr drzew na terenach miejskich" in kielce and "Rozkład jazdy" not in kielce
    record = app.get("/dataset/rejestr-drzew").get_data(as_text=True)
    assert "dataset-map" in record and "20.52" in record


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_every_page_links_the_dcat_catalogue_and_the_researchers_page_documents_it(app, catalogue):
    for url in ("/", "/dataset/", "/dataset/rejestr-drzew", "/inventory/"):
        page = app.get(url).get_data(as_text=True)
        assert 'rel="alternate" type="text/turtle"' in page, url
        assert "/catalog.ttl" in page and "/dla-badaczy" in page, url
    researchers = app.get("/dla-badaczy").get_data(as_text=True)
    assert "Otwarte dane dla badaczy" in researchers and "ckanapi" in researchers
    assert "?page=2" in researchers and "modified_since" in researchers and "profiles=dcat_ap_pl" in researchers
    # the documented endpoints answer: a catalogue page parses and content negotiation works
    graph = Graph().parse(data=app.get("/catalog.ttl?page=1").get_data(as_text=True), format="turtle")
    assert len(graph) > 10
    negotiated = app.get("/dataset/rejestr-drzew", headers={"Accept": "text/turtle"})
    assert negotiated.headers["Content-Type"].startswith("text/turtle")
    assert "Rejestr drzew" in negotiated.get_data(as_text=True)
