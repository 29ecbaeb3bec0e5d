"""The department questionnaire of a reporting year and the per-indicator value form, over HTTP and the Action
API: download (only the department's indicators, numerator and denominator cells), fill with openpyxl, upload
(values computed from their inputs, status submitted), errors per row and column with nothing stored, the
plausibility warnings the uploader must acknowledge, who may upload, the value form, the CLI."""
from __future__ import annotations

import io
import re

import ckan.plugins.toolkit as tk
import pytest
import yaml
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories, helpers
from openpyxl import Workbook, load_workbook

from ckanext.urbanaudit.audit.cli import audit as audit_cli
from ckanext.urbanaudit.audit.inputs import NUMERATOR, RATIO_UNITS, for_indicator
from ckanext.urbanaudit.indicators.catalogue import catalogue
from tests.audit.conftest import CSRF_FIELD, PER_100K_CODE, SHARE_CODE, SINGLE_CODE, login_client
from tests.indicator_data import _sysadmin_upsert, _v

pytestmark = pytest.mark.usefixtures("with_plugins")

YEAR = 2024
ENV = "kielce-wydzial-srodowiska"
OTHER_DEPARTMENT_CODE = "ISO37120:2014:5.2"  # not assigned: answered by the city's organization (um-kielce)
PAGE = f"/audit/kielce/{YEAR}/questionnaire"
XLSX = f"/audit/kielce/{YEAR}/questionnaire.xlsx?department={ENV}"


def _as(user):
    return {"user": user, "ignore_auth": False}


def _headers(user):
    return {"Authorization": factories.APIToken(user=user)["token"]}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def year_open(audit_world):
    helpers.call_action("urbanaudit_campaign_open", _as("analityk1"), city="kielce", year=YEAR)
    return audit_world


def _download(app, user="steward-env"):
    response = app.get(XLSX, headers=_headers(user))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


def _sheet(content):
    book = load_workbook(io.BytesIO(content))
    return book, book["Ankieta"]


def _keys(sheet):
    """Header key (the name in brackets of row 1) -> column number."""
    return {re.search(r"\[(\w+)\]$", cell.value).group(1): cell.column for cell in sheet[1]}


def _rows(sheet):
    """Indicator code (hidden key column) -> spreadsheet row number."""
    key = _keys(sheet)["key"]
    return {sheet.cell(row=r, column=key).value: r for r in range(3, sheet.max_row + 1)}


def _fill(content, answers, extra_rows=()):
    """The downloaded questionnaire with ``answers`` ({code: {column key: value}}) written into it, and rows of
    other codes appended (``extra_rows``: [{column key: value}])."""
    book, sheet = _sheet(content)
    keys, rows = _keys(sheet), _rows(sheet)
    for code, cells in answers.items():
        for key, value in cells.items():
            sheet.cell(row=rows[code], column=keys[key]).value = value
    for cells in extra_rows:
        row = sheet.max_row + 1
        for key, value in cells.items():
            sheet.cell(row=row, column=keys[key]).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows


def _import(user="steward-env", content=b"", **data):
    return helpers.call_action("urbanaudit_questionnaire_import", _as(user), **{
        "city": "kielce", "year": YEAR, "department": ENV, "filename": "ankieta.xlsx", "content": content, **data})


def _submissions():
    return {s["indicator_code"]: s for s in helpers.call_action("urbanaudit_submission_list", _as("analityk1"),
                                                                 city="kielce", period=YEAR)}


# ---------------------------------------------------------------------------------------- the inputs file

