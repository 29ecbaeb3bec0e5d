"""Main flows of an anonymous visitor in headless Chromium: search by map (the spatial search widget of
ckanext-spatial) and by facet, open an indicator page and download its CSV, switch the language from Polish to
English with CKAN's language selector and back. Screenshots go to tests/screenshots/."""
from __future__ import annotations

import csv
import io

import requests
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser_support import console_errors, open_page, page_change, screenshot

TREES, BUSES = "Rejestr drzew na terenach miejskich", "Rozkład jazdy komunikacji miejskiej"
TILES = "#dataset-map-container img.leaflet-tile"


def titles(driver) -> list[str]:
    return sorted(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".dataset-list .dataset-heading a"))


def test_a_visitor_searches_by_map_and_facet_and_downloads_an_indicator_csv(server, page, portal):
    open_page(page, f"{server}/dataset/", "flow-search", "#dataset-map-container")
    assert titles(page) == sorted([TREES, BUSES])

    # map search: the widget's bounding box over Kielce (drawing needs map tiles from the internet, so the test
    # follows the URL the widget's "Apply" builds: ext_bbox=minx,miny,maxx,maxy); its "Clear" link removes it
    open_page(page, f"{server}/dataset/?ext_bbox=20.5,50.78,20.75,50.93", "flow-search-map", "#dataset-map-container")
    assert titles(page) == [TREES]
    with page_change(page):
        page.find_element(By.CSS_SELECTOR, "#dataset-map .action").click()
    assert titles(page) == sorted([TREES, BUSES]) and "ext_bbox" not in page.current_url

    # facet: a theme of the EU vocabulary, by its Polish label
    with page_change(page):
        page.find_element(By.XPATH,
                          "//section[contains(@class,'module')]//a[starts-with(normalize-space(.),'Transport')]").click()
    screenshot(page, "flow-search-facet")
    assert titles(page) == [BUSES] and "vocab_theme=" in page.current_url

    # an indicator page and its CSV
    open_page(page, f"{server}/indicator/iso37120-2018-8-2?city=kielce", "flow-indicator",
              "#ua-ranking-chart[data-drawn]")
    link = page.find_element(By.LINK_TEXT, "Pobierz CSV")
    response = requests.get(link.get_attribute("href"), timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows, response.text[:500]
    assert {"city", "period", "value"} <= set(rows[0]), list(rows[0])
    kielce = {r["period"]: r["value"] for r in rows if r["city"] in ("Kielce", "2661011", "kielce")}
    assert kielce.get("2024", "").startswith("25"), rows
    assert console_errors(page) == []


def test_switching_the_language_with_the_selector_and_back(server, page, portal):
    open_page(page, f"{server}/", "flow-lang-pl")
    assert "Szukaj w danych miasta" in page.page_source

    def switch(to: str) -> None:
        box = page.find_element(By.CSS_SELECTOR, ".lang-container .select2-choice, .lang-container")
        # the box sits in the footer: bring it to the middle of the window first, or another element of the
        # page lies over the point the click aims at ("element click intercepted")
        # (the layout may still move while late parts of the page load, so scroll and try again until the
        # click lands on the box itself)
        def click_box(driver) -> bool:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
            if not (box.is_displayed() and box.is_enabled()):
                return False
            try:
                box.click()  # CKAN's select2 language box
            except ElementClickInterceptedException:
                return False
            return True

        WebDriverWait(page, 10, poll_frequency=0.3).until(click_box)
        search = page.switch_to.active_element
        search.send_keys(to)
        WebDriverWait(page, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".lang-dropdown .select2-highlighted"))
        with page_change(page):
            search.send_keys(Keys.ENTER)  # the select-switch module submits the form on change

    switch("English")
    WebDriverWait(page, 20).until(lambda d: "/en/" in d.current_url or d.current_url.endswith("/en"))
    screenshot(page, "flow-lang-en")
    assert "Search the data of the city" in page.page_source and "Latest data sets" in page.page_source
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"

    switch("polski")
    WebDriverWait(page, 20).until(lambda d: "/en" not in d.current_url)
    screenshot(page, "flow-lang-pl-again")
    assert "Szukaj w danych miasta" in page.page_source
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pl"


def test_item_22_the_map_widgets_are_drawn_without_the_no_map_provider_notice(server, page, portal):
    """No base map is configured in the tests (as in the offline demo): the search page's location filter and the
    dataset page's extent map are drawn by Leaflet all the same, without tiles from the internet and without
    ckanext-spatial's "No map provider set" notice."""
    for url, name in ((f"{server}/dataset/", "map-search"), (f"{server}/dataset/rejestr-drzew", "map-dataset")):
        open_page(page, url, name, "#dataset-map-container.leaflet-container")
        WebDriverWait(page, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, TILES))
        assert page.find_elements(By.CSS_SELECTOR, ".leaflet-control-no-provider") == [], url
        assert "No map provider set" not in page.find_element(By.TAG_NAME, "body").text, url
        tiles = page.find_elements(By.CSS_SELECTOR, TILES)
        sources = {t.get_attribute("src")[:15] for t in tiles}
        assert sources == {"data:image/gif;"}, sources  # blank tiles, nothing fetched
    # (the test factories give the organization an image on an outside site, out of reach here)
    assert [e for e in console_errors(page) if e.startswith(server) or "Failed to load resource" not in e] == []
