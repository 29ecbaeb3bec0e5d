"""The city's targets (issue 14, item 8): set, replace and delete through the Action API, validation, auth,
progress and status at hand-computed values for higher- and lower-is-better indicators, only published values
counting, and the target on the indicator page, the city page and the team's form."""
from __future__ import annotations

import re

import pytest
from ckan.tests import helpers

from tests.audit.conftest import PER_100K_CODE, SINGLE_CODE
from tests.indicator_data import _sysadmin_upsert, _v

pytestmark = pytest.mark.usefixtures("with_plugins")

LIFE = "ISO37120:2014:12.1"  # average life expectancy, years: higher is better
PM25 = SINGLE_CODE  # PM2.5 concentration, µg/m3: lower is better
POLICY = "Strategia Rozwoju Miasta Kielce 2030+"
POLICY_URL = "https://bip.kielce.eu/strategia-2030.pdf"


def _as(user):
    return {"user": user, "ignore_auth": False}


def _set(user="analityk2", **data):
    base = {"city": "kielce", "indicator_code": LIFE, "target_value": 80, "target_year": 2030,
            "baseline_value": 76, "baseline_year": 2020, "policy_name": POLICY, "policy_url": POLICY_URL}
    return helpers.call_action("urbanaudit_target_set", _as(user), **{**base, **data})


def _list(user=None, **data):
    return helpers.call_action("urbanaudit_target_list", _as(user or ""), **{"city": "kielce", **data})


def _token(user):
    return helpers.call_action("api_token_create", {"user": user}, user=user, name="t")["token"]


def _api(app, action, data, user=None):
    headers = {"Authorization": _token(user)} if user else {}
    return app.post(f"/api/3/action/{action}", json=data, headers=headers)


def _page(app, url, user=None, **kwargs):
    headers = {"Authorization": _token(user)} if user else {}
    return app.get(url, headers=headers, **kwargs)


def _section(html, start_id, end_marker="</section>"):
    start = html.index(f'id="{start_id}"')
    return html[start:html.index(end_marker, start)]


# ---------------------------------------------------------------------------------------- set/replace/delete

def test_a_team_member_sets_replaces_and_deletes_a_target(audit_world):
    created = _set()
    assert created["result"] == "created"
    assert (created["city"], created["indicator_code"], created["target_value"], created["target_year"]) == (
        "2661011", LIFE, 80, 2030)
    assert (created["policy_name"], created["policy_url"]) == (POLICY, POLICY_URL)
    assert created["updated_by"] == audit_world["users"]["analityk2"]["id"]

    # the URL name of the indicator and the city's TERYT code address the same target: replaced, not doubled
    replaced = _set(user="analityk1", city="2661011", indicator_code="iso37120-2014-12-1", target_value=82,
                    target_year=2035, baseline_value=None, baseline_year=None, policy_url="")
    assert replaced["result"] == "replaced"
    [only] = _list()
    assert (only["indicator_code"], only["target_value"], only["target_year"]) == (LIFE, 82, 2035)
    assert (only["baseline_value"], only["baseline_year"], only["policy_url"]) == (None, None, None)
    assert only["updated_by"] == audit_world["users"]["analityk1"]["id"]

    assert helpers.call_action("urbanaudit_target_delete", _as("analityk1"), city="kielce",
                               indicator_code=LIFE)["deleted"] is True
    assert _list() == []
    with pytest.raises(helpers.logic.NotFound):
        helpers.call_action("urbanaudit_target_delete", _as("analityk1"), city="kielce", indicator_code=LIFE)


