"""WCAG 2.1 AA, the standard Polish public-sector sites are held to: axe-core (pinned npm package, see
tests/browser/) run in headless Chromium on the portal's pages in Polish and English must report no violation
of impact serious or critical. Screenshots of the checked pages go to tests/screenshots/."""
from __future__ import annotations

from tests.browser_support import axe_violations, describe, open_page
from tests.inventory_records import EU

PM10 = "iso37120-2018-8-2"

# (path, screenshot name, CSS selector of the element that shows the page is drawn)
POLISH_PAGES = [
    ("/", "a11y-home", "footer"),
    ("/dataset/?vocab_theme=" + EU + "data-theme/ENVI", "a11y-search-filtered", ".dataset-list"),
    ("/dataset/rejestr-drzew", "a11y-dataset-extent", "#dataset-map-container .leaflet-tile-pane"),
    ("/indicator", "a11y-indicators", "footer"),
    (f"/indicator/{PM10}?city=kielce", "a11y-indicator-pm10", "#ua-ranking-chart[data-drawn]"),
    ("/city/2661011", "a11y-city", "footer"),
    ("/gaps", "a11y-gaps", "footer"),
    ("/quality", "a11y-quality", "footer"),
    ("/quality/kielce-wydzial-srodowiska", "a11y-quality-department", "footer"),
    ("/inventory/", "a11y-inventory", "footer"),
    ("/dla-badaczy", "a11y-researchers", "footer"),
]
ENGLISH_PAGES = [
    ("/en/", "a11y-en-home", "footer"),
    (f"/en/indicator/{PM10}?city=kielce", "a11y-en-indicator-pm10", "#ua-ranking-chart[data-drawn]"),
    ("/en/dataset/rejestr-drzew", "a11y-en-dataset-extent", "footer"),
]


def _check(browser, server, pages) -> list[str]:
    failures = []
    for path, name, ready in pages:
        open_page(browser, server + path, name, ready)
        found = axe_violations(browser)
        if found:
            failures.append(describe(path, found))
    return failures


def test_polish_pages_have_no_serious_or_critical_wcag_violations(server, page, portal):
    failures = _check(page, server, POLISH_PAGES)
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)


def test_english_pages_have_no_serious_or_critical_wcag_violations(server, page, portal):
    failures = _check(page, server, ENGLISH_PAGES)
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)
