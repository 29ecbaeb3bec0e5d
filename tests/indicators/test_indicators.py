"""Indicators: the catalogue and its loading, the computation of derived indicators (checked against values
computed by hand), provenance, missing inputs, auth on writes, and the pages (catalogue, indicator, city
dashboard, gaps) with their downloads — never showing a private data set."""
from __future__ import annotations

import csv
import io
import json

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.cli.cli import ckan as ckan_command
from ckan.lib import jobs
from ckan.tests import factories, helpers
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS

from ckanext.urbanaudit.indicators import compute as indicator_compute
from ckanext.urbanaudit.indicators.catalogue import CatalogueError, catalogue, parse
from ckanext.urbanaudit.indicators.load import load
from ckanext.urbanaudit.indicators.store import IndicatorValue
from tests.indicator_data import E, _pm10_values, _sysadmin_upsert, _v, kielce_population
from tests.inventory_records import full_record


def _computed(code, city="2661011"):
    rows = helpers.call_action("urbanaudit_indicator_values", indicator_code=code, city=city, source="computed")
    return {r["period"]: r for r in rows}


# ------------------------------------------------------------------ catalogue

def test_catalogue_covers_every_theme_and_enough_computable_indicators():
    cat = catalogue()
    assert sorted(cat.themes, key=int) == [str(n) for n in range(5, 24)]
    iso2014 = [i for i in cat.indicators if i.standard == "ISO 37120:2014"]
    assert len(iso2014) == 100 and sum(i.kind == "core" for i in iso2014) == 46
    assert all(i.code.startswith(("ISO37120:2014:", "ISO37120:2018:", "ISO37122:2019:", "ISO37123:2019:",
                                  "EUROSTAT:", "BDL:", "GIOS:", "CITY:", "UA:")) for i in cat.indicators)
    computable = [i for i in cat.indicators if i.availability == "source"]
    assert len(computable) >= 40
    # every other indicator is listed with no source (or as needing the city's own data)
    assert {i.availability for i in cat.indicators} == {"source", "city", "none"}
    pm10 = cat.get("ISO37120:2018:8.2")
    assert pm10.same_as == ["ISO37120:2014:8.2"] and cat.get("ISO37120:2014:8.2").same_as == ["ISO37120:2018:8.2"]
    for ind in cat.indicators:
        assert ind.name.get("pl") and ind.polarity in {"higher", "lower", "neutral"} and ind.method.get("en")


def test_a_broken_catalogue_is_refused_with_every_problem():
    text = """
themes: [{clause: '8', name: {pl: Środowisko, en: Environment}}]
indicators:
- {code: 'X:1', standard: s, kind: core, name: {pl: a}, polarity: up, formula: {op: ratio, numerator: ['X:9']}}
- {code: 'X:1', standard: s, kind: core, name: {pl: b}, polarity: higher, theme: '99'}
"""
    with pytest.raises(CatalogueError) as error:
        parse(text)
    message = str(error.value)
    for part in ("duplicate code", "polarity must be", "reads 'X:9'", "needs a numerator and a denominator",
                 "theme '99'"):
        assert part in message


@pytest.mark.usefixtures("with_request_context")
def test_catalogue_loads_idempotently_as_indicator_datasets(cities):
    first = load(owner="um-kielce", theme_owners={"8": "kielce-wydzial-srodowiska"})
    total = len(catalogue().indicators)
    assert first["created"] == total and first["updated"] == 0
    second = load(owner="um-kielce", theme_owners={"8": "kielce-wydzial-srodowiska"})
    assert second == {"created": 0, "updated": 0, "unchanged": total, "not_in_catalogue": 0}
    found = helpers.call_action("package_search", fq="+dataset_type:indicator", rows=0)
    assert found["count"] == total
    pm10 = helpers.call_action("package_show", id="iso37120-2018-8-2")
    assert pm10["type"] == "indicator" and pm10["indicator_code"] == "ISO37120:2018:8.2"
    assert pm10["owner_org"] == cities["env"]["id"] and pm10["polarity"] == "lower"
    # searchable by words of its name
    hits = helpers.call_action("package_search", q="PM10", fq="+dataset_type:indicator")
    assert "iso37120-2018-8-2" in {p["name"] for p in hits["results"]}
    # a changed dataset is put back to the catalogue's content
    helpers.call_action("package_patch", id="iso37120-2018-8-2", unit="kg")
    third = load(owner="um-kielce", theme_owners={"8": "kielce-wydzial-srodowiska"})
    assert third["updated"] == 1 and helpers.call_action("package_show", id="iso37120-2018-8-2")["unit"] == "µg/m3"