def test_the_list_is_per_city_and_indicator(audit_world):
    _set()
    _set(indicator_code=PM25, target_value=20, baseline_value=None, baseline_year=None)
    _set(city="lublin", indicator_code=PM25, target_value=15, baseline_value=None, baseline_year=None)
    assert [t["indicator_code"] for t in _list()] == sorted([LIFE, PM25])
    assert [t["indicator_code"] for t in _list(indicator_code=PM25)] == [PM25]
    assert [(t["city"], t["target_value"]) for t in _list(city="lublin")] == [("0663011", 15)]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"indicator_code": "ISO37120:2014:99.9"}, "indicator_code", "No indicator"),
    ({"city": "warszawa"}, "city", "Unknown city"),
    ({"target_value": None}, "target_value", "Missing value"),
    ({"target_value": "dużo"}, "target_value", "must be a number"),
    ({"target_year": "2030r"}, "target_year", "A year such as 2030"),
    ({"target_year": 3030}, "target_year", "A year such as 2030"),
    ({"policy_name": "  "}, "policy_name", "Missing value"),
    ({"policy_url": "javascript:alert(1)"}, "policy_url", "http:// or https://"),
    ({"policy_url": "ftp://bip.kielce.eu/strategia.pdf"}, "policy_url", "http:// or https://"),
    ({"policy_url": "https://"}, "policy_url", "http:// or https://"),
    ({"baseline_year": None}, "baseline_year", "together"),
    ({"baseline_value": None}, "baseline_value", "together"),
    ({"baseline_year": 2030}, "baseline_year", "before the target year"),
])
def test_bad_inputs_are_refused_with_the_field_named(audit_world, data, field, message):
    with pytest.raises(helpers.logic.ValidationError) as caught:
        _set(**data)
    assert field in caught.value.error_dict, caught.value.error_dict
    assert message in str(caught.value.error_dict[field])
    assert _list() == []


def test_only_the_team_writes_targets_and_everyone_reads_them(app, audit_world):
    _set()
    # anonymous callers, a department's editor outside the team and a plain user are refused
    for user in (None, "steward-env", "mieszkaniec"):
        for action, data in (("urbanaudit_target_set", {"city": "kielce", "indicator_code": PM25,
                                                        "target_value": 20, "target_year": 2030,
                                                        "policy_name": POLICY}),
                             ("urbanaudit_target_delete", {"city": "kielce", "indicator_code": LIFE})):
            response = _api(app, action, data, user=user)
            assert response.status_code == 403, (action, user, response.get_data(as_text=True)[:300])
    assert [t["indicator_code"] for t in _list()] == [LIFE]
    # a member of the analytic team's organization (any capacity) may
    response = _api(app, "urbanaudit_target_set", {"city": "kielce", "indicator_code": PM25, "target_value": 20,
                                                   "target_year": 2030, "policy_name": POLICY}, user="analityk2")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    # reading is public: targets are public policy
    listed = _api(app, "urbanaudit_target_list", {"city": "kielce"})
    assert listed.status_code == 200
    assert sorted(t["indicator_code"] for t in listed.json["result"]) == sorted([LIFE, PM25])


# ------------------------------------------------------------------------------------------ progress, status

def _progress(code):
    [target] = _list(indicator_code=code)
    return target["progress"]


def test_progress_of_a_higher_is_better_indicator(audit_world):
    # baseline 76 (2020, given), target 80 by 2030; latest 78 in 2024:
    # progress (78 - 76) / (80 - 76) = 0.5, time elapsed (2024 - 2020) / (2030 - 2020) = 0.4: on track
    _set()
    _sysadmin_upsert([_v("kielce", LIFE, "2022", 76.5, source="city"), _v("kielce", LIFE, "2024", 78, source="city")])
    p = _progress(LIFE)
    assert (p["baseline"]["value"], p["baseline"]["year"], p["baseline"]["given"]) == (76, 2020, True)
    assert (p["latest"]["period"], p["latest"]["value"]) == ("2024", 78)
    assert (p["progress"], p["elapsed"], p["progress_percent"], p["status"]) == (0.5, 0.4, 50.0, "on_track")

    # latest 77: progress (77 - 76) / 4 = 0.25 < 0.4: off track
    _sysadmin_upsert([_v("kielce", LIFE, "2024", 77, source="city")])
    p = _progress(LIFE)
    assert (p["progress"], p["progress_percent"], p["status"]) == (0.25, 25.0, "off_track")

    # below the baseline: progress -0.25, shown as 0 %
    _sysadmin_upsert([_v("kielce", LIFE, "2024", 75, source="city")])
    p = _progress(LIFE)
    assert (p["progress"], p["progress_percent"], p["status"]) == (-0.25, 0.0, "off_track")

    # reaching the target (or passing it, higher being better) is achieved, shown as 100 %
    _sysadmin_upsert([_v("kielce", LIFE, "2025", 80.4, source="city")])
    p = _progress(LIFE)
    assert (p["latest"]["period"], p["status"], p["progress_percent"], p["progress"]) == (
        "2025", "achieved", 100.0, 1.1)


