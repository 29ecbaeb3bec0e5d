"""The page for the city's leadership (issue 14, item 9): /city/<teryt>/leadership lists the themes at a glance,
the indicators off track against their targets and the biggest data gaps, prints on two pages, and shows
only what the visitor may see."""
from __future__ import annotations

import re

import pytest
from ckan.tests import factories, helpers

from tests.audit.conftest import SINGLE_CODE
from tests.indicator_data import _sysadmin_upsert, _v

pytestmark = pytest.mark.usefixtures("with_plugins")

LIFE = "ISO37120:2014:12.1"  # average life expectancy: higher is better
PM25 = SINGLE_CODE  # PM2.5: lower is better
PRIVATE_CODE, PRIVATE_SLUG = "ISO37120:2014:8.7", "iso37120-2014-8-7"  # noise pollution
URL = "/city/2661011/leadership"


def _target(user, code, **data):
    return helpers.call_action("urbanaudit_target_set", {"user": user, "ignore_auth": False}, city="kielce",
                               indicator_code=code, target_year=2030, policy_name="Program ochrony środowiska",
                               **data)


def _section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start:html.index("</section>", start)]


@pytest.fixture
def leadership_world(audit_world):
    """Kielce with three targets: life expectancy on track, PM2.5 off track, and noise (an indicator whose data
    set is private to the environment department) off track."""
    admin = factories.Sysadmin()
    factories.Dataset(type="indicator", name=PRIVATE_SLUG, title=f"{PRIVATE_CODE} — hałas",
                      indicator_code=PRIVATE_CODE, owner_org=audit_world["env"]["id"], private=True)
    _sysadmin_upsert([
        _v("kielce", LIFE, "2020", 76, source="city"), _v("kielce", LIFE, "2024", 78, source="city"),
        _v("kielce", PM25, "2020", 30, source="gios"), _v("kielce", PM25, "2025", 27, source="gios"),
        _v("kielce", PRIVATE_CODE, "2020", 20, source="city"), _v("kielce", PRIVATE_CODE, "2025", 21, source="city"),
    ])
    _target("analityk2", LIFE, target_value=80)  # (78 - 76) / 4 = 0.5 ≥ 0.4: on track
    _target("analityk2", PM25, target_value=20)  # (27 - 30) / -10 = 0.3 < 0.5: off track
    _target(admin["name"], PRIVATE_CODE, target_value=10)  # worse than its baseline: off track
    return {**audit_world, "admin": admin}


def test_the_page_lists_the_indicators_off_track(app, leadership_world):
    html = app.get(URL).get_data(as_text=True)
    off = _section(html, "ua-lead-off-track")
    assert PM25 in off and 'aria-valuenow="30.0"' in off
    assert LIFE not in off  # on track
    # the counts of every status, of the targets the visitor may see
    assert "Cele: 2; osiągnięte 0, na dobrej drodze 1, odbiegające od planu 1, bez danych 0." in off
    summary = helpers.call_action("urbanaudit_leadership", {"user": "", "ignore_auth": False}, city="kielce")
    assert [t["indicator_code"] for t in summary["targets"]["off_track"]] == [PM25]
    assert summary["targets"]["statuses"] == {"achieved": 0, "on_track": 1, "off_track": 1, "no_data": 0}


def test_the_themes_at_a_glance_count_values_and_their_direction(app, leadership_world):
    summary = app.get(f"{URL}?format=json").json
    themes = {t["theme"]: t for t in summary["themes"]}
    assert len(themes) == 19
    listed = helpers.call_action("urbanaudit_indicator_list", {"user": "", "ignore_auth": False}, theme="8")
    in_theme_8 = [i for i in listed["results"] if i["kind"] != "variable"]
    # PM2.5 fell from 30 to 27: better (lower is better); the private noise indicator is not counted
    assert (themes["8"]["with_values"], themes["8"]["indicators"], themes["8"]["good"], themes["8"]["bad"]) == (
        1, len(in_theme_8), 1, 0)
    assert themes["8"]["coverage"] == round(100 / len(in_theme_8))
    life_theme = next(i["theme"] for i in helpers.call_action(
        "urbanaudit_indicator_list", {"user": "", "ignore_auth": False}, q=LIFE)["results"] if i["code"] == LIFE)
    assert (themes[life_theme]["with_values"], themes[life_theme]["good"]) == (1, 1)
    html = app.get(URL).get_data(as_text=True)
    row = re.search(r'<tr data-theme="8">(.*?)</tr>', _section(html, "ua-lead-themes"), flags=re.S).group(1)
    assert f"1 / {len(in_theme_8)}" in row and "▲</span> 1" in row


def test_the_page_lists_the_biggest_gaps(app, leadership_world):
    gaps = helpers.call_action("urbanaudit_gaps", {"user": "", "ignore_auth": False}, city="kielce")
    html = app.get(URL).get_data(as_text=True)
    section = _section(html, "ua-lead-gaps")
    top = sorted((t for t in gaps["themes"] if t["gaps"]), key=lambda t: (-t["gaps"], int(t["theme"])))[:10]
    assert top, "the catalogue leaves gaps in a city with three indicators"
    shown = re.findall(r'<li data-theme="(\d+)">[^<]*: (\d+)</li>', section)
    assert shown == [(t["theme"], str(t["gaps"])) for t in top]
    # an indicator with no source yet may still hold values (entered by hand): not "without a value"
    core = sorted(g["code"] for g in gaps["gaps"] if g["kind"] == "core" and g["latest_period"] is None)
    assert f"Wskaźniki podstawowe bez wartości: {len(core)}" in section
    assert re.findall(r'<li><span class="ua-code">([^<]+)</span>', section) == core[:10]
    assert PM25 not in core and LIFE not in core


def test_the_page_prints_on_two_pages_without_navigation(app, leadership_world):
    html = app.get(URL).get_data(as_text=True)
    [href] = re.findall(r'href="([^"]*leadership[^"]*\.css[^"]*)"', html)
    css = app.get(href).get_data(as_text=True)
    assert "@media print" in css
    printed = css[css.index("@media print"):]
    assert re.search(r"header, footer, nav,[^{]*\.breadcrumb[^{]*\{ display: none !important; \}", printed)
    assert ".ua-print-page { break-before: page; page-break-before: always; }" in printed
    # the second printed page begins with the targets off track; the themes fill the first
    assert html.index('id="ua-lead-themes"') < html.index('id="ua-lead-off-track" class="ua-print-page"')
    assert html.index('class="ua-print-page"') < html.index('id="ua-lead-gaps"')


def test_anonymous_visitors_see_no_private_indicator(app, leadership_world):
    html = app.get(URL).get_data(as_text=True)
    assert PRIVATE_CODE not in html
    assert PRIVATE_CODE not in app.get(f"{URL}?format=json").get_data(as_text=True)
    # a sysadmin (who may read the environment department's data sets) sees its target off track
    token = helpers.call_action("api_token_create", {"user": leadership_world["admin"]["name"]},
                                user=leadership_world["admin"]["name"], name="t")["token"]
    mine = app.get(URL, headers={"Authorization": token}).get_data(as_text=True)
    assert PRIVATE_CODE in _section(mine, "ua-lead-off-track")
    # the city page links the leadership page
    assert f'href="{URL}"' in app.get("/city/2661011").get_data(as_text=True)


def test_an_unknown_city_is_not_found(app, leadership_world):
    assert app.get("/city/9999999/leadership").status_code == 404
