"""Issue 14 item 7: an honest quality-of-life index. The composite is withheld below the coverage minimum
(themes with a score, ISO 37120:2014 core indicators with values) and says what is missing; flagged values count
by the documented rule; values are scaled against every portal city with a value, from a minimum number of
cities; /metodologia states it all in Polish and English with every indicator's polarity.
Real PostgreSQL through the actions and the test app (indicators/qol.py, report.py)."""
from __future__ import annotations

import math
from statistics import fmean

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import helpers

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from tests.indicator_data import _pm10_values, _sysadmin_upsert, _v

PM10 = "ISO37120:2018:8.2"
EXTRA = [("9900001", "miasto-a", "Miasto A"), ("9900002", "miasto-b", "Miasto B"), ("9900003", "miasto-c", "Miasto C")]
# Kielce second of six: v = 10 x (position + 1), so min 10, max 60, Kielce 20
ORDER = ["lublin", "kielce", "bialystok", "miasto-a", "miasto-b", "miasto-c"]


def _extra_cities(n: int = 3) -> None:
    model.Session.add_all([City(teryt=t, slug=s, name=name, peers=[], config={}) for t, s, name in EXTRA[:n]])
    model.Session.commit()


def _core_codes(n: int) -> list[str]:
    """The first n ISO 37120:2014 core indicators that are scored and stored as is (no formula)."""
    core = [i for i in catalogue().indicators if i.standard == "ISO 37120:2014" and i.kind == "core"
            and i.polarity != "neutral" and not i.formula]
    return [i.code for i in core[:n]]


def _six_city_values(codes: list[str], period: str = "2023", **extra) -> list[dict]:
    return [_v(city, code, period, 10.0 * (k + 1), source="city", **extra)
            for code in codes for k, city in enumerate(ORDER)]


def _expected_composite(codes: list[str]) -> float:
    """Kielce's 20 of 10..60: 20 when higher is better, 80 when lower is; per theme, then over the themes."""
    by_theme: dict[str, list[float]] = {}
    for code in codes:
        ind = catalogue().get(code)
        by_theme.setdefault(ind.theme, []).append(20.0 if ind.polarity == "higher" else 80.0)
    return round(fmean(round(fmean(v), 1) for v in by_theme.values()), 1)


def _themes(codes: list[str]) -> set[str]:
    return {catalogue().get(c).theme for c in codes}


def test_composite_is_withheld_one_core_indicator_short_and_says_what_is_missing(app, cities):
    _extra_cities()
    core_total = 46
    required = math.ceil(0.5 * core_total)  # the default share 0.5 of the 46 core indicators of 2014
    codes = _core_codes(required - 1)
    _sysadmin_upsert(_six_city_values(codes))

    result = app.post("/api/3/action/urbanaudit_city_show", json={"id": "kielce"}).json["result"]
    composite = result["composite"]
    assert composite["status"] == "not_enough_data" and composite["value"] is None
    core = composite["coverage"]["core"]
    assert (core["edition"], core["total"], core["with_values"], core["required"]) == (
        "ISO 37120:2014", core_total, required - 1, required)
    missing_core = {m["code"] for m in core["missing"]}
    assert len(missing_core) == core_total - len(codes) and not missing_core & set(codes)
    themes = composite["coverage"]["themes"]
    assert themes["scored"] == len(_themes(codes)) >= 10 and themes["required"] == 10
    assert {t["theme"] for t in themes["missing"]} == set(catalogue().themes) - _themes(codes)

    page = app.get("/city/2661011").get_data(as_text=True)
    box = BeautifulSoup(page, "html.parser").find(id="ua-composite")
    assert box["data-status"] == "not_enough_data"
    assert box.find(id="ua-composite-value").get_text(strip=True) == "Za mało danych"
    missing = box.find(id="ua-missing").get_text(" ", strip=True)
    assert all(code in missing for code in missing_core)
    assert "Obszary bez oceny" in missing and catalogue().themes["13"]["pl"] in missing
    assert f"wskaźniki podstawowe ISO 37120:2014 z wartościami: {required - 1} z {core_total}" in box.get_text()
    assert box.find("a", class_="ua-methodology-link")["href"].endswith("/metodologia")
    english = BeautifulSoup(app.get("/en/city/2661011").get_data(as_text=True), "html.parser")
    assert english.find(id="ua-composite-value").get_text(strip=True) == "Not enough data"


