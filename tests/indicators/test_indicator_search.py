"""Issue 14 item 11: the indicator catalogue's own search (``urbanaudit_indicator_list`` and the page /indicator):
words over code, Polish and English names and definition; facets theme, edition, availability, source and "has
value" (for a chosen city or any) that combine and count what choosing them gives; paging; hidden indicators
neither listed nor counted. Real PostgreSQL (values, indicator records) through the action and over HTTP."""
from __future__ import annotations

import re
from collections import Counter

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import load
from tests.indicator_data import E, _pm10_values, _sysadmin_upsert, _v


def _list(context=None, **filters):
    return helpers.call_action("urbanaudit_indicator_list", context or {}, **filters)


def _codes(result) -> set[str]:
    return {i["code"] for i in result["results"]}


def _anonymous(**filters):
    return _list({"user": "", "ignore_auth": False}, **filters)


def test_finds_by_polish_name_english_name_code_and_definition(cities):
    # the Polish name's words, in any order and case
    assert _codes(_list(q="pyłu stężenie PM10")) == {"ISO37120:2014:8.2", "ISO37120:2018:8.2"}
    # the English name
    assert _codes(_list(q="nitrogen dioxide")) == {"ISO37120:2014:8.4", "ISO37120:2018:8.5"}
    # the code, whole or in part
    assert _codes(_list(q="ISO37120:2014:10.1")) == {"ISO37120:2014:10.1"}
    # the definition: "powielany" ("reproduced") occurs only in the definitions of the ISO entries
    found = _list(q="powielany")
    assert found["count"] > 0 and all(i["standard"].startswith("ISO") for i in found["results"])
    assert found["count"] == sum("powielany" in i.definition.get("pl", "") for i in catalogue().indicators)
    assert _list(q="xyzzy nothing")["count"] == 0


def test_facets_filter_combine_and_count(cities):
    cat = catalogue().indicators
    everything = _list()
    assert everything["count"] == len(cat)
    assert everything["facets"]["standard"] == dict(Counter(i.standard for i in cat))
    assert everything["facets"]["theme"] == dict(Counter(i.theme for i in cat if i.theme))

    # theme 8 chosen: the edition facet counts the theme's entries per edition, the theme facet stays whole
    theme_8 = _list(theme="8")
    assert theme_8["facets"]["standard"] == dict(Counter(i.standard for i in cat if i.theme == "8"))
    assert theme_8["facets"]["theme"] == everything["facets"]["theme"]
    # both chosen: as many results as the facet promised
    both = _list(theme="8", standard="ISO 37120:2014")
    assert both["count"] == theme_8["facets"]["standard"]["ISO 37120:2014"]
    assert all(i["theme"] == "8" and i["standard"] == "ISO 37120:2014" for i in both["results"])

    # source: the sources named by the entry and by its formula's inputs
    gios = _codes(_list(source="gios", limit=1000))
    assert {"ISO37120:2018:8.2", "GIOS:PM10:monthly", "UA:pm10_annual_mean", "ISO37120:2014:8.2"} <= gios
    firefighters = _list(q="ISO37120:2014:10.1")  # CITY:firefighters / (BDL population, else Eurostat's)
    assert firefighters["facets"]["source"] == {"city": 1, "bdl": 1, "eurostat": 1}
    assert "UA:population_change" in _codes(_list(source="eurostat"))
    assert "UA:population_change" not in _codes(_list(source="gios"))
    # no formula, no source: counted nowhere in the source facet
    assert _list(q="ISO37120:2014:8.3")["facets"]["source"] == {}
    # a query, a facet of another kind and the edition together
    combined = _list(q="PM10", source="gios", standard="ISO 37120:2018")
    assert _codes(combined) == {"ISO37120:2018:8.2"}

    with pytest.raises(tk.ValidationError) as error:
        _list(has_value="maybe")
    assert "has_value" in error.value.error_dict