# ------------------------------------------------------------------ computation

@pytest.fixture
def base_values(cities):
    """Kielce's real population (Eurostat fixture) and synthetic age groups, firefighters and PM10 months."""
    pop = kielce_population()
    values = [_v("kielce", E + "DE1001V", year, n) for year, n in pop.items()]
    values += [
        _v("kielce", E + "DE1002V", "2020", 90000), _v("kielce", E + "DE1003V", "2020", 100000),
        _v("kielce", E + "DE1003V", "2021", 99000),  # 2021 males missing: the sex ratio cannot be computed
        _v("kielce", E + "DE1028V", "2020", 20000), _v("kielce", E + "DE1055V", "2020", 18000),
        _v("kielce", E + "DE1046V", "2020", 8000), _v("kielce", E + "DE1049V", "2020", 9000),
        _v("kielce", E + "DE1058V", "2020", 25000), _v("kielce", E + "DE1061V", "2020", 26000),
        _v("kielce", E + "DE1064V", "2020", 24000), _v("kielce", E + "DE1025V", "2020", 28000, flags=["p"]),
        _v("kielce", "CITY:firefighters", "2020", 250, source="city"),
        _v("kielce", "BDL:72305", "2020", 187000, source="bdl"),
    ]
    values += [_v("kielce", "GIOS:PM10:monthly", f"2020-{m:02d}", 20 + m, source="gios") for m in range(1, 13)]
    values += [_v("kielce", "GIOS:PM10:monthly", f"2021-{m:02d}", 30, source="gios") for m in range(1, 6)]
    _sysadmin_upsert(values)
    return pop


def test_derived_indicators_match_hand_computed_values(base_values):
    pop = base_values
    counts = indicator_compute.compute()
    assert counts["created"] > 0
    # women share: 100000 / population(2020) x 100
    assert _computed("UA:female_share")["2020"]["value"] == pytest.approx(100000 / pop["2020"] * 100, abs=1e-4)
    # sex ratio: 100000 / 90000 x 100 = 111.1111
    assert _computed("UA:sex_ratio")["2020"]["value"] == pytest.approx(111.111111, abs=1e-4)
    # seniors: (20000 + 18000) / population(2020) x 100
    assert _computed("UA:share_65_plus")["2020"]["value"] == pytest.approx(38000 / pop["2020"] * 100, abs=1e-4)
    # old-age dependency: 38000 / (8000 + 9000 + 25000 + 26000 + 24000 + 28000) x 100 = 31.6667
    assert _computed("UA:old_age_dependency")["2020"]["value"] == pytest.approx(31.666667, abs=1e-4)
    # annual population change from the real Eurostat figures
    change = _computed("UA:population_change")
    assert change["2020"]["value"] == pytest.approx((pop["2020"] / pop["2019"] - 1) * 100, abs=1e-4)
    assert change["2021"]["value"] == pytest.approx((pop["2021"] / pop["2020"] - 1) * 100, abs=1e-4)
    assert "2019" not in change  # no previous year: no row, nothing invented
    # firefighters per 100 000: 250 / 187000 (BDL, the first choice) x 100 000 = 133.6898
    assert _computed("ISO37120:2014:10.1")["2020"]["value"] == pytest.approx(133.689840, abs=1e-4)
    # annual mean of 12 monthly values 21..32 = 26.5
    assert _computed("UA:pm10_annual_mean")["2020"]["value"] == pytest.approx(26.5)


def test_computed_values_carry_provenance_to_every_input(base_values):
    indicator_compute.compute()
    stored = {(r["indicator_code"], r["period"]): r for code in (E + "DE1028V", E + "DE1055V", E + "DE1001V")
              for r in helpers.call_action("urbanaudit_indicator_values", indicator_code=code)}
    row = _computed("UA:share_65_plus")["2020"]
    inputs = {(i["indicator_code"], i["period"]): i for i in row["inputs"]}
    assert set(inputs) == {(E + "DE1028V", "2020"), (E + "DE1055V", "2020"), (E + "DE1001V", "2020")}
    for key, used in inputs.items():
        assert used["value"] == stored[key]["value"] and used["source"] == "eurostat" and used["id"]
    # an input's flag travels on (DE1025V is provisional)
    assert "input:p" in _computed("UA:old_age_dependency")["2020"]["flags"]
    assert row["method"].startswith("(EUROSTAT:urb_cpop1:DE1028V + EUROSTAT:urb_cpop1:DE1055V)")


