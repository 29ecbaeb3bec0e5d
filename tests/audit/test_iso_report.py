"""The ISO 37120 report (issue 14, item 6): for a city and year every ISO 37120:2014 indicator with its status
and, when approved, its published value; core and supporting counts; the WCCD certification level the approved
data supports (thresholds as data, each with its source or marked unconfirmed); the page, its XLSX and the
action ``urbanaudit_iso37120_report``."""
from __future__ import annotations

import io
import re

import ckan.plugins.toolkit as tk
import openpyxl
import pytest
import yaml
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.audit.iso_report import certification_level, levels_for
from ckanext.urbanaudit.audit.model import Submission
from ckanext.urbanaudit.indicators.catalogue import catalogue
from tests.indicator_data import _sysadmin_upsert, _v

pytestmark = pytest.mark.usefixtures("with_plugins")

YEAR = 2024
URL = f"/city/2661011/iso37120/{YEAR}"
LEVELS_FILE = "schemas/indicators/wccd_levels.yaml"
ISO_2014 = [i for i in catalogue().indicators if i.standard == "ISO 37120:2014"]
CORE = [i.code for i in ISO_2014 if i.kind == "core"]
SUPPORTING = [i.code for i in ISO_2014 if i.kind == "supporting"]
SYNTHETIC_CODE = CORE[0]  # ISO37120:2014:5.1, the unemployment rate
SUBMITTED_CODE = SUPPORTING[-1]  # approved by nobody yet
PRIVATE_CODE, PRIVATE_SLUG = "ISO37120:2014:8.7", "iso37120-2014-8-7"  # noise pollution (supporting)


def _levels() -> list[dict]:
    with open(LEVELS_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)["levels"]


def _report(user="", **data):
    return helpers.call_action("urbanaudit_iso37120_report", {"user": user, "ignore_auth": False},
                               **{"city": "kielce", "year": YEAR, **data})


# ------------------------------------------------------------------------------------------ the level rule

@pytest.mark.parametrize(("core", "supporting", "expected"), [
    (0, 0, None), (29, 54, None), (30, 0, "aspirational"), (45, 54, "aspirational"),
    (46, 0, "bronze"), (46, 13, "bronze"), (46, 14, "silver"), (46, 27, "silver"), (46, 28, "gold"),
    (46, 41, "gold"), (46, 42, "platinum"), (46, 54, "platinum"),
])
def test_the_level_rule_at_each_threshold(core, supporting, expected):
    level = certification_level(core, supporting, _levels())
    assert (level["key"] if level else None) == expected