def test_has_value_for_a_city_or_any_city(cities):
    _sysadmin_upsert([*_pm10_values(),  # ISO37120:2018:8.2 for the three cities
                      _v("lublin", E + "DE1001V", "2023", 339000),
                      # an empty value is no value
                      _v("kielce", E + "DE1002V", "2023", None, flags=["not_available"])])
    anywhere = _list(has_value="yes")
    assert _codes(anywhere) == {"ISO37120:2018:8.2", E + "DE1001V"}
    assert anywhere["facets"]["has_value"] == {"yes": 2, "no": len(catalogue().indicators) - 2}
    kielce = _list(has_value="yes", city="kielce")
    assert _codes(kielce) == {"ISO37120:2018:8.2"}
    assert _list(has_value="yes", city="2661011")["count"] == 1  # the TERYT code works too
    # combined with a facet of another kind: Eurostat entries without a value for Kielce
    eurostat_none = _list(source="eurostat", has_value="no", city="kielce")
    assert E + "DE1001V" in _codes(eurostat_none) and E + "DE1002V" in _codes(eurostat_none)
    assert _list(source="eurostat", city="lublin")["facets"]["has_value"]["yes"] == 1
    with pytest.raises(tk.ValidationError) as error:
        _list(has_value="yes", city="gotham")
    assert "city" in error.value.error_dict


def test_private_indicator_is_neither_listed_nor_counted_for_anonymous(app, cities):
    code = "ISO37120:2014:8.4"
    load(owner="um-kielce", codes=[code])
    helpers.call_action("package_patch", id=catalogue().get(code).slug, private=True)
    _sysadmin_upsert([_v("kielce", code, "2024", 21.0, source="gios")])
    member = factories.User()
    helpers.call_action("organization_member_create", id="um-kielce", username=member["name"], role="member")

    theirs = _list({"user": member["name"], "ignore_auth": False}, theme="8")
    anonymous = _anonymous(theme="8")
    assert code in _codes(theirs) and code not in _codes(anonymous)
    assert anonymous["count"] == theirs["count"] - 1
    assert anonymous["facets"]["theme"]["8"] == theirs["facets"]["theme"]["8"] - 1
    assert anonymous["facets"]["source"]["gios"] == theirs["facets"]["source"]["gios"] - 1
    # its value does not count as "has value" for anonymous callers
    assert _anonymous(has_value="yes")["count"] == 0
    assert _list({"user": member["name"], "ignore_auth": False}, has_value="yes")["count"] == 1
    # the page as anonymous visitors see it
    page = app.get("/en/indicator?q=dioxide").get_data(as_text=True)
    assert code not in page and "ISO37120:2018:8.5" in page
    assert re.search(r'id="ua-indicator-count">(\d+) indicators<', page).group(1) == str(
        _anonymous(q="dioxide")["count"])


def test_catalogue_page_shows_facets_with_counts_pages_and_polish_labels(app, cities):
    _sysadmin_upsert(_pm10_values())
    total = len(catalogue().indicators)
    first = app.get("/indicator").get_data(as_text=True)
    assert f'id="ua-indicator-count">wskaźniki: {total}<' in first
    rows = re.findall(r'<td class="ua-code"><a href="[^"]*">([^<]+)</a>', first)
    assert len(rows) == 50 and rows == [i.code for i in catalogue().indicators[:50]]
    # the pager reaches the next page, which continues the list
    assert 'href="/indicator?page=2"' in first
    second = app.get("/indicator?page=2").get_data(as_text=True)
    assert re.findall(r'<td class="ua-code"><a href="[^"]*">([^<]+)</a>', second) == [
        i.code for i in catalogue().indicators[50:100]]

    # Polish first: facet headings and values in Polish, with counts; a value with its count and its link
    facets = re.search(r'id="ua-indicator-facets">(.*?)<p><strong', first, re.S).group(1)
    city_data = _list(source="city")["count"]
    for text in ("Dostępność", "Źródło", ">z wartością</a> (1)", f">bez wartości</a> ({total - 1})",
                 f">dane własne miasta</a> ({city_data})", "8. Środowisko"):
        assert text in facets, text
    # choosing a facet value and a city: the values facet follows the city, the list the filters
    chosen = app.get("/indicator?theme=8&has_value=yes&city=kielce").get_data(as_text=True)
    assert re.findall(r'<td class="ua-code"><a href="[^"]*">([^<]+)</a>', chosen) == ["ISO37120:2018:8.2"]
    assert "Wartości: Kielce" in chosen
    assert 'class="active">z wartością</a> (1)' in chosen
    # the downloads hold every match, not one page
    assert app.get("/indicator?format=json").json["count"] == total
    assert len(app.get("/indicator?format=json").json["results"]) == total
