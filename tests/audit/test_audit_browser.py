"""The yearly audit in headless Chromium, as the people who run it: a department's steward downloads the
questionnaire, fills it (openpyxl) and uploads it; an analyst returns one value with a comment; the steward
corrects it in the value form; the analyst approves. The value then appears on the indicator page and in the
ISO 37120 report, and until then an anonymous visitor sees it nowhere: pages, API, CSV, DCAT."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
import requests
from ckan.tests import helpers
from selenium.webdriver.common.by import By

from tests.audit.conftest import PASSWORD, PER_100K_CODE, SHARE_CODE, SINGLE_CODE
from tests.browser_support import console_errors, login, open_page, page_change, screenshot

YEAR = 2024
CORRECTED = 512  # firefighters, the steward's correction
DRAFT = f"{250 / 196000 * 100000:.4g}"  # the first, returned figure per 100 000




def session_of(page) -> requests.Session:
    session = requests.Session()
    for cookie in page.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


def fill(content: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    columns = {str(c.value).rsplit("[", 1)[-1].rstrip("]"): c.column for c in sheet[1] if c.value}
    answers = {SHARE_CODE: {"numerator": 7300, "denominator": 100000},
               SINGLE_CODE: {"value": 17.5},
               PER_100K_CODE: {"numerator": 250, "denominator": 196000}}
    for row in sheet.iter_rows(min_row=2):
        code = row[columns["code"] - 1].value
        for key, value in answers.get(code, {}).items():
            sheet.cell(row=row[0].row, column=columns[key], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def anonymous_sees_no_value(server, code):
    answer = requests.get(f"{server}/api/3/action/urbanaudit_indicator_values",
                          params={"indicator_code": code, "city": "kielce"}, timeout=30).json()
    assert answer["success"] and answer["result"] == []
    csv_text = requests.get(f"{server}/indicator/{code}", params={"city": "kielce", "format": "csv"}, timeout=30).text
    assert ",2024," not in csv_text
    report = requests.get(f"{server}/api/3/action/urbanaudit_iso37120_report", params={"city": "kielce",
                                                                                       "year": YEAR}, timeout=30).json()
    row = next(r for r in report["result"]["indicators"] if r["code"] == code)
    assert row["value"] is None
    # the DCAT catalogue (and its indicator records) carries no draft figure either
    catalog = requests.get(f"{server}/catalog.ttl", timeout=60)
    assert catalog.status_code == 200 and DRAFT not in catalog.text


@pytest.mark.usefixtures("with_plugins")
def test_questionnaire_return_correct_approve_in_the_browser(server, page, audit_world):
    helpers.call_action("urbanaudit_campaign_open", {"user": "analityk1"}, city="kielce", year=YEAR)

    # the steward downloads the department's questionnaire, fills it and uploads it
    login(page, server, "steward-env", PASSWORD)
    open_page(page, f"{server}/audit/kielce/{YEAR}/questionnaire?department=kielce-wydzial-srodowiska",
              "audit-1-questionnaire", "#ua-questionnaire-upload")
    href = page.find_element(By.ID, "ua-questionnaire-download").get_attribute("href")
    download = session_of(page).get(href, timeout=30)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ankieta.xlsx"
        path.write_bytes(fill(download.content))
        page.find_element(By.ID, "field-upload").send_keys(str(path))
        with page_change(page):
            page.find_element(By.CSS_SELECTOR, "#ua-questionnaire-upload button[type=submit]").click()
    screenshot(page, "audit-2-uploaded")
    subs = {s["indicator_code"]: s for s in helpers.call_action("urbanaudit_submission_list", {"user": "analityk1"},
                                                                 city="kielce")}
    assert set(subs) == {SHARE_CODE, SINGLE_CODE, PER_100K_CODE}
    assert subs[SHARE_CODE]["value"] == pytest.approx(7.3)
    anonymous_sees_no_value(server, PER_100K_CODE)

    # the analyst returns the firefighters with a comment
    login(page, server, "analityk1", PASSWORD)
    open_page(page, f"{server}/audit/kielce/{YEAR}/review", "audit-3-review", "form.ua-return")
    sub_id = subs[PER_100K_CODE]["id"]
    page.find_element(By.ID, f"ua-comment-{sub_id}").send_keys("Stan zatrudnienia na 31.12 to 512 osób.")
    with page_change(page):
        page.find_element(By.ID, f"ua-comment-{sub_id}").find_element(
            By.XPATH, "./ancestor::form//button[@type='submit']").click()
    screenshot(page, "audit-4-returned")

    # the steward sees the comment in the value form and corrects the numerator
    login(page, server, "steward-env", PASSWORD)
    open_page(page, f"{server}/audit/kielce/{YEAR}/value/{PER_100K_CODE}", "audit-5-form", "#ua-value-form")
    assert "Stan zatrudnienia na 31.12 to 512 osób." in page.page_source
    numerator = page.find_element(By.ID, "field-numerator")
    numerator.clear()
    numerator.send_keys(str(CORRECTED))
    with page_change(page):
        page.find_element(By.CSS_SELECTOR, "#ua-value-form button[type=submit]").click()
    screenshot(page, "audit-6-corrected")
    anonymous_sees_no_value(server, PER_100K_CODE)

    # the analyst approves every waiting value
    login(page, server, "analityk1", PASSWORD)
    for _ in range(3):
        open_page(page, f"{server}/audit/kielce/{YEAR}/review", "audit-7-review")
        buttons = page.find_elements(By.CSS_SELECTOR, "form.ua-approve button[type=submit]")
        if not buttons:
            break
        with page_change(page):
            buttons[0].click()
    assert {s["status"] for s in helpers.call_action("urbanaudit_submission_list", {"user": "analityk1"},
                                                     city="kielce")} == {"approved"}

    # public now: the indicator page and the report, for an anonymous visitor
    page.delete_all_cookies()
    expected = f"{CORRECTED / 196000 * 100000:.4g}"
    open_page(page, f"{server}/indicator/{PER_100K_CODE}?city=kielce", "audit-8-indicator")
    assert expected in page.page_source.replace("\u00a0", " ")
    open_page(page, f"{server}/city/2661011/iso37120/{YEAR}", "audit-9-report")
    assert expected in page.page_source.replace("\u00a0", " ")
    # (the test factories give accounts and departments picture addresses on the internet, unresolvable here)
    assert [e for e in console_errors(page) if "ERR_NAME_NOT_RESOLVED" not in e] == []