def test_composite_is_shown_at_the_minimum_with_its_method_and_coverage(app, cities):
    _extra_cities()
    codes = _core_codes(23)
    _sysadmin_upsert(_six_city_values(codes))

    composite = helpers.call_action("urbanaudit_city_show", id="kielce")["composite"]
    assert composite["status"] == "ok"
    assert composite["value"] == _expected_composite(codes)
    assert composite["coverage"]["core"]["with_values"] == 23 and composite["coverage"]["core"]["missing"]
    assert composite["themes_scored"] == len(_themes(codes)) and composite["indicators_scored"] == 23
    assert composite["rules"] == {"min_themes": 10, "min_core_share": 0.5, "count_flags": ["estimated", "provisional"],
                                  "excluded_flags": ["partial"], "min_reference_cities": 5}

    box = BeautifulSoup(app.get("/city/2661011").get_data(as_text=True), "html.parser").find(id="ua-composite")
    assert box["data-status"] == "ok"
    assert box.find(id="ua-composite-value").get_text(strip=True) == str(composite["value"])
    assert box.find(id="ua-missing") is None
    assert f"obszary z oceną: {len(_themes(codes))} z 19 (potrzeba co najmniej 10)" in box.get_text()
    assert "średnia z obszarów" in box.get_text()  # the method, in Polish


@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_themes", "19")
def test_composite_minimum_of_themes_is_configurable(cities):
    _extra_cities()
    codes = _core_codes(25)  # more than half of the 46 core indicators
    _sysadmin_upsert(_six_city_values(codes))
    composite = helpers.call_action("urbanaudit_city_show", id="kielce")["composite"]
    assert composite["coverage"]["core"]["with_values"] == 25  # the core share is met, the themes are not
    assert composite["status"] == "not_enough_data" and composite["value"] is None
    assert composite["coverage"]["themes"]["required"] == 19


def test_a_core_indicator_is_covered_by_its_2018_twin(cities):
    _extra_cities()
    twin = catalogue().get("ISO37120:2014:5.1").same_as[0]  # ISO37120:2018:5.1
    _sysadmin_upsert(_six_city_values([twin]))
    core = helpers.call_action("urbanaudit_city_show", id="kielce")["composite"]["coverage"]["core"]
    assert core["with_values"] == 1 and "ISO37120:2014:5.1" not in {m["code"] for m in core["missing"]}


def test_partial_values_are_left_out_and_provisional_ones_count_marked(cities):
    _extra_cities()
    pm10 = _six_city_values([PM10])
    partial = [{**v, "flags": ["partial"]} if v["city"] in ("kielce", "miasto-c") else v for v in pm10]
    _sysadmin_upsert(partial)
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    assert report["latest"]["value"] == 20.0 and report["scaled"] is None
    assert report["scaled_reason"] == "excluded_flags"
    # the other partial value is not part of the reference either: 4 of 6 cities count
    assert report["reference"]["cities"] == 4
    dashboard = helpers.call_action("urbanaudit_city_show", id="kielce")
    assert dashboard["composite"]["excluded_by_flags"] == 1 and dashboard["composite"]["indicators_scored"] == 0

    # Eurostat's "p" (provisional) and a computed value's "input:e" (estimated) count, and are marked
    _sysadmin_upsert([{**v, "flags": ["p"] if v["city"] == "kielce" else ["input:e"]} for v in pm10])
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    assert report["reference"]["cities"] == 6 and report["latest_flag_classes"] == ["provisional"]
    assert report["scaled"] == 80.0  # lower is better: (60 - 20) / (60 - 10) x 100
    composite = helpers.call_action("urbanaudit_city_show", id="kielce")["composite"]
    assert composite["marked"] == {"provisional": 1, "estimated": 0} and composite["excluded_by_flags"] == 0


@pytest.mark.ckan_config("ckanext.urbanaudit.qol.count_flags", "partial provisional estimated")
def test_partial_values_count_when_configured(cities):
    _extra_cities()
    _sysadmin_upsert(_six_city_values([PM10], flags=["partial"]))
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    assert report["scaled"] == 80.0 and report["reference"]["cities"] == 6