def test_every_2014_ratio_indicator_has_its_own_numerator_and_denominator_labels():
    path = "schemas/indicators/audit_inputs.yaml"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    listed = yaml.safe_load(text)["indicators"]
    assert "project's own reading" in text.lower() or "PROJECT'S OWN READING" in text
    cat = catalogue()
    ratios = [i for i in cat.indicators if i.standard == "ISO 37120:2014" and i.unit in RATIO_UNITS]
    assert len(ratios) > 50
    for ind in ratios:
        spec = for_indicator(ind)
        assert ind.code in listed, ind.code
        assert spec.ratio, ind.code
        for part in ("numerator", "denominator"):
            labels = listed[ind.code][part]
            assert labels["pl"].strip() and labels["en"].strip(), (ind.code, part)
        assert spec.numerator != NUMERATOR, ind.code
    for code in listed:
        assert cat.get(code) is not None, code
        assert for_indicator(cat.get(code)).ratio, code


# ------------------------------------------------------------------------------------------------ download

def test_download_holds_only_the_department_indicators_with_numerator_and_denominator_cells(app, year_open):
    _sysadmin_upsert([_v("kielce", SINGLE_CODE, "2023", 20.0, source="gios"),
                      _v("kielce", SINGLE_CODE, "2022", 22.5, source="gios")])
    _, sheet = _sheet(_download(app))
    keys, rows = _keys(sheet), _rows(sheet)
    assert set(rows) == {SHARE_CODE, SINGLE_CODE, PER_100K_CODE}
    # Polish headers with the key, English in the second header line
    assert sheet.cell(row=1, column=keys["numerator"]).value == "Licznik [numerator]"
    assert sheet.cell(row=2, column=keys["numerator"]).value == "Numerator"
    assert {"published_2021", "published_2022", "published_2023", "comment", "source_note"} <= set(keys)
    share = {key: sheet.cell(row=rows[SHARE_CODE], column=col) for key, col in keys.items()}
    assert share["numerator_label"].value.startswith("Liczba osób bezrobotnych")
    assert "Labour force" in share["denominator_label"].value
    assert share["scale"].value == 100
    assert share["numerator"].value is None and not share["numerator"].protection.locked
    assert share["denominator"].value is None and not share["denominator"].protection.locked
    assert share["value"].value == "—" and share["value"].protection.locked
    single = {key: sheet.cell(row=rows[SINGLE_CODE], column=col) for key, col in keys.items()}
    assert single["numerator"].value == "—" and single["denominator"].value == "—"
    assert single["value"].value is None and not single["value"].protection.locked
    assert single["published_2023"].value == 20.0 and single["published_2022"].value == 22.5
    assert single["published_2021"].value is None
    assert sheet.protection.sheet
    from_letter = sheet.cell(row=1, column=keys["key"]).column_letter
    assert sheet.column_dimensions[from_letter].hidden


# -------------------------------------------------------------------------------------------------- upload

