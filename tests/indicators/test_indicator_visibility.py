"""Hardening (issue 13) of what the indicator actions and pages show: a private indicator is invisible outside
its department everywhere (values API, dashboard scores, inputs of derived values), the source data sets listed
beside an indicator are found as an anonymous visitor would whatever ``source_ref`` holds, and ckanext-harvest's
``harvest_jobs_run`` refuses an anonymous caller with 403. Over HTTP through the test app, real PostgreSQL/Solr."""
from __future__ import annotations

import csv
import io
import json

import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.indicators import compute as indicator_compute
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import load
from ckanext.urbanaudit.inventory import helpers as inventory_helpers
from tests.indicator_data import E, _pm10_values, _sysadmin_upsert, _v
from tests.inventory_records import full_record

FIREFIGHTERS = "CITY:firefighters"  # an input of ISO37120:2014:10.1 (firefighters per 100 000 inhabitants)
DERIVED = "ISO37120:2014:10.1"
SECRET = 4321.987  # Kielce's firefighters: private to the city's organization


def _api(app, action, data, token=None):
    return app.post(f"/api/3/action/{action}", json=data,
                    headers={"Authorization": token} if token else {})


def _member_token(org_name: str) -> str:
    user = factories.User()
    helpers.call_action("organization_member_create", id=org_name, username=user["name"], role="member")
    return factories.APIToken(user=user["name"])["token"]


def _private_indicator(code: str) -> None:
    load(owner="um-kielce", codes=[code])
    helpers.call_action("package_patch", id=catalogue().get(code).slug, private=True)


def test_item_3_private_indicator_values_and_derived_inputs_never_reach_anonymous_callers(app, cities):
    registry = helpers.call_action("package_create", **full_record(
        cities["city"]["id"], name="rejestr-strazakow", title="Rejestr strażaków jawny", identifier="KIELCE-PSP-1",
        iso37120_theme=["15"]))
    _private_indicator(FIREFIGHTERS)
    _sysadmin_upsert([_v("kielce", E + "DE1001V", "2023", 200000),
                      _v("kielce", FIREFIGHTERS, "2023", SECRET, source="city", source_ref=registry["id"])])
    indicator_compute.compute()
    member = _member_token("um-kielce")
    secret = str(SECRET)

    # the private indicator's own values: not found for anonymous callers, as its page; the member reads them
    assert _api(app, "urbanaudit_indicator_values", {"indicator_code": FIREFIGHTERS}).status_code == 404
    assert app.get("/indicator/city-firefighters").status_code == 404
    mine = _api(app, "urbanaudit_indicator_values", {"indicator_code": FIREFIGHTERS}, member)
    assert mine.status_code == 200 and mine.json["result"][0]["value"] == SECRET

    # the derived indicator stays public, its private input is blanked and says so
    values = _api(app, "urbanaudit_indicator_values", {"indicator_code": DERIVED, "city": "kielce"})
    assert values.status_code == 200
    derived = values.json["result"][0]
    assert derived["value"] == pytest.approx(SECRET / 200000 * 100000)
    hidden = next(i for i in derived["inputs"] if i["indicator_code"] == FIREFIGHTERS)
    assert hidden["hidden"] is True and hidden["value"] is None and hidden["source_ref"] is None
    population = next(i for i in derived["inputs"] if i["indicator_code"] == E + "DE1001V")
    assert population["value"] == 200000 and "hidden" not in population
    shown = _api(app, "urbanaudit_indicator_show", {"id": DERIVED, "city": "kielce"})
    downloads = {fmt: app.get(f"/indicator/{DERIVED}?city=kielce&format={fmt}").get_data(as_text=True)
                 for fmt in ("csv", "json")}
    page = app.get(f"/indicator/{DERIVED}?city=kielce").get_data(as_text=True)
    for text in (values.get_data(as_text=True), shown.get_data(as_text=True), *downloads.values()):
        assert secret not in text and registry["id"] not in text
    # the source data set of the hidden input is not listed beside the derived indicator either
    assert "Rejestr strażaków jawny" not in page and "4 322" not in page
    assert shown.json["result"]["source_datasets"] == []
    rows = list(csv.DictReader(io.StringIO(downloads["csv"].lstrip("\ufeff"))))
    assert any(json.loads(r["inputs"])[0].get("hidden") for r in rows if r["city_teryt"] == "2661011")

    # the department's member sees the input's value and source everywhere
    headers = {"Authorization": member}
    member_csv = app.get(f"/indicator/{DERIVED}?city=kielce&format=csv", headers=headers).get_data(as_text=True)
    member_json = app.get(f"/indicator/{DERIVED}?city=kielce&format=json", headers=headers).get_data(as_text=True)
    member_page = app.get(f"/indicator/{DERIVED}?city=kielce", headers=headers).get_data(as_text=True)
    assert secret in member_csv and secret in member_json and registry["id"] in member_json
    assert "Rejestr strażaków jawny" in member_page and "4 322" in member_page