def test_reference_is_every_portal_city_from_five_cities(app, cities):
    values = [{**v, "flags": []} for v in _pm10_values()]  # Kielce 25, Lublin 22, Białystok 20 in 2024
    _sysadmin_upsert(values)
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    assert report["scaled"] is None and report["scaled_reason"] == "too_few_cities"
    assert (report["reference"]["cities"], report["reference"]["min_cities"]) == (3, 5)
    page = BeautifulSoup(app.get(f"/indicator/{PM10}?city=kielce").get_data(as_text=True), "html.parser")
    assert "liczba miast portalu z wliczaną wartością w okresie 2024: 3; potrzeba co najmniej 5" in page.find(
        id="ua-scaled").get_text()
    assert page.find(id="ua-scaled").find("a", class_="ua-methodology-link")

    # two more cities (not Kielce's peers) bring the reference to five: min 15, max 30
    _extra_cities(2)
    _sysadmin_upsert([_v("miasto-a", PM10, "2024", 15.0, source="gios"), _v("miasto-b", PM10, "2024", 30.0,
                                                                             source="gios")])
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    ref = report["reference"]
    assert (ref["basis"], ref["period"], ref["cities"], ref["min"], ref["max"]) == (
        "portal_cities", "2024", 5, 15.0, 30.0)
    assert report["scaled"] == round((30 - 25) / (30 - 15) * 100, 1)
    # the ranking ranks every portal city with a value, the city and its peers marked, against the same reference
    ranking = [(r["city"]["slug"], r["scaled"], r["home"], r["peer"]) for r in report["ranking"]]
    assert ranking == [
        ("miasto-a", 100.0, False, False), ("bialystok", round((30 - 20) / 15 * 100, 1), False, True),
        ("lublin", round((30 - 22) / 15 * 100, 1), False, True), ("kielce", report["scaled"], True, False),
        ("miasto-b", 0.0, False, False)]
    rows = BeautifulSoup(app.get(f"/en/indicator/{PM10}?city=kielce").get_data(as_text=True),
                         "html.parser").select("#ua-ranking tbody tr")
    assert [r.find_all("td")[1].get_text(" ", strip=True) for r in rows] == [
        "Miasto A", "Białystok peer city", "Lublin peer city", "Kielce", "Miasto B"]
    assert rows[3].find("strong").get_text() == "Kielce"
    text = BeautifulSoup(app.get(f"/indicator/{PM10}?city=kielce").get_data(as_text=True),
                         "html.parser").find(id="ua-reference").get_text(" ", strip=True)
    assert "liczba miast: 5" in text and "najniższa 15" in text and "najwyższa 30" in text


@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_reference_cities", "3")
def test_minimum_of_reference_cities_is_configurable(cities):
    _sysadmin_upsert([{**v, "flags": []} for v in _pm10_values()])
    report = helpers.call_action("urbanaudit_indicator_show", id=PM10, city="kielce")
    # lower is better: (max - v) / (max - min) x 100 = (25 - 25) / (25 - 20) x 100 = 0 for Kielce
    assert report["scaled"] == 0.0
    assert [(r["city"]["name"], r["scaled"]) for r in report["ranking"]] == [
        ("Białystok", 100.0), ("Lublin", 60.0), ("Kielce", 0.0)]


@pytest.mark.parametrize(("prefix", "labels"), [
    ("", {"higher": "lepiej, gdy wyższa", "lower": "lepiej, gdy niższa", "neutral": "neutralny (bez oceny)"}),
    ("/en", {"higher": "higher is better", "lower": "lower is better", "neutral": "neutral (not scored)"}),
])
def test_methodology_page_lists_every_indicator_with_its_polarity(app, cities, prefix, labels):
    response = app.get(f"{prefix}/metodologia")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = page.select("#ua-method-indicators tbody tr")
    shown = {r["data-code"]: r.find_all("td")[-1].get_text(strip=True) for r in rows}
    assert shown == {i.code: labels[i.polarity] for i in catalogue().indicators}
    # the configured figures, in the page's language
    coverage = page.find(id="ua-method-coverage").get_text()
    reference = page.find(id="ua-method-reference").get_text()
    flags = {r.find("td").get_text(strip=True): r.find_all("td")[2].get_text(strip=True)
             for r in page.select("#ua-method-flag-codes tbody tr")}
    if prefix:
        assert "at least 10 of the 19 themes" in coverage and "23 of the 46 core indicators" in coverage
        assert "at least 5 cities" in reference
        assert flags["partial"] == "no" and flags["p"] == "yes" and flags["bdl:3"] == "no"
    else:
        assert "co najmniej 10 z 19 obszarów" in coverage and "23 z 46 wskaźników podstawowych" in coverage
        assert "co najmniej 5 miast" in reference
        assert flags["partial"] == "nie" and flags["p"] == "tak" and flags["e"] == "tak"


@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_themes", "12")
@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_reference_cities", "7")
def test_methodology_page_shows_the_configured_figures(app, cities):
    page = BeautifulSoup(app.get("/en/metodologia").get_data(as_text=True), "html.parser")
    assert "at least 12 of the 19 themes" in page.find(id="ua-method-coverage").get_text()
    assert "at least 7 cities" in page.find(id="ua-method-reference").get_text()
