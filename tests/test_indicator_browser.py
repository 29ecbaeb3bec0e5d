"""The indicator pages in a real browser: headless Chromium (Debian's chromium + chromedriver) against the CKAN
app served over HTTP on 127.0.0.1. Charts must be drawn, the map must show the cities, the browser console must
stay free of errors, and the pages must fit a phone's width. Screenshots go to tests/screenshots/."""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from ckan.tests import factories, helpers
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from ckanext.urbanaudit import indicator_compute
from tests.test_indicators import E, _pm10_values, _v, cities, kielce_population  # noqa: F401

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PAINTED = """
const c = document.getElementById(arguments[0]);
if (!c || !c.getAttribute('data-drawn')) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;
"""


@pytest.fixture
def server(app, monkeypatch):
    """The test app's WSGI application served by werkzeug in a thread (its site URL is the server's)."""
    import ckan.plugins.toolkit as tk

    httpd = make_server("127.0.0.1", 0, app.app, threaded=True)
    url = f"http://127.0.0.1:{httpd.server_port}"
    monkeypatch.setitem(tk.config, "ckan.site_url", url)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        httpd.shutdown()


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="ua-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1280,1600", "--lang=pl"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _open(driver, url: str, name: str, ready: str = "footer") -> None:
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_indicator_pages_in_headless_chromium(server, browser, cities):  # noqa: F811
    admin = factories.Sysadmin()
    values = _pm10_values()
    values += [_v("kielce", E + "DE1001V", year, n) for year, n in kielce_population().items()]
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": admin["name"]}, values=values)
    indicator_compute.compute()

    _open(browser, f"{server}/indicator/iso37120-2018-8-2?city=kielce", "indicator-pm10",
          "#ua-ranking-chart[data-drawn]")
    assert browser.execute_script(PAINTED, "ua-trend-chart") > 100
    assert browser.execute_script(PAINTED, "ua-ranking-chart") > 100
    assert browser.find_element(By.ID, "ua-trend-chart").get_attribute("data-drawn") == "3"
    assert browser.find_element(By.ID, "ua-map").get_attribute("data-drawn") == "3"
    tooltips = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#ua-map .leaflet-tooltip")]
    assert any(t.startswith("Kielce: 25") for t in tooltips)
    # the text alternative of the charts holds the same numbers
    ranking = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#ua-ranking tbody tr")]
    assert ranking[0].startswith("1 Białystok 20") and ranking[-1].startswith("3 Kielce 25")
    assert "Stężenie pyłu PM10" in browser.find_element(By.TAG_NAME, "h1").text
    assert _errors(browser) == []

    _open(browser, f"{server}/indicator/UA:population_change?city=kielce", "indicator-population-change",
          "#ua-trend-chart[data-drawn]")
    assert browser.execute_script(PAINTED, "ua-trend-chart") > 100
    assert _errors(browser) == []

    for path, name in (("/indicator?theme=8", "catalogue-theme-8"), ("/city/2661011", "city-kielce"),
                       ("/gaps", "gaps")):
        _open(browser, server + path, name)
        assert _errors(browser) == [], path

    # on a phone the pages fit the screen width (wide tables scroll inside their own box)
    browser.set_window_size(390, 844)
    for path, name in (("/indicator/iso37120-2018-8-2?city=kielce", "phone-indicator"),
                       ("/city/2661011", "phone-city"), ("/gaps", "phone-gaps")):
        _open(browser, server + path, name)
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the phone's screen"
    assert _errors(browser) == []
