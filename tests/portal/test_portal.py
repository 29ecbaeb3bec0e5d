"""The public portal: the home page shows the city, the catalogue facets on the inventory's
vocabularies, spatial search and dataset maps, and researchers find the DCAT catalogue."""
from __future__ import annotations

import json
from unittest import mock

import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.lib.search import query as search_query
from ckan.tests import factories, helpers
from rdflib import Graph

from ckanext.urbanaudit.indicators.load import load
from ckanext.urbanaudit.portal import home
from tests.indicator_data import _pm10_values, _sysadmin_upsert, _v
from tests.inventory_records import ELSEWHERE, EU, full_record


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
    # no city loaded: the indicator section says so, without an error
    assert "Miasto portalu nie zostało jeszcze wczytane" in page and 'href="/gaps"' not in page


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_home_page_searches_only_for_what_it_shows_and_still_negotiates_rdf_and_greets_users(app, catalogue,
                                                                                               monkeypatch):
    """The home page's own view (portal/views.py) precedes CKAN's and ckanext-dcat's view of "/": a visitor's page
    makes the two catalogue searches its summary needs (CKAN's view added a third, for variables the page never
    reads); an RDF request still gets the catalogue; a signed-in user without an e-mail address still gets CKAN's
    notice to add one."""
    searches = []
    real_run = search_query.PackageSearchQuery.run

    def counted(self, query, *args, **kwargs):
        searches.append(query.get("fq"))
        return real_run(self, query, *args, **kwargs)

    monkeypatch.setattr(search_query.PackageSearchQuery, "run", counted)
    page = app.get("/")
    assert page.status_code == 200 and "Rozkład jazdy komunikacji miejskiej" in page.get_data(as_text=True)
    assert len(searches) == 2, searches
    monkeypatch.setattr(search_query.PackageSearchQuery, "run", real_run)

    turtle = app.get("/", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    assert "Rozkład jazdy komunikacji miejskiej" in {str(o) for o in graph.objects()}

    without_email = factories.User()
    model.User.get(without_email["name"]).email = ""
    model.Session.commit()
    token = factories.APIToken(user=without_email["name"])["token"]
    greeted = app.get("/", headers={"Authorization": token}).get_data(as_text=True)
    assert "Szukaj w danych miasta" in greeted and "/user/edit" in greeted


ENV_ORG = "kielce-wydzial-srodowiska"  # made by the `cities` fixture
PM10_LINK = 'href="/indicator/iso37120-2018-8-2?city=2661011"'


@pytest.mark.usefixtures("cities")
def test_home_page_shows_headline_indicators_with_trend_and_the_most_used_data_sets(app):
    public = helpers.call_action("package_create", **full_record(
        ENV_ORG, name="pomiary-pm10", title="Pomiary PM10 jawne", identifier="KIELCE-SR-101"))
    secret = helpers.call_action("package_create", **full_record(
        ENV_ORG, name="pomiary-tajne", title="Pomiary tajne wewnętrzne", identifier="KIELCE-SR-102",
        private=True))
    values = _pm10_values()
    values[0]["source_ref"], values[1]["source_ref"] = secret["id"], public["id"]
    _sysadmin_upsert(values)
    page = app.get("/").get_data(as_text=True)
    assert "Miasto we wskaźnikach: Kielce" in page
    # latest value, unit, period and the trend in words (PM10 fell: lower is better)
    assert "Stężenie pyłu PM10" in page and PM10_LINK in page
    assert ">25 <" in page and "Okres: 2024" in page and "spadek (lepiej)" in page
    for link in ('href="/city/2661011"', 'href="/gaps"'):
        assert link in page, link
    # most used = the public data set the values come from, labelled with what is counted
    assert "Zbiory danych najczęściej wykorzystywane we wskaźnikach" in page and "Portal nie liczy odsłon" in page
    assert "Pomiary PM10 jawne" in page and "wskaźniki: 1" in page
    assert "Pomiary tajne" not in page
    english = app.get("/en/").get_data(as_text=True)
    assert "The city in indicators: Kielce" in english and "down (better)" in english
    assert "Data sets most used by the indicators" in english
    # a private indicator is not shown to anonymous visitors
    with app.flask_app.test_request_context():
        load(owner="um-kielce", codes=["ISO37120:2018:8.2"])
        helpers.call_action("package_patch", id="iso37120-2018-8-2", private=True)
    hidden = app.get("/").get_data(as_text=True)
    assert "Stężenie pyłu PM10" not in hidden and PM10_LINK not in hidden and "Pomiary tajne" not in hidden


@pytest.mark.usefixtures("cities")
def test_the_most_used_data_sets_are_ranked_by_how_many_indicators_use_them_then_by_title(app):
    made = {}
    for n, title in enumerate(("Zbiór dwa", "Ćwiczenia jeden", "Zbiór jeden", "Zbiór usunięty")):
        made[title] = helpers.call_action("package_create", **full_record(
            ENV_ORG, name=f"zbior-uzywany-{n}", title=title, identifier=f"KIELCE-SR-2{n}"))["id"]
    uses = {"ISO37120:2018:8.2": "Zbiór dwa", "ISO37120:2018:8.1": "Zbiór dwa", "ISO37120:2014:8.4": "Ćwiczenia jeden",
            "ISO37120:2014:8.3": "Zbiór jeden"}
    values = [_v("kielce", code, "2024", 10.0 + i, source="city", source_ref=made[title])
              for i, (code, title) in enumerate(uses.items())]
    values += [_v("kielce", code, "2023", 5.0, source="city", source_ref=made["Zbiór usunięty"]) for code in uses]
    _sysadmin_upsert(values)
    helpers.call_action("package_delete", id=made["Zbiór usunięty"])
    page = BeautifulSoup(app.get("/").get_data(as_text=True), "html.parser")
    listed = [(li.a.get_text(strip=True), li.span.get_text(strip=True))
              for li in page.select(".urbanaudit-most-used li")]
    # two indicators before one; equal counts by title as Python orders text ("Z" before "Ć"); a deleted one not at all
    assert listed == [("Zbiór dwa", "wskaźniki: 2"), ("Zbiór jeden", "wskaźniki: 1"),
                      ("Ćwiczenia jeden", "wskaźniki: 1")]


@pytest.mark.usefixtures("cities")
def test_home_page_without_indicator_values_says_so(app):
    page = app.get("/").get_data(as_text=True)
    assert "Brak jeszcze wartości wskaźników dla tego miasta." in page and 'href="/gaps"' in page
    assert "Żaden wskaźnik nie czerpie jeszcze wartości" in page


@pytest.mark.ckan_config("ckanext.urbanaudit.home.cache_seconds", 300)
@pytest.mark.ckan_config("ckanext.urbanaudit.synthetic_banner", True)
@pytest.mark.usefixtures("clean_db", "clean_index")
def test_home_summary_is_cached_until_the_catalogue_changes_and_shows_the_demo_banner(app, catalogue):
    home.clear_cache()
    page = app.get("/").get_data(as_text=True)
    assert "Portal demonstracyjny" in page and "Rejestr drzew na terenach miejskich" in page
    # served from CKAN's Redis, where every web worker (another process) finds it: rebuilding it would search
    assert connect_to_redis().exists(f"{tk.config['ckan.site_id']}:urbanaudit:home:pl")
    with mock.patch.object(home, "build", side_effect=AssertionError("rebuilt although nothing changed")):
        cached = home.summary(None, "pl")
    assert "Rejestr drzew na terenach miejskich" in [d["title"] for d in cached["latest"]]
    helpers.call_action("package_create", {"ignore_auth": True, "user": factories.Sysadmin()["name"]},
                        **full_record(catalogue["org"]["id"], name="nowy-zbior", title="Nowy zbiór w katalogu",
                                      identifier="KIELCE-SR-200"))
    assert "Nowy zbiór w katalogu" in app.get("/").get_data(as_text=True)
    home.clear_cache()


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