def test_missing_inputs_are_flagged_never_invented(base_values):
    indicator_compute.compute()
    ratio = _computed("UA:sex_ratio")["2021"]
    assert ratio["value"] is None and "missing_input" in ratio["flags"]
    assert "EUROSTAT:urb_cpop1:DE1002V" in ratio["method"]
    mean = _computed("UA:pm10_annual_mean")["2021"]
    assert mean["value"] is None and "incomplete" in mean["flags"] and "Only 5" in mean["method"]
    # no PM10 at all for Lublin: no row
    assert _computed("UA:pm10_annual_mean", city="0663011") == {}
    # the input arrives: recomputing fills the value; the input removed again: the value goes
    _sysadmin_upsert([_v("kielce", E + "DE1002V", "2021", 90000)])
    indicator_compute.compute(["2661011"])
    assert _computed("UA:sex_ratio")["2021"]["value"] == pytest.approx(110.0)
    model.Session.execute(sa_delete_value(E + "DE1002V", "2021"))
    model.Session.commit()
    counts = indicator_compute.compute(["2661011"])
    assert counts["updated"] >= 1 and _computed("UA:sex_ratio")["2021"]["value"] is None


def sa_delete_value(code, period):
    table = IndicatorValue.__table__
    return table.delete().where(table.c.indicator_code == code, table.c.period == period)


def test_recomputation_is_idempotent_and_runs_from_the_cli(base_values, cli, ckan_config):
    first = indicator_compute.compute()
    result = cli.invoke(ckan_command, ["urbanaudit", "indicators", "compute"])
    assert result.exit_code == 0, result.output
    assert f"0 created, 0 updated, {first['values']} unchanged, 0 deleted" in result.output


def test_changed_base_values_enqueue_a_recomputation(base_values):
    queue = jobs.get_queue()
    queue.empty()
    _sysadmin_upsert([_v("kielce", E + "DE1003V", "2020", 100500)])
    enqueued = [j for j in queue.jobs if j.func_name == "ckanext.urbanaudit.indicators.compute.compute_job"]
    assert len(enqueued) == 1 and list(enqueued[0].args) == [["2661011"]]
    # the worker runs it: the derived value follows the new input
    # (the queue's own connection: RQ keeps its connection per thread, and the first queue of the session may
    # have been made in a browser test's server thread)
    jobs.Worker([jobs.DEFAULT_QUEUE_NAME], connection=queue.connection).work(burst=True)
    assert _computed("UA:sex_ratio")["2020"]["value"] == pytest.approx(100500 / 90000 * 100, abs=1e-4)


# ------------------------------------------------------------------ auth

@pytest.mark.usefixtures("with_request_context")
def test_only_editors_of_the_owning_department_store_values(cities):
    load(owner="um-kielce", theme_owners={"8": "kielce-wydzial-srodowiska"},
         codes=["ISO37120:2018:8.2", "ISO37120:2014:10.1"])
    editor = factories.User()
    member = factories.User()
    stranger = factories.User()
    helpers.call_action("member_create", id=cities["env"]["id"], object=editor["name"], object_type="user",
                        capacity="editor")
    helpers.call_action("member_create", id=cities["env"]["id"], object=member["name"], object_type="user",
                        capacity="member")
    helpers.call_action("member_create", id=cities["other"]["id"], object=stranger["name"], object_type="user",
                        capacity="editor")
    # a department's own figure (source "city") goes through the yearly audit, never straight in
    with pytest.raises(tk.NotAuthorized, match="urbanaudit_value_submit"):
        helpers.call_action("urbanaudit_indicator_value_upsert", {"user": editor["name"], "ignore_auth": False},
                            values=[_v("kielce", "ISO37120:2018:8.2", "2024", 31.2, source="city")])
    # a measured series the department loads itself (here: its own station network) is stored as it is
    pm10 = [_v("kielce", "ISO37120:2018:8.2", "2024", 31.2, source="gios")]
    for user in ("", member["name"], stranger["name"]):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("urbanaudit_indicator_value_upsert", {"user": user, "ignore_auth": False},
                                values=pm10)
    # the department's editor may store PM10, not the firefighters of the city organization's indicator
    assert helpers.call_action("urbanaudit_indicator_value_upsert", {"user": editor["name"], "ignore_auth": False},
                               values=pm10)["created"] == 1
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("urbanaudit_indicator_value_upsert", {"user": editor["name"], "ignore_auth": False},
                            values=[_v("kielce", "ISO37120:2014:10.1", "2024", 1, source="bdl")])
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("urbanaudit_indicator_compute", {"user": editor["name"], "ignore_auth": False})


