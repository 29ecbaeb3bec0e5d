"""Previews in a real browser (headless Chromium): a steward uploads a CSV through the resource form and, with no
further step than the jobs worker doing its work, the resource page shows a table preview with paging and a
filter; a GeoJSON upload is drawn on a map with no base-map tiles (an offline machine cannot fetch any)."""
from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser_support import console_errors, login, open_page, page_change, screenshot
from tests.contents.conftest import STEWARD_PASSWORD as PASSWORD
from tests.contents.conftest import plotly_trace, run_jobs

DISTRICTS = ["Centrum", "Herby", "Słowik", "Barwinek", "Bocianek"]
ROWS = [(DISTRICTS[i % 5], 2020 + i % 5, 1000 + 37 * i) for i in range(45)]  # synthetic, for the test
CSV = ("dzielnica;rok;wydatki_zl\n" + "".join(f"{d};{y};{v}\n" for d, y, v in ROWS)).encode()
# Synthetic features around Kielce (not the real boundary): a polygon and two points
GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"nazwa": "Obszar testowy (syntetyczny)"},
     "geometry": {"type": "Polygon", "coordinates": [[[20.55, 50.82], [20.70, 50.82], [20.70, 50.90],
                                                       [20.55, 50.90], [20.55, 50.82]]]}},
    {"type": "Feature", "properties": {"nazwa": "Punkt A"},
     "geometry": {"type": "Point", "coordinates": [20.6, 50.85]}},
    {"type": "Feature", "properties": {"nazwa": "Punkt B"},
     "geometry": {"type": "Point", "coordinates": [20.65, 50.87]}},
]}


def upload_through_the_form(page, server, dataset: str, path, fmt: str) -> None:
    open_page(page, f"{server}/dataset/{dataset}/resource/new", f"contents-new-{fmt}", "#field-resource-upload")
    page.execute_script("document.getElementById('resource-url-upload').checked = true;")
    page.find_element(By.ID, "field-resource-upload").send_keys(str(path))
    page.execute_script("document.getElementById('field-format').value = arguments[0];", fmt)
    save = page.find_element(By.CSS_SELECTOR, "form#resource-edit button[name=save]")
    with page_change(page):
        page.execute_script("arguments[0].click();", save)  # below the fold of the form


def resource_of(portal, dataset: str) -> dict:
    return portal.action("package_show", portal.token, id=dataset)[1]["result"]["resources"][-1]


def test_a_stewards_upload_in_the_form_becomes_a_table_preview_with_paging_and_a_filter(portal, page, tmp_path):
    pkg = portal.dataset("wydatki-dzielnic")
    path = tmp_path / "wydatki.csv"
    path.write_bytes(CSV)
    login(page, portal.url, portal.steward["name"], PASSWORD)
    upload_through_the_form(page, portal.url, pkg["name"], path, "CSV")
    res = resource_of(portal, pkg["name"])
    assert res["url_type"] == "upload"
    run_jobs()  # what the jobs worker of a running portal does by itself

    open_page(page, f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}", "contents-table-preview",
              "iframe[data-module=data-viewer]")
    page.switch_to.frame(page.find_element(By.CSS_SELECTOR, "iframe[data-module=data-viewer]"))
    try:
        wait = WebDriverWait(page, 30)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table tbody tr")) > 1)
        shown = len(page.find_elements(By.CSS_SELECTOR, "table tbody tr"))
        assert 1 < shown < len(ROWS)  # one page of the 45 rows
        assert page.find_elements(By.CSS_SELECTOR, ".dataTables_paginate, .dt-paging")
        first = page.find_element(By.CSS_SELECTOR, "table tbody tr").text
        following = page.find_element(By.CSS_SELECTOR, ".dataTables_paginate .next, .dt-paging-button.next, "
                                                       "button[data-dt-idx=next], a[data-dt-idx=next]")
        page.execute_script("arguments[0].scrollIntoView({block: 'center'});", following)
        following.click()
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "table tbody tr").text != first)
        search = page.find_element(By.CSS_SELECTOR, "input[type=search]")
        search.send_keys("Słowik", Keys.ENTER)  # CKAN's table view searches on Enter
        wait.until(lambda d: all("Słowik" in tr.text for tr in d.find_elements(By.CSS_SELECTOR, "table tbody tr")))
        assert len(page.find_elements(By.CSS_SELECTOR, "table tbody tr")) == sum(d == "Słowik" for d, _, _ in ROWS)
        screenshot(page, "contents-table-filtered")
    finally:
        page.switch_to.default_content()
    # outside names do not resolve offline (the avatar); CKAN 2.11's table view CSS names an image its asset
    # bundle does not serve (the search box's clear icon): neither is ours
    assert [e for e in console_errors(page)
            if "ERR_NAME_NOT_RESOLVED" not in e and "times-circle-solid.svg" not in e] == []