def test_progress_of_a_lower_is_better_indicator_from_the_earliest_published_value(audit_world):
    # no baseline given: the earliest published value, 30 µg/m3 in 2020; target 20 by 2030; latest 27 in 2025:
    # progress (27 - 30) / (20 - 30) = 0.3 < elapsed (2025 - 2020) / 10 = 0.5: off track
    _set(indicator_code=PM25, target_value=20, baseline_value=None, baseline_year=None)
    _sysadmin_upsert([_v("kielce", PM25, "2020", 30, source="gios"), _v("kielce", PM25, "2025", 27, source="gios")])
    p = _progress(PM25)
    assert (p["baseline"]["value"], p["baseline"]["year"], p["baseline"]["given"]) == (30, 2020, False)
    assert (p["progress"], p["elapsed"], p["progress_percent"], p["status"], p["good_side"]) == (
        0.3, 0.5, 30.0, "off_track", "lower")

    # the city's own (approved) figure beats the GIOŚ one for the same year (sources.py): 24 → 0.6 ≥ 0.5
    _sysadmin_upsert([_v("kielce", PM25, "2025", 24, source="city")])
    p = _progress(PM25)
    assert (p["latest"]["value"], p["latest"]["source"], p["progress"], p["status"]) == (24, "city", 0.6, "on_track")

    # at or below the target is achieved (a lower value is better); a higher one never is
    _sysadmin_upsert([_v("kielce", PM25, "2026", 19.5, source="gios")])
    assert _progress(PM25)["status"] == "achieved"
    _sysadmin_upsert([_v("kielce", PM25, "2026", 31, source="gios")])
    p = _progress(PM25)
    assert (p["status"], p["progress_percent"]) == ("off_track", 0.0)


def test_past_the_target_year_only_the_target_is_on_track_and_no_values_is_no_data(audit_world):
    # target 80 by 2022 from 76 in 2020; 2024: 79 → progress 0.75 < elapsed 1 (capped): off track
    _set(target_year=2022)
    assert _progress(LIFE)["status"] == "no_data"
    _sysadmin_upsert([_v("kielce", LIFE, "2024", 79, source="city")])
    p = _progress(LIFE)
    assert (p["progress"], p["elapsed"], p["status"]) == (0.75, 1.0, "off_track")
    # a single published value and no baseline given: nothing to measure progress against
    _set(indicator_code=PM25, target_value=10, baseline_value=None, baseline_year=None)
    _sysadmin_upsert([_v("kielce", PM25, "2024", 18, source="gios")])
    p = _progress(PM25)
    assert (p["baseline"]["year"], p["latest"]["period"], p["status"], p["progress"]) == (
        2024, "2024", "no_data", None)


def test_only_approved_values_count(audit_world):
    # firefighters per 100 000 (higher is better): target 120 by 2030 from 100 in 2020
    _set(indicator_code=PER_100K_CODE, target_value=120, baseline_value=100)
    sub = helpers.call_action("urbanaudit_value_submit", _as("steward-env"), city="kielce",
                              indicator_code=PER_100K_CODE, period="2024", value=110)
    # the submitted value is a draft: no published value yet
    p = _progress(PER_100K_CODE)
    assert (p["latest"], p["status"]) == (None, "no_data")
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    p = _progress(PER_100K_CODE)
    # (110 - 100) / 20 = 0.5 ≥ 0.4
    assert (p["latest"]["value"], p["progress"], p["status"]) == (110, 0.5, "on_track")


# --------------------------------------------------------------------------------------------------- pages