def test_bad_values_get_clear_errors_and_change_nothing(cities):
    with pytest.raises(tk.ValidationError) as error:
        _sysadmin_upsert([_v("kielce", "UA:x", "2020", 1, inputs="not a list")])
    assert "Inputs must be a list" in str(error.value.error_dict)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("urbanaudit_indicator_list", availability="maybe")
    assert "availability" in error.value.error_dict
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("urbanaudit_indicator_show", id="ISO99999:1.1", city="kielce")
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code="UA:x") == []


# ------------------------------------------------------------------ actions and pages

def test_indicator_list_filters_and_counts(cities):
    result = helpers.call_action("urbanaudit_indicator_list", standard="ISO 37120:2014", theme="8")
    assert result["count"] == 8 and {i["code"] for i in result["results"]} >= {"ISO37120:2014:8.2"}
    assert result["facets"]["availability"]["source"] == 4  # PM2.5, PM10, NO2 from GIOŚ; noise from Eurostat
    found = helpers.call_action("urbanaudit_indicator_list", q="dependency")
    assert {i["code"] for i in found["results"]} == {"UA:old_age_dependency", "UA:young_age_dependency",
                                                     "UA:total_dependency"}


def test_indicator_show_ranks_the_peers_and_scales_only_counted_values(cities):
    # GIOŚ's means are flagged partial: ranked with the peers, never scaled (qol.py's flag rule; the scaling
    # against all portal cities is tested in test_qol_index.py)
    _sysadmin_upsert(_pm10_values())
    report = helpers.call_action("urbanaudit_indicator_show", id="iso37120-2018-8-2", city="kielce")
    assert report["latest"]["value"] == 25.0 and report["latest"]["period"] == "2024"
    assert report["scaled"] is None and report["scaled_reason"] == "excluded_flags"
    assert report["latest_flag_classes"] == ["partial"] and report["reference"]["cities"] == 0
    assert [(r["city"]["name"], r["value"], r["scaled"]) for r in report["ranking"]] == [
        ("Białystok", 20.0, None), ("Lublin", 22.0, None), ("Kielce", 25.0, None)]
    assert report["trend"]["direction"] == "down" and report["trend"]["good"] is True