def test_a_geojson_upload_is_drawn_on_a_map_without_base_map_tiles(portal, page, tmp_path):
    pkg = portal.dataset("obszary-testowe")
    path = tmp_path / "obszary.geojson"
    path.write_text(json.dumps(GEOJSON), encoding="utf-8")
    login(page, portal.url, portal.steward["name"], PASSWORD)
    upload_through_the_form(page, portal.url, pkg["name"], path, "GeoJSON")
    res = resource_of(portal, pkg["name"])
    views = portal.action("resource_view_list", id=res["id"])[1]["result"]
    assert [v["view_type"] for v in views] == ["geojson_view"]

    open_page(page, f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}", "contents-geojson",
              "iframe[data-module=data-viewer]")
    page.switch_to.frame(page.find_element(By.CSS_SELECTOR, "iframe[data-module=data-viewer]"))
    try:
        wait = WebDriverWait(page, 30)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-container path.leaflet-interactive"))
        assert len(page.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")) == 1  # the polygon
        assert len(page.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")) == 2  # the points
        assert not page.find_elements(By.CSS_SELECTOR, "img.leaflet-tile")  # no base map asked for
        assert page.find_element(By.CSS_SELECTOR, ".urbanaudit-map-note").text == \
            "Obiekty narysowano bez podkładu mapowego: żaden nie jest skonfigurowany."
        assert not page.find_element(By.CSS_SELECTOR, ".leaflet-control-no-provider").is_displayed()
        screenshot(page, "contents-geojson-map")
    finally:
        page.switch_to.default_content()


def test_a_chart_saved_by_the_steward_is_drawn_from_the_datastore_table(portal, page):
    pkg = portal.dataset("wydatki-wykres")
    res = portal.upload(pkg["id"], "wydatki.csv", CSV)
    run_jobs()
    status, body = portal.action("resource_view_create", portal.token, resource_id=res["id"], view_type="charts_view",
                                 title="Wydatki wg dzielnic", engine="chartjs", type="Bar", x="dzielnica",
                                 y="wydatki_zl")
    assert status == 200, body
    view = body["result"]

    open_page(page, f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}?view_id={view['id']}",
              "contents-chart", "canvas")
    WebDriverWait(page, 30).until(lambda d: d.execute_script(
        "const c = document.querySelector('canvas'); return c && window.Chart && Chart.getChart(c) ? true : false;"))
    drawn = page.execute_script("const c = Chart.getChart(document.querySelector('canvas'));"
                                "return {labels: c.data.labels, values: c.data.datasets[0].data.map(Number)};")
    totals = {d: sum(v for district, _, v in ROWS if district == d) for d in DISTRICTS}
    assert set(drawn["labels"]) == set(DISTRICTS)
    # ckanext-charts sums the values of each district (and repeats a bar per row of the table)
    assert dict(zip(drawn["labels"], drawn["values"], strict=True)) == totals
    screenshot(page, "contents-chart")


def test_a_line_chart_of_a_series_is_drawn_from_the_datastore_table(portal, page):
    """A line chart (Plotly) of the yearly totals of one district, saved by the steward as a resource view."""
    pkg = portal.dataset("wydatki-linia")
    series = "rok;wydatki_zl\n" + "".join(f"{2019 + i};{1000 + 125 * i}\n" for i in range(6))
    res = portal.upload(pkg["id"], "wydatki-lata.csv", series.encode())
    run_jobs()
    status, body = portal.action("resource_view_create", portal.token, resource_id=res["id"], view_type="charts_view",
                                 title="Wydatki w kolejnych latach", engine="plotly", type="Line", x="rok",
                                 y=["wydatki_zl"])
    assert status == 200, body

    open_page(page, f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}?view_id={body['result']['id']}",
              "contents-line-chart", "footer")
    drawn = plotly_trace(page)
    assert drawn["type"] == "scatter"
    assert page.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer path.js-line")  # a line is drawn
    assert drawn["x"] == list(range(2019, 2025))
    assert drawn["y"] == [1000 + 125 * i for i in range(6)]
    screenshot(page, "contents-line-chart")
