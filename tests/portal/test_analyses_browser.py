"""Issue 18 "done when": a researcher (an editor of a university's organization) registers, through the form in
headless Chromium, an analysis that uses two data sets and an indicator, and it appears on the researchers' page
and on the pages of what it uses; axe-core finds no serious or critical violation on /dla-badaczy and on an
analysis page, in Polish and English."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from ckanext.urbanaudit.indicators.catalogue import catalogue
from tests.browser_support import axe_violations, describe, open_page, page_change, screenshot

NOISE = "ISO37120:2014:8.7"
PASSWORD = "badaczka-haslo-123"


@pytest.fixture
def catalogue_data(cities):
    factories.User(name="badaczka", password=PASSWORD)
    university = factories.Organization(name="uczelnia-testowa", title="Uczelnia Testowa",
                                        users=[{"name": "badaczka", "capacity": "editor"}])
    admin = factories.Sysadmin()
    made = {}
    for name, title in (("rejestr-drzew", "Rejestr drzew"), ("pomiary-halasu", "Pomiary hałasu"),
                        ("przystanki", "Przystanki komunikacji")):
        made[name] = helpers.call_action("package_create", {"user": admin["name"]}, name=name, title=title,
                                         notes=f"{title}.", owner_org=cities["env"]["id"], license_id="cc-by")
    return {"university": university, **made}


def test_a_researcher_registers_an_analysis_using_two_data_sets_and_an_indicator(server, page, catalogue_data):
    open_page(page, f"{server}/user/login", "analysis-0-login")
    page.find_element(By.ID, "field-login").send_keys("badaczka")
    with page_change(page):
        page.find_element(By.ID, "field-password").send_keys(PASSWORD, Keys.ENTER)

    open_page(page, f"{server}/dla-badaczy", "analysis-1-researchers-empty")
    with page_change(page):
        page.find_element(By.LINK_TEXT, "Zgłoś analizę").click()
    assert page.current_url.endswith("/analysis/new"), page.current_url
    page.find_element(By.ID, "field-title").send_keys("Hałas drogowy a zieleń miejska")
    Select(page.find_element(By.ID, "field-analysis_kind")).select_by_value("joint_project")
    page.find_element(By.CSS_SELECTOR, "input[name=authors]").send_keys("Ewa Badaczka")
    page.find_element(By.ID, "field-institution").send_keys("Uczelnia Testowa")
    page.find_element(By.ID, "field-notes").send_keys("Czy szpalery drzew obniżają hałas drogowy.")
    datasets = Select(page.find_element(By.ID, "field-uses_datasets"))
    datasets.select_by_visible_text("Rejestr drzew")
    datasets.select_by_visible_text("Pomiary hałasu")
    Select(page.find_element(By.ID, "field-uses_indicators")).select_by_value(NOISE)
    Select(page.find_element(By.ID, "field-private")).select_by_value("False")  # public: listed and "used in"
    screenshot(page, "analysis-2-form")
    with page_change(page):
        page.find_element(By.CSS_SELECTOR, "button[name=save]").click()
    assert "/resource/new" in page.current_url, page.current_url

    page.find_element(By.ID, "resource-link-button").click()
    page.find_element(By.ID, "field-resource-url").send_keys("https://uczelnia.example.com/halas.pdf")
    page.find_element(By.ID, "field-name").send_keys("Artykuł (PDF)")
    screenshot(page, "analysis-3-publication")
    with page_change(page):
        page.find_element(By.CSS_SELECTOR, "button[name=save][value=go-metadata]").click()

    name = page.current_url.rstrip("/").rsplit("/", 1)[-1]
    record = helpers.call_action("package_show", id=name)
    assert record["type"] == "analysis" and record["state"] == "active"
    assert record["organization"]["name"] == "uczelnia-testowa" and record["private"] is False
    assert record["uses_datasets"] == [catalogue_data["pomiary-halasu"]["id"], catalogue_data["rejestr-drzew"]["id"]] \
        or record["uses_datasets"] == [catalogue_data["rejestr-drzew"]["id"], catalogue_data["pomiary-halasu"]["id"]]
    assert record["uses_indicators"] == [NOISE]
    screenshot(page, "analysis-4-page")
    body = page.find_element(By.TAG_NAME, "body").text
    assert "Rejestr drzew" in body and "Pomiary hałasu" in body and NOISE in body, (page.current_url, body)

    # it appears on the researchers' page and on the pages of the data sets and indicator it uses
    open_page(page, f"{server}/dla-badaczy", "analysis-5-researchers")
    assert "Hałas drogowy a zieleń miejska" in page.find_element(By.ID, "ua-analyses").text
    for path in ("/dataset/rejestr-drzew", "/dataset/pomiary-halasu", f"/indicator/{catalogue().get(NOISE).slug}"):
        open_page(page, server + path, "analysis-6-used-in", "#ua-used-in")
        assert "Hałas drogowy a zieleń miejska" in page.find_element(By.ID, "ua-used-in").text, path
    open_page(page, f"{server}/dataset/przystanki", "analysis-7-unused")
    assert not page.find_elements(By.ID, "ua-used-in")


def test_the_researchers_page_and_an_analysis_page_have_no_serious_wcag_violations(server, page, catalogue_data):
    helpers.call_action("package_create", {"user": "badaczka", "ignore_auth": False}, type="analysis",
                        name="halas-i-zielen", title="Hałas drogowy a zieleń miejska", analysis_kind="paper",
                        authors=["Ewa Badaczka"], notes="Artykuł.", owner_org=catalogue_data["university"]["id"],
                        uses_datasets=["rejestr-drzew", "pomiary-halasu"], uses_indicators=[NOISE],
                        resources=[{"url": "https://uczelnia.example.com/halas.pdf", "name": "Artykuł"}])
    failures = []
    for path, name in (("/dla-badaczy", "a11y-researchers-analyses"), ("/analysis/halas-i-zielen", "a11y-analysis"),
                       ("/en/dla-badaczy", "a11y-en-researchers-analyses"),
                       ("/en/analysis/halas-i-zielen", "a11y-en-analysis")):
        open_page(page, server + path, name)
        found = axe_violations(page)
        if found:
            failures.append(describe(path, found))
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)
