"""Issue 14 item 11: data sets and indicators apart in search. With inventory records and indicator records
(type ``indicator``) in the same portal, the data-set pages (/dataset, a department's page, the home page) list
data sets only and count them so, the API's ``package_search`` keeps CKAN's behaviour, and each search points
to the other with the number it would find. Over HTTP through the test app, real PostgreSQL and Solr."""
from __future__ import annotations

import re

from ckan.tests import helpers

from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import load
from tests.inventory_records import full_record

# environment indicators, all matching "PM10" or "pyłu": the indicator records created beside the data sets
INDICATORS = ["ISO37120:2014:8.2", "ISO37120:2018:8.2", "ISO37120:2018:8.1", "GIOS:PM10:monthly",
              "UA:pm10_annual_mean"]


def _portal(cities) -> dict:
    """Three inventory records (two of the city's organization, one of the environment department) and five
    indicator records owned by the city's organization."""
    city, env = cities["city"]["id"], cities["env"]["id"]
    records = [
        helpers.call_action("package_create", **full_record(city, name="rejestr-drzew", identifier="KIELCE-1")),
        helpers.call_action("package_create", **full_record(
            city, name="pomiary-pylu", identifier="KIELCE-2", title="Pomiary pyłu PM10 w Kielcach",
            notes="Wyniki pomiarów pyłu PM10 z czujników miejskich.", tag_string="powietrze")),
        helpers.call_action("package_create", **full_record(
            env, name="halas", identifier="KIELCE-3", title="Mapa akustyczna miasta",
            notes="Poziomy hałasu drogowego.", tag_string="hałas")),
    ]
    load(owner="um-kielce", codes=INDICATORS)
    return {"records": records, "indicators": [catalogue().get(c) for c in INDICATORS]}


def _found(body: str) -> int:
    match = re.search(r"(\d+) datasets? found", body)
    assert match, body[:3000]
    return int(match.group(1))


def _facet_count(body: str, param: str, value: str) -> int:
    """The count the facet list shows beside ``param=value`` (CKAN's facet_list snippet)."""
    match = re.search(rf'href="[^"]*[?&]{param}={re.escape(value)}"[^>]*>.*?item-count[^>]*>\s*(\d+)\s*<', body,
                      re.S)
    assert match, f"no facet {param}={value}"
    return int(match.group(1))


def test_dataset_search_lists_data_sets_only_and_counts_them(app, cities):
    portal = _portal(cities)
    # both kinds are in the index
    everything = helpers.call_action("package_search", q="*:*", rows=100)
    assert {p["type"] for p in everything["results"]} == {"dataset", "indicator"}

    body = app.get("/en/dataset").get_data(as_text=True)
    assert _found(body) == len(portal["records"])
    for record in portal["records"]:
        assert f'href="/en/dataset/{record["name"]}"' in body
    for ind in portal["indicators"]:
        assert ind.slug not in body
    # the department facet counts the city organization's two data sets, not its five indicator records
    assert _facet_count(body, "organization", "um-kielce") == 2
    assert _facet_count(body, "organization", "kielce-wydzial-srodowiska") == 1
    # ISO 37120 theme 8 (environment): every record carries it, so does every indicator loaded
    assert _facet_count(body, "vocab_iso37120_theme", "8") == 3

    # the same with a query: the indicators matching it stay out of the list
    found = app.get("/en/dataset?q=PM10").get_data(as_text=True)
    assert _found(found) == 1 and 'href="/en/dataset/pomiary-pylu"' in found

    # a department's page lists its data sets only
    org = app.get("/en/organization/um-kielce").get_data(as_text=True)
    assert _found(org) == 2
    assert all(ind.slug not in org for ind in portal["indicators"])


def test_explicit_type_filters_and_the_api_keep_ckans_behaviour(app, cities):
    portal = _portal(cities)
    n_records, n_indicators = len(portal["records"]), len(portal["indicators"])
    # the API with no filter: every public dataset type (harvest sources aside), as stock CKAN
    api = app.get("/api/3/action/package_search?rows=0").json["result"]
    assert api["count"] == n_records + n_indicators
    asked = app.get("/api/3/action/package_search", query_string={"fq": "dataset_type:indicator", "rows": 100})
    assert {p["name"] for p in asked.json["result"]["results"]} == {i.slug for i in portal["indicators"]}
    # a visitor who asks for the type explicitly on the page gets it
    body = app.get("/en/dataset?dataset_type=indicator").get_data(as_text=True)
    assert _found(body) == n_indicators


def test_home_page_counts_data_sets_only(app, cities):
    portal = _portal(cities)
    body = app.get("/en/").get_data(as_text=True)
    assert f"{len(portal['records'])} data sets of the city inventory" in body


def test_each_search_points_to_the_other_with_its_count(app, cities):
    _portal(cities)
    # /dataset?q=PM10: one data set listed, the indicators matching PM10 counted and linked
    listed = helpers.call_action("urbanaudit_indicator_list", q="PM10")
    indicators = listed["count"]
    assert {i["code"] for i in listed["results"]} >= {c for c in INDICATORS if c != "ISO37120:2018:8.1"}
    body = app.get("/en/dataset?q=PM10").get_data(as_text=True)
    note = re.search(r'id="ua-indicators-also-match">(.*?)</p>', body, re.S).group(1)
    assert f"Indicators matching this query too: {indicators}." in note
    assert 'href="/en/indicator?q=PM10"' in note
    # the link leads to a page that shows that many indicators
    target = app.get("/en/indicator?q=PM10").get_data(as_text=True)
    assert re.search(r'id="ua-indicator-count">(\d+) indicators<', target).group(1) == str(indicators)

    # /indicator?q=PM10: the data sets matching PM10 counted and linked, and the link finds them
    note = re.search(r'id="ua-datasets-also-match">(.*?)</p>', target, re.S).group(1)
    assert "Data sets matching this query too: 1." in note and 'href="/en/dataset/?q=PM10"' in note
    assert _found(app.get("/en/dataset/?q=PM10").get_data(as_text=True)) == 1

    # no match on the other side: no pointer
    none = app.get("/en/dataset?q=akustyczna").get_data(as_text=True)
    assert _found(none) == 1 and "ua-indicators-also-match" not in none
    assert "ua-datasets-also-match" not in app.get("/en/indicator?q=dependency").get_data(as_text=True)