# three cities are enough for this test's reference, one theme and no core share for its composite
@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_reference_cities", "3")
@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_themes", "1")
@pytest.mark.ckan_config("ckanext.urbanaudit.qol.min_core_share", "0")
def test_item_3_city_dashboard_scores_leave_out_private_indicators(app, cities):
    # PM10 (public): Kielce is the worst of three (scaled 0); ISO 37120:2014 8.4 (private, lower is better):
    # Kielce is the best (scaled 100). The PM10 values lose GIOŚ's "partial" flag, which would keep them out.
    _private_indicator("ISO37120:2014:8.4")
    _sysadmin_upsert([{**v, "flags": []} for v in _pm10_values()]
                     + [_v(city, "ISO37120:2014:8.4", "2024", x, source="city")
                        for city, x in (("kielce", 10.0), ("lublin", 20.0), ("bialystok", 30.0))])
    member = _member_token("um-kielce")

    anonymous = _api(app, "urbanaudit_city_show", {"id": "kielce"}).json["result"]
    theirs = _api(app, "urbanaudit_city_show", {"id": "kielce"}, member).json["result"]

    def theme_8(dashboard):
        return next(t for t in dashboard["themes"] if t["theme"] == "8")

    assert theirs["composite"]["value"] == 50.0 and theme_8(theirs)["score"] == 50.0
    assert theirs["composite"]["indicators_scored"] == 2
    assert anonymous["composite"]["value"] == 0.0 and theme_8(anonymous)["score"] == 0.0
    assert anonymous["composite"]["indicators_scored"] == 1 and theme_8(anonymous)["count"] == 1
    assert "ISO37120:2014:8.4" not in json.dumps(anonymous)
    # the dashboard's page and download come from the same action
    page_json = json.loads(app.get("/city/2661011?format=json").get_data(as_text=True))
    assert page_json["composite"]["value"] == 0.0


def test_the_hidden_codes_read_from_private_indicators_alone_are_those_of_the_full_visibility(app, cities):
    _private_indicator("ISO37120:2014:8.4")
    load(owner="um-kielce", codes=["ISO37120:2014:8.3"])                   # a public one beside it
    member = factories.User()
    helpers.call_action("organization_member_create", id="um-kielce", username=member["name"], role="member")
    outsider = factories.User()
    for user, expected in (("", {"ISO37120:2014:8.4"}), (outsider["name"], {"ISO37120:2014:8.4"}),
                           (member["name"], set()), (factories.Sysadmin()["name"], set())):
        assert visibility.hidden({"user": user}) == visibility.for_context({"user": user}).hidden == expected
        # asked about some codes only (the search page's count): which of those are hidden, looked up alone
        assert visibility.hidden({"user": user}, among=["ISO37120:2014:8.4", "ISO37120:2014:8.3"]) == expected
        assert visibility.hidden({"user": user}, among=["ISO37120:2014:8.3"]) == set()
    # the search page's count of matching indicators (a visitor's) leaves the private one out as the list does
    with app.flask_app.test_request_context():
        for q in ("8.4", "ISO37120:2014:8", "powietrza"):
            listed = helpers.call_action("urbanaudit_indicator_list", {"user": ""}, q=q)["count"]
            assert inventory_helpers.urbanaudit_indicators_matching(q) == listed
        mine = helpers.call_action("urbanaudit_indicator_list", {"user": member["name"]}, q="8.4")
        assert "ISO37120:2014:8.4" in json.dumps(mine)                    # there to be left out


def test_the_private_indicators_are_found_through_the_index_of_private_data_sets(app, cities):
    _private_indicator("ISO37120:2014:8.4")
    statement = visibility.private_indicator_query().statement.compile(
        dialect=model.Session.bind.dialect, compile_kwargs={"literal_binds": True})
    with model.Session.begin_nested():
        model.Session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a small test table: ask for the index
        plan = "\n".join(r[0] for r in model.Session.execute(sa.text(f"EXPLAIN {statement}")))
    assert "urbanaudit_package_private_type" in plan, plan
    assert [r.name for r in visibility.private_indicator_query()] == [catalogue().get("ISO37120:2014:8.4").slug]


def test_item_3_harvest_jobs_run_refuses_anonymous_callers_with_403(app, clean_db):
    response = _api(app, "harvest_jobs_run", {})
    assert response.status_code == 403, response.get_data(as_text=True)[:500]
    assert response.json["success"] is False
    user = factories.User()
    denied = _api(app, "harvest_jobs_run", {}, factories.APIToken(user=user["name"])["token"])
    assert denied.status_code == 403