def test_filled_questionnaire_uploaded_on_the_page_submits_the_computed_values(app, year_open):
    content, _ = _fill(_download(app), {
        SHARE_CODE: {"numerator": 7300, "denominator": 100000, "source_note": "PUP Kielce"},
        PER_100K_CODE: {"numerator": 250, "denominator": 196000, "flags": "szacunkowa"},
        SINGLE_CODE: {"value": 17.5, "comment": "średnia roczna"},
    })
    response = app.post(PAGE, data={"department": ENV, "upload": (io.BytesIO(content), "ankieta.xlsx")},
                        headers=_headers("steward-env"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = _soup(response)
    assert "alert-success" in page.select_one("#ua-questionnaire-result")["class"]
    subs = _submissions()
    assert set(subs) == {SHARE_CODE, SINGLE_CODE, PER_100K_CODE}
    assert {s["status"] for s in subs.values()} == {"submitted"}
    assert subs[SHARE_CODE]["value"] == pytest.approx(7.3)  # 7300 / 100000 x 100
    assert subs[PER_100K_CODE]["value"] == pytest.approx(127.5510204)  # 250 / 196000 x 100000
    assert (subs[PER_100K_CODE]["numerator"], subs[PER_100K_CODE]["denominator"]) == (250, 196000)
    assert subs[PER_100K_CODE]["flags"] == ["estimated"]
    assert subs[SINGLE_CODE]["value"] == pytest.approx(17.5)
    assert subs[SINGLE_CODE]["comment"] == "średnia roczna"
    assert subs[SHARE_CODE]["source_note"] == "PUP Kielce"
    steward = model.User.get("steward-env").id
    assert {s["submitted_by"] for s in subs.values()} == {steward}
    # the same file again changes nothing
    again = _import(content=content)
    assert again["imported"] and sorted(again["unchanged"]) == sorted(subs)
    # a new download carries the submitted inputs, so it imports back unchanged
    fresh = _download(app)
    _, sheet = _sheet(fresh)
    keys, rows = _keys(sheet), _rows(sheet)
    assert sheet.cell(row=rows[PER_100K_CODE], column=keys["denominator"]).value == 196000
    assert sheet.cell(row=rows[PER_100K_CODE], column=keys["flags"]).value == "szacunkowa"
    assert sorted(_import(content=fresh)["unchanged"]) == sorted(subs)


def test_empty_rows_are_skipped_and_a_dry_run_stores_nothing(app, year_open):
    content, _ = _fill(_download(app), {SINGLE_CODE: {"value": 12}})
    report = _import(content=content, dry_run=True)
    assert (report["rows"], report["errors"], report["imported"]) == (1, [], False)
    assert _submissions() == {}
    assert _import(content=content)["created"] == [SINGLE_CODE]


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_stored(app, year_open):
    content, rows = _fill(_download(app), {
        SHARE_CODE: {"numerator": "dużo", "denominator": 1000},
        PER_100K_CODE: {"numerator": 250, "denominator": 0},
        SINGLE_CODE: {"value": 12},  # a good row: not stored either
    }, extra_rows=[{"key": OTHER_DEPARTMENT_CODE, "code": OTHER_DEPARTMENT_CODE, "numerator": 1, "denominator": 2},
                   {"key": "ISO37120:2014:99.9", "code": "ISO37120:2014:99.9", "value": 3}])
    report = _import(content=content)
    found = {(e["row"], e["column"]) for e in report["errors"]}
    other_row, unknown_row = max(rows.values()) + 1, max(rows.values()) + 2
    assert found == {
        (str(rows[SHARE_CODE]), "Licznik [numerator]"),
        (str(rows[PER_100K_CODE]), "Mianownik [denominator]"),
        (str(other_row), "Kod wskaźnika [code]"),
        (str(unknown_row), "Kod wskaźnika [code]"),
    }
    messages = {e["row"]: e["message"] for e in report["errors"]}
    assert "dużo" in messages[str(rows[SHARE_CODE])]
    assert OTHER_DEPARTMENT_CODE in messages[str(other_row)]
    assert report["imported"] is False and report["created"] == []
    assert _submissions() == {}
    # a numerator without its denominator
    half, rows = _fill(_download(app), {SHARE_CODE: {"numerator": 10}})
    [problem] = _import(content=half)["errors"]
    assert (problem["row"], problem["column"]) == (str(rows[SHARE_CODE]), "Mianownik [denominator]")
    assert _submissions() == {}


def test_errors_in_english_on_an_english_page(app, year_open):
    content, rows = _fill(_download(app), {SHARE_CODE: {"numerator": "dużo", "denominator": 10}})
    response = app.post(f"/en{PAGE}", data={"department": ENV, "upload": (io.BytesIO(content), "a.xlsx")},
                        headers=_headers("steward-env"))
    cells = [td.get_text(strip=True) for td in _soup(response).select("#ua-questionnaire-errors tbody td")]
    assert cells[:2] == [str(rows[SHARE_CODE]), "Licznik [numerator]"]
    assert cells[3] == "Not a number: dużo"
    polish = app.post(PAGE, data={"department": ENV, "upload": (io.BytesIO(content), "a.xlsx")},
                      headers=_headers("steward-env"))
    assert _soup(polish).select("#ua-questionnaire-errors tbody td")[3].get_text(strip=True) == "To nie liczba: dużo"


def test_csv_is_read_too(app, year_open):
    csv_text = ("Kod wskaźnika [code];Licznik [numerator];Mianownik [denominator];Wartość [value]\n"
                f"{SHARE_CODE};1 234,5;10 000;\n{SINGLE_CODE};;;9,5\n")
    report = _import(content=csv_text.encode("cp1250"), filename="ankieta.csv")
    assert report["imported"], report["errors"]
    subs = _submissions()
    assert subs[SHARE_CODE]["value"] == pytest.approx(12.345)  # 1234.5 / 10000 x 100
    assert subs[SINGLE_CODE]["value"] == pytest.approx(9.5)


# ---------------------------------------------------------------------------------------------- warnings

def test_a_change_beyond_the_threshold_needs_acknowledgement(app, year_open):
    _sysadmin_upsert([_v("kielce", SINGLE_CODE, "2023", 20.0, source="gios")])
    content, rows = _fill(_download(app), {SINGLE_CODE: {"value": 32}})  # +60 % against 2023
    refused = _import(content=content)
    assert refused["needs_acknowledgement"] and not refused["imported"] and refused["errors"] == []
    [warning] = refused["warnings"]
    assert (warning["row"], warning["code"], warning["indicator_code"]) == (str(rows[SINGLE_CODE]), "change",
                                                                            SINGLE_CODE)
    assert "60" in warning["message"] and "2023" in warning["message"]
    assert _submissions() == {}
    # the page lists it and says nothing was saved
    page = _soup(app.post(PAGE, data={"department": ENV, "upload": (io.BytesIO(content), "a.xlsx")},
                          headers=_headers("steward-env")))
    assert "60" in page.select_one("#ua-questionnaire-warnings tbody").get_text()
    assert _submissions() == {}
    # ticked "I have checked the warnings": stored, with the warning kept for the analyst
    page = app.post(PAGE, data={"department": ENV, "acknowledge_warnings": "on",
                                "upload": (io.BytesIO(content), "a.xlsx")}, headers=_headers("steward-env"))
    assert "alert-success" in _soup(page).select_one("#ua-questionnaire-result")["class"]
    sub = _submissions()[SINGLE_CODE]
    assert sub["value"] == 32 and sub["acknowledged"] is True
    assert [w["code"] for w in sub["warnings"]] == ["change"]


def test_a_percentage_above_100_and_a_numerator_above_its_denominator_are_warned(app, year_open):
    content, rows = _fill(_download(app), {SHARE_CODE: {"numerator": 120, "denominator": 100}})
    report = _import(content=content)
    assert {w["code"] for w in report["warnings"]} == {"percent_range", "share"}
    assert {w["row"] for w in report["warnings"]} == {str(rows[SHARE_CODE])}
    assert _submissions() == {}
    assert _import(content=content, acknowledge_warnings=True)["created"] == [SHARE_CODE]
    assert _submissions()[SHARE_CODE]["value"] == pytest.approx(120)


# ------------------------------------------------------------------------------------------------- access

def test_an_editor_of_another_department_may_not_upload_or_download_for_this_one(app, year_open):
    content, _ = _fill(_download(app), {SINGLE_CODE: {"value": 12}})
    response = app.post("/api/3/action/urbanaudit_questionnaire_import", headers=_headers("steward-edu"),
                        data={"city": "kielce", "year": str(YEAR), "department": ENV,
                              "upload": (io.BytesIO(content), "ankieta.xlsx")})
    assert response.status_code == 403
    assert app.get(XLSX, headers=_headers("steward-edu")).status_code == 403
    # the education department answers for nothing this year: no questionnaire page either
    assert app.get(PAGE, headers=_headers("steward-edu")).status_code == 403
    assert _submissions() == {}
    # the analysts may fill in any department's questionnaire
    assert _import(user="analityk2", content=content)["created"] == [SINGLE_CODE]


def test_the_steward_picks_among_their_departments_and_analysts_see_all(app, year_open):
    steward = _soup(app.get(PAGE, headers=_headers("steward-env")))
    assert [o["value"] for o in steward.select("#field-department option")] == [ENV]
    assert app.get(f"{PAGE}?department=um-kielce", headers=_headers("steward-env")).status_code == 403
    codes = {tr["data-code"] for tr in steward.select("#ua-questionnaire-indicators tbody tr")}
    assert codes == {SHARE_CODE, SINGLE_CODE, PER_100K_CODE}
    analyst = _soup(app.get(PAGE, headers=_headers("analityk1")))
    assert {o["value"] for o in analyst.select("#field-department option")} == {ENV, "um-kielce"}


def test_anonymous_gets_no_questionnaire(app, year_open):
    for path in (PAGE, XLSX, f"/audit/kielce/{YEAR}/value/{SINGLE_CODE}"):
        response = app.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert "/user/login" in response.headers["Location"]
    content, _ = _fill(_download(app), {SINGLE_CODE: {"value": 12}})
    api = app.post("/api/3/action/urbanaudit_questionnaire_import",
                   data={"city": "kielce", "year": str(YEAR), "department": ENV,
                         "upload": (io.BytesIO(content), "ankieta.xlsx")})
    assert api.status_code == 403
    assert _submissions() == {}


def test_a_year_not_open_has_no_questionnaire(app, audit_world):
    assert app.get(PAGE, headers=_headers("steward-env")).status_code == 404
    with pytest.raises(tk.ObjectNotFound, match="2024 of this city is not open"):
        _import(content=b"x")


# ----------------------------------------------------------------------------------------------- the form

def test_the_web_form_submits_one_value_and_shows_the_review_comment(app, year_open):
    path = f"/audit/kielce/{YEAR}/value/{PER_100K_CODE}"
    form = _soup(app.get(path, headers=_headers("steward-env")))
    labels = " ".join(label.get_text() for label in form.select("#ua-value-form label"))
    assert "Liczba strażaków" in labels and "Liczba mieszkańców" in labels
    assert form.select_one("#field-numerator") and not form.select_one("#field-value")
    response = app.post(path, data={"numerator": "250", "denominator": "196000", "unit": "na 100 000 mieszkańców",
                                    "flags": "provisional", "comment": "KM PSP"},
                        headers=_headers("steward-env"), follow_redirects=False)
    assert response.status_code == 302
    sub = _submissions()[PER_100K_CODE]
    assert sub["value"] == pytest.approx(127.5510204) and sub["flags"] == ["provisional"]
    assert sub["status"] == "submitted" and sub["comment"] == "KM PSP"
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="return",
                        comment="Mianownik z 30.06.")
    shown = _soup(app.get(path, headers=_headers("steward-env")))
    assert shown.select_one("[data-status]")["data-status"] == "returned"
    assert "Mianownik z 30.06." in shown.select_one("#ua-review-comment").get_text()
    assert shown.select_one("#field-denominator")["value"] == "196000"


def test_the_web_form_shows_warnings_to_acknowledge(app, year_open):
    _sysadmin_upsert([_v("kielce", SINGLE_CODE, "2023", 20.0, source="gios")])
    path = f"/audit/kielce/{YEAR}/value/{SINGLE_CODE}"
    page = _soup(app.get(path, headers=_headers("steward-env")))
    assert [td.get_text() for td in page.select("#ua-value-published tbody td")] == ["2023", "20.0"]
    refused = _soup(app.post(path, data={"value": "32"}, headers=_headers("steward-env")))
    assert "60" in refused.select_one("#ua-value-warnings").get_text()
    assert refused.select_one("#field-acknowledge") is not None
    assert _submissions() == {}
    accepted = app.post(path, data={"value": "32", "acknowledge_warnings": "on"}, headers=_headers("steward-env"),
                        follow_redirects=False)
    assert accepted.status_code == 302
    assert _submissions()[SINGLE_CODE]["acknowledged"] is True


def test_the_web_form_is_refused_to_other_departments(app, year_open):
    path = f"/audit/kielce/{YEAR}/value/{SINGLE_CODE}"
    assert app.get(path, headers=_headers("steward-edu")).status_code == 403
    assert app.post(path, data={"value": "1"}, headers=_headers("steward-edu")).status_code == 403
    assert _submissions() == {}




@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_the_forms_refuse_a_post_without_the_csrf_token(app, year_open):
    user = model.User.get("steward-env")
    user.password = "srodowisko-2026-correct"
    model.Session.commit()
    client = login_client(app, "steward-env", "srodowisko-2026-correct")
    path = f"/audit/kielce/{YEAR}/value/{SINGLE_CODE}"
    page = _soup(client.get(path))
    token = page.select_one(f"#ua-value-form input[name={CSRF_FIELD}]")["value"]
    assert _soup(client.get(PAGE)).select_one(f"#ua-questionnaire-upload input[name={CSRF_FIELD}]") is not None
    forged = client.post(path, data={"value": "12"})
    assert forged.status_code in (400, 403)
    assert _submissions() == {}
    accepted = client.post(path, data={"value": "12", CSRF_FIELD: token})
    assert accepted.status_code in (200, 302)
    assert _submissions()[SINGLE_CODE]["value"] == 12


# ------------------------------------------------------------------------------------------------------ CLI

def test_cli_exports_and_imports_a_department_questionnaire(cli, year_open, tmp_path):
    out = tmp_path / "ankieta.xlsx"
    result = cli.invoke(audit_cli, ["questionnaire-export", "--city", "kielce", "--year", str(YEAR),
                                    "--department", ENV, "--out", str(out)])
    assert result.exit_code == 0, result.output
    content, _ = _fill(out.read_bytes(), {PER_100K_CODE: {"numerator": 250, "denominator": 0}})
    out.write_bytes(content)
    args = ["questionnaire-import", "--city", "kielce", "--year", str(YEAR), "--department", ENV,
            "--user", "steward-env", str(out)]
    bad = cli.invoke(audit_cli, args)
    assert bad.exit_code == 1 and "Mianownik [denominator]" in bad.output
    assert _submissions() == {}
    content, _ = _fill(out.read_bytes(), {PER_100K_CODE: {"numerator": 250, "denominator": 196000}})
    out.write_bytes(content)
    dry = cli.invoke(audit_cli, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "nothing stored (dry run)" in dry.output
    assert _submissions() == {}
    good = cli.invoke(audit_cli, args)
    assert good.exit_code == 0, good.output
    assert "created 1" in good.output
    assert _submissions()[PER_100K_CODE]["value"] == pytest.approx(127.5510204)
    refused = cli.invoke(audit_cli, [*args[:-2], "--user", "steward-edu", str(out)])
    assert refused.exit_code != 0


def test_a_workbook_without_the_questionnaire_header_is_refused(year_open):
    book = Workbook()
    book.active.append(["Tytuł", "Coś"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(tk.ValidationError, match="cannot be read"):
        _import(content=buffer.getvalue())


def test_the_pages_speak_polish_and_english(app, year_open):
    polish = _soup(app.get(PAGE, headers=_headers("steward-env"))).get_text(" ")
    assert "Ankieta wydziału 2024 – Kielce" in polish and "Pobierz ankietę" in polish
    assert "Department questionnaire" not in polish and "Filled questionnaire" not in polish
    english = _soup(app.get(f"/en{PAGE}", headers=_headers("steward-env"))).get_text(" ")
    assert "Department questionnaire 2024 – Kielce" in english and "Ankieta wydziału" not in english
    form = _soup(app.get(f"/audit/kielce/{YEAR}/value/{SHARE_CODE}", headers=_headers("steward-env")))
    text = form.get_text(" ")
    assert "Przekaż do weryfikacji" in text and "Licznik: Liczba osób bezrobotnych" in text
    assert "Submit for review" not in text and "Published values" not in text
    english = _soup(app.get(f"/en/audit/kielce/{YEAR}/value/{SHARE_CODE}", headers=_headers("steward-env")))
    assert "Numerator: Number of unemployed persons" in english.get_text(" ")