def test_pages_render_with_downloads_and_api_call(app, cities):
    _sysadmin_upsert(_pm10_values())
    page = app.get("/indicator/ISO37120:2018:8.2?city=kielce")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for text in ("Stężenie pyłu PM10", "ua-trend-chart", "ua-ranking", "Białystok",
                 "/api/3/action/urbanaudit_indicator_show?id=ISO37120:2018:8.2", "format=csv", "partial"):
        assert text in body
    rows = list(csv.reader(io.StringIO(app.get("/indicator/iso37120-2018-8-2?city=kielce&format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["indicator_code", "city_teryt", "city", "period", "value"] and len(rows) == 7
    data = json.loads(app.get("/indicator/iso37120-2018-8-2?city=kielce&format=json").get_data(as_text=True))
    assert data == helpers.call_action("urbanaudit_indicator_show", id="iso37120-2018-8-2", city="kielce")
    catalogue_page = app.get("/indicator?theme=8&availability=source").get_data(as_text=True)
    assert "ISO37120:2018:8.2" in catalogue_page and "ISO37120:2014:8.3" not in catalogue_page
    # CKAN takes the language from the URL prefix (not Accept-Language): the indicator's name is in English there
    english = app.get("/en/indicator/iso37120-2018-8-2")
    assert english.status_code == 200
    english_body = english.get_data(as_text=True)
    assert '<html lang="en"' in english_body
    assert "<h1>Particulate matter (PM10) concentration</h1>" in english_body
    assert "<h1>Stężenie pyłu PM10</h1>" not in english_body  # (the Polish name stays only as a lang="pl" lead)
    city = app.get("/city/2661011").get_data(as_text=True)
    assert "ua-composite" in city and "ISO37120:2018:8.2" in city
    gaps = app.get("/gaps").get_data(as_text=True)
    assert "ISO37120:2014:8.3" in gaps
    gaps_csv = list(csv.DictReader(io.StringIO(app.get("/gaps?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {"ISO37120:2014:8.3": "no_source"}.items() <= {g["code"]: g["gap"] for g in gaps_csv}.items()
    assert app.get("/indicator/NOPE:1").status_code == 404


def test_city_dashboard_composite_is_documented_and_covered(cities):
    _sysadmin_upsert(_pm10_values())
    dashboard = helpers.call_action("urbanaudit_city_show", id="kielce")
    env = next(t for t in dashboard["themes"] if t["theme"] == "8")
    pm10 = next(e for e in env["indicators"] if e["indicator"]["code"] == "ISO37120:2018:8.2")
    assert pm10["trend"]["direction"] == "down" and pm10["trend"]["good"] is True
    # one partial value: nothing scored, the composite withheld with its coverage and method
    composite = dashboard["composite"]
    assert composite["value"] is None and composite["status"] == "not_enough_data"
    assert composite["themes_scored"] == 0 and composite["indicators_scored"] == 0
    assert composite["indicators_with_values"] == 1 and composite["excluded_by_flags"] == 1
    assert "theme" in composite["method"]["en"]


@pytest.mark.usefixtures("with_request_context")
def test_private_data_sets_never_appear_on_indicator_or_gap_pages(app, cities):
    public = helpers.call_action("package_create", **full_record(
        cities["env"]["id"], name="pomiary-pm10", title="Pomiary PM10 jawne", identifier="KIELCE-SR-101",
        iso37120_theme=["8"]))
    secret = helpers.call_action("package_create", **full_record(
        cities["env"]["id"], name="pomiary-tajne", title="Pomiary tajne wewnętrzne", identifier="KIELCE-SR-102",
        iso37120_theme=["8"], private=True))
    values = _pm10_values()
    values[1]["source_ref"] = public["id"]
    values[0]["source_ref"] = secret["id"]
    _sysadmin_upsert(values)
    sysadmin = factories.Sysadmin()
    for headers in ({}, {"Authorization": factories.APIToken(user=sysadmin["name"])["token"]}):
        page = app.get("/indicator/iso37120-2018-8-2?city=kielce", headers=headers).get_data(as_text=True)
        assert "Pomiary PM10 jawne" in page and "Pomiary tajne" not in page
        gaps = app.get("/gaps", headers=headers).get_data(as_text=True)
        assert "Pomiary PM10 jawne" in gaps and "Pomiary tajne" not in gaps
    for action, data in (("urbanaudit_indicator_show", {"id": "iso37120-2018-8-2", "city": "kielce"}),
                         ("urbanaudit_gaps", {})):
        assert "Pomiary tajne" not in json.dumps(helpers.call_action(action, **data), ensure_ascii=False)
    # a private indicator is hidden from those outside its department
    load(owner="um-kielce", codes=["ISO37120:2014:8.3"])
    helpers.call_action("package_patch", id="iso37120-2014-8-3", private=True)
    assert app.get("/indicator/iso37120-2014-8-3").status_code == 404
    assert "ISO37120:2014:8.3" not in app.get("/gaps").get_data(as_text=True)


@pytest.mark.usefixtures("with_request_context")
def test_indicator_datasets_are_in_the_dcat_catalogue(app, cities):
    load(owner="um-kielce", codes=["ISO37120:2018:8.2", "UA:old_age_dependency"])
    response = app.get("/catalog.ttl")
    assert response.status_code == 200

    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    datasets = graph.subjects(predicate=None, object=DCAT.Dataset)
    titles = {str(t) for d in datasets for t in graph.objects(d, DCTERMS.title)}
    assert "ISO37120:2018:8.2 — Stężenie pyłu PM10" in titles
    assert any(t.startswith("UA:old_age_dependency") for t in titles)