def test_the_thresholds_are_data_with_their_sources_and_for_the_2014_edition_only():
    with open(LEVELS_FILE, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert data["edition"] == "ISO 37120:2014" and (data["core_total"], data["supporting_total"]) == (46, 54)
    assert (data["core_total"], data["supporting_total"]) == (len(CORE), len(SUPPORTING))
    sources = {s["id"]: s for s in data["sources"]}
    for level in data["levels"]:
        if level["confirmed"]:
            assert sources[level["source"]]["url"].startswith("https://") and sources[level["source"]]["says"]
        else:  # an unconfirmed threshold says why
            assert level["note"]["en"] and level["note"]["pl"]
    assert levels_for("ISO 37120:2014") is not None
    for edition in ("ISO 37120:2018", "ISO 37122:2019", "ISO 37123:2019"):
        assert levels_for(edition) is None
    # every indicator's theme of its edition is among the report's themes, named as the catalogue names it
    themes = {t["clause"]: t["en"] for t in data["themes"]}
    for ind in ISO_2014:
        clause, name = ind.notes["theme_in_edition"].split(" ", 1)
        assert themes[clause] == name


# ----------------------------------------------------------------------------------------- seeded reports

@pytest.fixture
def report_world(cities):
    """Kielce 2024: all 46 core and 13 supporting indicators published (source city; one flagged synthetic),
    a value of 2023 that must not count, a harvested value beside the city's own, and a submission not yet
    approved."""
    values = [_v("kielce", code, str(YEAR), 10 + n, source="city") for n, code in enumerate(CORE)]
    values[0]["flags"] = ["synthetic"]
    values += [_v("kielce", code, str(YEAR), 1 + n, source="city") for n, code in enumerate(SUPPORTING[:13])]
    values += [_v("kielce", SUPPORTING[20], str(YEAR - 1), 7, source="city"),
               _v("kielce", CORE[1], str(YEAR), 999, source="eurostat")]
    _sysadmin_upsert(values)
    steward = factories.User()
    model.Session.add(Submission(city_teryt="2661011", indicator_code=SUBMITTED_CODE, period=str(YEAR), value=4242,
                                 unit="%", flags=[], status="submitted", submitted_by=steward["id"]))
    model.Session.commit()
    return cities


def test_the_action_lists_every_2014_indicator_with_its_status_and_counts(report_world):
    report = _report()
    rows = {r["code"]: r for r in report["indicators"]}
    assert len(report["indicators"]) == 100 and set(rows) == {i.code for i in ISO_2014}
    assert report["counts"]["core"] == {"approved": 46, "listed": 46, "total": 46}
    assert report["counts"]["supporting"] == {"approved": 13, "listed": 54, "total": 54}
    assert report["statuses"] == {"approved": 59, "submitted": 1, "returned": 0, "missing": 40}
    assert report["level"]["key"] == "bronze" and report["level"]["confirmed"] is True
    assert report["level"]["source"]["url"].startswith("https://")
    first = rows[CORE[0]]
    assert (first["status"], first["value"], first["period"], first["source"], first["synthetic"]) == (
        "approved", 10, str(YEAR), "city", True)
    assert first["unit"] == next(i.unit for i in ISO_2014 if i.code == CORE[0])
    # the city's own value is preferred to the harvested one of the same year
    assert (rows[CORE[1]]["value"], rows[CORE[1]]["source"], rows[CORE[1]]["synthetic"]) == (11, "city", False)
    # a value of another year is not this year's
    assert (rows[SUPPORTING[20]]["status"], rows[SUPPORTING[20]]["value"]) == ("missing", None)
    # an unpublished submission: its status, never its value
    assert rows[SUBMITTED_CODE]["status"] == "submitted"
    assert (rows[SUBMITTED_CODE]["value"], rows[SUBMITTED_CODE]["period"], rows[SUBMITTED_CODE]["source"]) == (
        None, None, None)
    assert "4242" not in str(report)
    # grouped by the 17 themes of the 2014 edition, in the standard's order
    assert [t["theme"] for t in report["themes"]] == [str(n) for n in range(5, 22)]
    assert sum(len(t["indicators"]) for t in report["themes"]) == 100


def test_one_more_supporting_indicator_reaches_silver_which_is_unconfirmed(app, report_world):
    _sysadmin_upsert([_v("kielce", SUPPORTING[13], str(YEAR), 3, source="city")])
    report = _report()
    assert report["counts"]["supporting"]["approved"] == 14
    assert report["level"]["key"] == "silver" and report["level"]["confirmed"] is False
    assert report["level"]["source"] is None and report["level"]["note"]["en"]
    html = app.get(URL, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"}).get_data(as_text=True)
    level = re.search(r'<p class="ua-kpi mb-1" id="ua-iso-level" data-level="silver">(.*?)</p>', html, re.S).group(1)
    assert "ua-unconfirmed" in level


def test_below_thirty_core_indicators_there_is_no_level(cities):
    _sysadmin_upsert([_v("kielce", code, str(YEAR), 1, source="city") for code in CORE[:29]])
    assert _report()["level"] is None
    _sysadmin_upsert([_v("kielce", CORE[29], str(YEAR), 1, source="city")])
    assert _report()["level"]["key"] == "aspirational"


def test_the_page_shows_the_level_counts_and_marks_the_synthetic_value(app, report_world):
    html = app.get(URL).get_data(as_text=True)
    assert 'data-level="bronze"' in re.search(r'id="ua-iso-level"[^>]*>', html).group(0)
    counts = re.search(r'id="ua-iso-counts">(.*?)</p>', html, re.S).group(1)
    assert "46" in counts and "13" in counts and "54" in counts
    rows = dict(re.findall(r'<tr data-code="([^"]+)" data-status="[^"]+">(.*?)</tr>', html, re.S))
    assert len(rows) == 100
    assert "urbanaudit-synthetic-value" in rows[SYNTHETIC_CODE]
    assert "urbanaudit-synthetic-value" not in rows[CORE[1]]
    # the submitted value is not shown, its status is
    submitted = re.search(rf'<tr data-code="{re.escape(SUBMITTED_CODE)}" data-status="submitted">(.*?)</tr>',
                          html, re.S).group(1)
    assert "4242" not in submitted and "4242" not in html
    # how the level is computed, with the source's link; the unconfirmed thresholds labelled
    method = html[html.index('id="ua-iso-method"'):html.index("</section>", html.index('id="ua-iso-method"'))]
    assert "https://smartcity-expert.eu/" in method
    assert method.count("ua-unconfirmed") == sum(1 for lv in _levels() if not lv["confirmed"])
    assert len(re.findall(r'<section class="ua-iso-theme"', html)) == 17
    # the print stylesheet is on the page
    assert "iso_report.css" in html


def test_the_xlsx_has_one_row_per_indicator_and_a_summary_with_the_level_and_its_source(app, report_world):
    response = app.get(f"{URL}.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 101
    header = rows[0]
    assert (header[1], header[5], header[12]) == ("Kod", "Wartość", "Wartość syntetyczna")  # the page's language
    by_code = {r[1]: r for r in rows[1:]}
    assert set(by_code) == {i.code for i in ISO_2014}
    assert (by_code[SYNTHETIC_CODE][5], by_code[SYNTHETIC_CODE][4], by_code[SYNTHETIC_CODE][12]) == (
        10, "zatwierdzone", "tak")
    assert (by_code[SUBMITTED_CODE][5], by_code[SUBMITTED_CODE][4]) == (None, "przekazane")
    summary = [c for row in book.worksheets[1].iter_rows(values_only=True) for c in row if c is not None]
    assert "https://smartcity-expert.eu/poziomy-certyfikacji-iso37120-zrownowazony-rozwoj-spoleczny/" in summary
    assert 46 in summary and 13 in summary
    assert any(isinstance(c, str) and c.startswith(("Brązowy", "Bronze")) for c in summary)


def test_an_unknown_city_or_a_bad_year_is_a_validation_error(app, cities):
    for data in ({"city": "gotham"}, {"year": "abc"}, {"year": 1800}, {"year": 3000}):
        with pytest.raises(tk.ValidationError) as error:
            _report(**data)
        assert set(error.value.error_dict) == set(data)
    assert app.get("/city/9999999/iso37120/2024").status_code == 404
    assert app.get("/city/2661011/iso37120/abcd").status_code == 400
    assert app.get("/api/3/action/urbanaudit_iso37120_report?city=kielce&year=1800").status_code == 409


def test_a_hidden_indicator_is_left_out_for_those_who_may_not_see_it(report_world):
    factories.Dataset(type="indicator", name=PRIVATE_SLUG, title=f"{PRIVATE_CODE} — hałas",
                      indicator_code=PRIVATE_CODE, owner_org=report_world["env"]["id"], private=True)
    assert PRIVATE_CODE not in {r["code"] for r in _report()["indicators"]}
    assert len(_report()["indicators"]) == 99
    admin = factories.Sysadmin()
    assert len(_report(user=admin["name"])["indicators"]) == 100


def test_the_city_page_links_to_the_latest_years_report(app, report_world):
    html = app.get("/city/2661011").get_data(as_text=True)
    link = re.search(r'id="ua-iso-report-link"><a href="([^"]+)"', html).group(1)
    response = app.get(link, follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