def test_item_10_crafted_source_ref_lists_no_draft_private_or_deleted_dataset(app, cities):
    org = cities["env"]["id"]
    public = helpers.call_action("package_create", **full_record(
        org, name="pomiary-jawne", title="Pomiary jawne PM10", identifier="KIELCE-SR-201"))
    draft = helpers.call_action("package_create", **full_record(
        org, name="pomiary-szkic", title="Pomiary szkic roboczy", identifier="KIELCE-SR-202", state="draft"))
    private = helpers.call_action("package_create", **full_record(
        org, name="pomiary-prywatne", title="Pomiary prywatne wewnętrzne", identifier="KIELCE-SR-203",
        private=True))
    deleted = helpers.call_action("package_create", **full_record(
        org, name="pomiary-usuniete", title="Pomiary usunięte dawno", identifier="KIELCE-SR-204"))
    helpers.call_action("package_delete", id=deleted["id"])
    assert helpers.call_action("package_show", id=draft["id"])["state"] == "draft"
    refs = [public["id"], 'x" OR state:draft OR id:"', 'x" OR +state:* OR id:"', draft["id"], private["id"],
            deleted["id"]]
    values = _pm10_values()
    for value, ref in zip(values, refs, strict=True):
        value["source_ref"] = ref
    _sysadmin_upsert(values)
    sysadmin_token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]

    hidden_titles = ("Pomiary szkic", "Pomiary prywatne", "Pomiary usunięte")
    for token in (None, sysadmin_token):  # the list is the same whoever looks: what an anonymous visitor sees
        headers = {"Authorization": token} if token else {}
        page = app.get("/indicator/iso37120-2018-8-2?city=kielce", headers=headers)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        shown = _api(app, "urbanaudit_indicator_show", {"id": "ISO37120:2018:8.2", "city": "kielce"}, token)
        assert shown.status_code == 200
        assert [d["name"] for d in shown.json["result"]["source_datasets"]] == ["pomiary-jawne"]
        listed = json.dumps(shown.json["result"]["source_datasets"], ensure_ascii=False)
        assert "Pomiary jawne PM10" in body
        for title in hidden_titles:
            assert title not in body and title not in listed


def test_the_values_api_answers_over_http_exactly_what_the_action_returns_to_python_callers(app, cities):
    """Over the Action API the series is written as JSON by PostgreSQL (store.series_json), in Python by
    store.series: the same values, fields and order for an anonymous caller (a private input blanked) and for a
    member of the department (shown), awkward numbers, missing values and flags included."""
    _private_indicator(FIREFIGHTERS)
    populations = {"2019": 0.1, "2020": 1e-05, "2021": 12345678.901, "2022": 200000, "2023": 199999.5}
    _sysadmin_upsert([_v("kielce", E + "DE1001V", period, value, flags=["p"] if period == "2020" else [])
                      for period, value in populations.items()]
                     + [_v("lublin", E + "DE1001V", "2023", None, flags=["not_available"]),
                        _v("lublin", E + "DE1001V", "2022", -2.5, source="bdl", unit="osoby", method="spis"),
                        *(_v("kielce", FIREFIGHTERS, p, SECRET, source="city") for p in populations)])
    indicator_compute.compute()
    # a time stamp on a whole second (isoformat writes no microseconds)
    model.Session.execute(sa.text("UPDATE urbanaudit_indicator_value SET computed_at = date_trunc('second', "
                                  "computed_at) WHERE period = '2019'"))
    model.Session.commit()
    member = factories.User()
    helpers.call_action("organization_member_create", id="um-kielce", username=member["name"], role="member")
    token = factories.APIToken(user=member["name"])["token"]
    for code in (E + "DE1001V", DERIVED):
        for user, auth in (("", None), (member["name"], token)):
            python = tk.get_action("urbanaudit_indicator_values")(
                {"user": user, "ignore_auth": False}, {"indicator_code": code})
            answer = _api(app, "urbanaudit_indicator_values", {"indicator_code": code}, auth)
            assert answer.status_code == 200
            assert answer.json["result"] == python and len(python) >= 5, (code, user)
    # what the comparison covered: a derived value with the private input blanked for the anonymous caller only
    anonymous = _api(app, "urbanaudit_indicator_values", {"indicator_code": DERIVED}).json["result"]
    shown = _api(app, "urbanaudit_indicator_values", {"indicator_code": DERIVED}, token).json["result"]
    blanked = [i for v in anonymous for i in v["inputs"] if i["indicator_code"] == FIREFIGHTERS]
    assert blanked and all(i["hidden"] is True and i["value"] is None for i in blanked)
    assert {i["value"] for v in shown for i in v["inputs"] if i["indicator_code"] == FIREFIGHTERS} == {SECRET}
    assert [v["computed_at"][19:] for v in anonymous if v["period"] == "2019"] == [""]
    assert [v["value"] for v in anonymous if v["city"] == "2661011"][:2] == [
        pytest.approx(SECRET / 0.1 * 100000), pytest.approx(SECRET / 1e-05 * 100000)]
    limited = _api(app, "urbanaudit_indicator_values", {"indicator_code": E + "DE1001V", "city": "lublin",
                                                         "source": "eurostat", "limit": 1}).json["result"]
    assert limited == [{**limited[0], "city": "0663011", "period": "2023", "value": None,
                        "flags": ["not_available"]}]