def test_the_indicator_page_shows_the_target_box(app, audit_world):
    _set()
    _sysadmin_upsert([_v("kielce", LIFE, "2024", 78, source="city")])
    html = app.get(f"/indicator/{LIFE}?city=kielce").get_data(as_text=True)
    box = _section(html, "ua-target")
    assert "80" in box and "2030" in box
    assert f'<a href="{POLICY_URL}" rel="noopener noreferrer">{POLICY}</a>' in box
    assert "76" in box and "78" in box  # baseline and latest
    assert 'aria-valuenow="50.0"' in box
    assert 'data-status="on_track"' in box
    assert "na dobrej drodze" in box  # the status, in Polish (the portal's default language)
    # anonymous visitors get no link to the team's form
    assert "/target?" not in box
    # the page's JSON (the action's answer) carries the same target
    data = app.get(f"/indicator/{LIFE}?city=kielce&format=json").json
    assert (data["target"]["target_value"], data["target"]["progress"]["status"]) == (80, "on_track")
    # another city has no target: no box for the public
    assert 'id="ua-target"' not in app.get(f"/indicator/{LIFE}?city=lublin").get_data(as_text=True)


def test_the_city_page_shows_the_targets_table_and_links_the_leadership_page(app, audit_world):
    _set()
    _set(indicator_code=PM25, target_value=20, baseline_value=None, baseline_year=None)
    _sysadmin_upsert([_v("kielce", LIFE, "2024", 77, source="city"),
                      _v("kielce", PM25, "2020", 30, source="gios"), _v("kielce", PM25, "2025", 19, source="gios")])
    html = app.get("/city/2661011").get_data(as_text=True)
    table = _section(html, "ua-targets")
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    assert len(rows) == 2
    life = next(r for r in rows if LIFE in r)
    pm = next(r for r in rows if PM25 in r)
    assert 'data-status="off_track"' in life and POLICY in life and 'aria-valuenow="25.0"' in life
    assert 'data-status="achieved"' in pm and 'aria-valuenow="100.0"' in pm
    assert 'href="/city/2661011/leadership"' in html
    assert "Dla kierownictwa miasta" in html
    # the API gives the same targets, and leaves them out when asked to (the home page's headline)
    shown = helpers.call_action("urbanaudit_city_show", id="kielce")
    assert sorted(t["indicator_code"] for t in shown["targets"]) == sorted([LIFE, PM25])
    lean = helpers.call_action("urbanaudit_city_show", id="kielce", targets=False)
    assert "targets" not in lean and lean["themes"] == shown["themes"]


def test_the_team_form_sets_a_target(app, audit_world):
    # anonymous callers go to the login page, a department's editor outside the team gets 403
    response = app.get(f"/indicator/{PM25}/target?city=kielce", follow_redirects=False)
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    assert _page(app, f"/indicator/{PM25}/target?city=kielce", user="steward-env").status_code == 403

    token = {"Authorization": _token("analityk2")}
    form = app.get(f"/indicator/{PM25}/target?city=kielce", headers=token)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'name="target_value"' in html and 'name="policy_url"' in html and "_csrf_token" in html
    # errors are shown on the form, nothing saved
    bad = app.post(f"/indicator/{PM25}/target?city=kielce", headers=token, data={
        "target_value": "20", "target_year": "2030", "policy_name": POLICY, "policy_url": "javascript:alert(1)"})
    assert bad.status_code == 200
    assert 'data-field="policy_url"' in bad.get_data(as_text=True)
    assert _list() == []
    # a valid form saves and returns to the indicator page, whose box now shows the target and the form link
    saved = app.post(f"/indicator/{PM25}/target?city=kielce", headers=token, follow_redirects=False, data={
        "target_value": "20,5", "target_year": "2030", "baseline_value": "", "baseline_year": "",
        "policy_name": POLICY, "policy_url": POLICY_URL})
    assert saved.status_code == 302
    assert "/indicator/iso37120-2014-8-1" in saved.headers["Location"]
    [target] = _list()
    assert (target["indicator_code"], target["target_value"], target["policy_url"]) == (PM25, 20.5, POLICY_URL)
    page = _page(app, f"/indicator/{PM25}?city=kielce", user="analityk2").get_data(as_text=True)
    assert "/indicator/iso37120-2014-8-1/target?city=2661011" in page
    # the form shows the saved target and deletes it
    assert 'value="20.5"' in app.get(f"/indicator/{PM25}/target?city=kielce", headers=token).get_data(as_text=True)
    app.post(f"/indicator/{PM25}/target?city=kielce", headers=token, data={"delete": "1"})
    assert _list() == []
