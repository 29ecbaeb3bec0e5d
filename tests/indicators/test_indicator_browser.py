"""The indicator pages in a real browser: headless Chromium (Debian's chromium + chromedriver) against the CKAN
app served over HTTP on 127.0.0.1. Charts must be drawn, the map must show the cities, the browser console must
stay free of errors, and the pages must fit a phone's width. Screenshots go to tests/screenshots/."""
from __future__ import annotations

from ckan import model
from ckan.tests import factories, helpers
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import compute as indicator_compute
from tests.browser_support import console_errors as _errors
from tests.browser_support import open_page as _open
from tests.indicator_data import E, _pm10_values, _v, kielce_population

PAINTED = """
const c = document.getElementById(arguments[0]);
if (!c || !c.getAttribute('data-drawn')) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;
"""


def test_indicator_pages_in_headless_chromium(server, page, cities):
    browser = page
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
    assert ranking[0].startswith("1 Białystok miasto porównawcze 20") and ranking[-1].startswith("3 Kielce 25")
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


XSS_NAME = "<img src=x onerror=alert(1)>"


def test_item_16_map_tooltip_shows_a_city_name_as_text_never_markup(server, page, cities):
    browser = page
    kielce = model.Session.get(City, "2661011")
    kielce.name = XSS_NAME
    model.Session.commit()
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": factories.Sysadmin()["name"]},
                        values=_pm10_values())

    # the tooltips are permanent: drawn with the map, once per city
    _open(browser, f"{server}/indicator/iso37120-2018-8-2?city=kielce", "indicator-xss-city-name",
          "#ua-map[data-drawn] .leaflet-tooltip")
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ua-map .leaflet-tooltip")) == 3)
    # an <img onerror> would have run alert(1): selenium then refuses every command with an open alert
    assert _alert_text(browser) is None
    tooltips = browser.find_elements(By.CSS_SELECTOR, "#ua-map .leaflet-tooltip")
    assert any(t.text.startswith(XSS_NAME + ": 25") for t in tooltips), [t.text for t in tooltips]
    assert browser.find_elements(By.CSS_SELECTOR, "#ua-map img[onerror], #ua-map img[src='x']") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#ua-map .leaflet-tooltip *:not(span)") == []
    assert _errors(browser) == []


def _alert_text(browser) -> str | None:
    try:
        alert = browser.switch_to.alert
    except NoAlertPresentException:
        return None
    text = alert.text
    alert.accept()
    return text
