"""Data requests in headless Chromium: a resident files a request through the form, the analytic team answers it
with a published data set on the request's page, and the resident sees the answer; axe-core on the list, the form
and a request's page, in Polish and English."""
from __future__ import annotations

from ckan.tests import helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser_support import axe_violations, console_errors, describe, login, open_page, page_change, screenshot
from tests.requests.conftest import PASSWORD, PUBLIC

TITLE = "Liczba drzew w pasach drogowych Śródmieścia"




def test_a_resident_asks_the_team_answers_and_the_resident_sees_the_answer(server, page, requests_world):
    login(page, server, "mieszkanka", PASSWORD)
    open_page(page, f"{server}/prosby-o-dane", "requests-1-list")
    with page_change(page):
        page.find_element(By.ID, "ua-request-new").click()
    page.find_element(By.ID, "ua-field-title").send_keys(TITLE)
    page.find_element(By.ID, "ua-field-purpose").send_keys("Do projektu szkolnego o zieleni w mieście.")
    Select(page.find_element(By.ID, "ua-field-theme")).select_by_value("8")
    page.find_element(By.ID, "ua-field-email").send_keys("uczennica@example.org")
    screenshot(page, "requests-2-form")
    with page_change(page):
        page.find_element(By.ID, "ua-request-submit").click()
    assert page.find_element(By.TAG_NAME, "h1").text == TITLE
    assert page.find_element(By.ID, "ua-request-status").get_attribute("data-status") == "new"
    request_url = page.current_url
    screenshot(page, "requests-3-filed")

    login(page, server, "analityk", PASSWORD)
    open_page(page, request_url, "requests-4-team", "#ua-moderation-form")
    assert page.find_element(By.ID, "ua-request-email").text == "uczennica@example.org"
    Select(page.find_element(By.ID, "ua-mod-status")).select_by_value("answered")
    page.find_element(By.ID, "ua-mod-dataset").send_keys(PUBLIC)
    page.find_element(By.ID, "ua-mod-comment").send_keys("Rejestr obejmuje pasy drogowe.")
    with page_change(page):
        page.find_element(By.ID, "ua-mod-submit").click()
    assert page.find_element(By.ID, "ua-request-status").get_attribute("data-status") == "answered"

    login(page, server, "mieszkanka", PASSWORD)
    open_page(page, request_url, "requests-5-answer", "#ua-request-answer")
    link = page.find_element(By.CSS_SELECTOR, "#ua-request-answer a")
    assert link.get_attribute("href").endswith(f"/dataset/{PUBLIC}")
    assert page.find_elements(By.ID, "ua-moderation-form") == []
    assert "Rejestr obejmuje pasy drogowe." not in page.page_source  # the team's comment stays with the team
    rows = page.find_elements(By.CSS_SELECTOR, "#ua-request-history tbody tr")
    assert [r.get_attribute("data-action") for r in rows] == ["created", "status"]
    # CKAN's test factories give users and organizations images on outside hosts, unreachable here
    assert not [e for e in console_errors(page) if "ERR_NAME_NOT_RESOLVED" not in e]
    with page_change(page):
        link.click()
    assert f"/dataset/{PUBLIC}" in page.current_url


def test_the_request_pages_have_no_serious_or_critical_wcag_violations(server, page, requests_world):
    filed = helpers.call_action("urbanaudit_data_request_create", {"user": "mieszkanka"}, title=TITLE,
                                purpose="Do projektu szkolnego.", theme="8")
    helpers.call_action("urbanaudit_data_request_update", {"user": "analityk"}, id=filed["id"], status="refused",
                        refusal_reason="not_held")
    login(page, server, "mieszkanka", PASSWORD)
    failures = []
    for prefix in ("", "/en"):
        for path, name in ((f"{prefix}/prosby-o-dane", "list"), (f"{prefix}/prosby-o-dane/nowa", "form"),
                           (f"{prefix}/prosby-o-dane/{filed['id']}", "read")):
            open_page(page, server + path, f"a11y-requests-{prefix.strip('/') or 'pl'}-{name}")
            found = axe_violations(page)
            if found:
                failures.append(describe(path, found))
    login(page, server, "analityk", PASSWORD)  # the team's view, with the moderation form
    for prefix in ("", "/en"):
        path = f"{prefix}/prosby-o-dane/{filed['id']}"
        open_page(page, server + path, f"a11y-requests-{prefix.strip('/') or 'pl'}-team", "#ua-moderation-form")
        found = axe_violations(page)
        if found:
            failures.append(describe(path, found))
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)
