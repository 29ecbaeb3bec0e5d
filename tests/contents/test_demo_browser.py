"""The demo's DataStore part in a real browser: its synthetic CSV files loaded by xloader through the worker, a
table preview with paging and a filter, the saved chart and the map of the stops, each page labelled synthetic."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from ckanext.urbanaudit.demo import content
from ckanext.urbanaudit.demo import datastore as demo_tables
from tests.browser_support import open_page, screenshot
from tests.contents.conftest import plotly_trace, run_jobs

SYNTHETIC = "dane syntetyczne"  # the banner of every demo page, the titles of the demo records


def resource_view(portal, dataset: str, view_type: str) -> tuple[dict, dict]:
    pkg = portal.action("package_show", portal.token, id=dataset)[1]["result"]
    res = next(r for r in pkg["resources"] if r["url"].startswith(content.DEMO_FILES))
    views = portal.action("resource_view_list", id=res["id"])[1]["result"]
    return res, next(v for v in views if v["view_type"] == view_type)


@pytest.mark.ckan_config("ckanext.urbanaudit.synthetic_banner", True)
# the demo's files are links to the portal itself, on 127.0.0.1: demo.ini allows that for steward links, so here too
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "127.0.0.1")
def test_the_demo_tables_chart_and_map_in_the_browser(portal, page, monkeypatch):
    monkeypatch.setattr(content, "DEMO_FILES", f"{portal.url}/demo/")  # the demo's files, served by this portal
    content.ensure_admin("admin", "demo-pass-123", "admin@example.invalid")
    content.load("admin")
    context = {"user": "admin", "ignore_auth": True}
    tables, submitted = demo_tables.submit(context)
    assert submitted == 2  # the noise measurements and the tree register
    run_jobs()
    assert demo_tables.finish(context, tables, timeout=30) == {"tables": 2, "checked": 2, "views": 2}
    again, _ = demo_tables.submit(context)
    assert demo_tables.finish(context, again, timeout=30)["views"] == 0  # idempotent

    res, table = resource_view(portal, "demo-pomiary-halasu", "datatables_view")
    open_page(page, f"{portal.url}/dataset/demo-pomiary-halasu/resource/{res['id']}?view_id={table['id']}",
              "demo-table", "iframe[data-module=data-viewer]")
    assert SYNTHETIC in page.find_element(By.TAG_NAME, "body").text.lower()
    page.switch_to.frame(page.find_element(By.CSS_SELECTOR, "iframe[data-module=data-viewer]"))
    try:
        wait = WebDriverWait(page, 30)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table tbody tr td")) > 1)
        assert page.find_elements(By.CSS_SELECTOR, ".dataTables_paginate, .dt-paging")
        assert len(page.find_elements(By.CSS_SELECTOR, "table tbody tr")) == 2
        page.find_element(By.CSS_SELECTOR, "input[type=search]").send_keys("Przykładowa", Keys.ENTER)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table tbody tr")) == 1)
        assert "al. Przykładowa" in page.find_element(By.CSS_SELECTOR, "table tbody tr").text
        screenshot(page, "demo-table-filtered")
    finally:
        page.switch_to.default_content()

    res, chart = resource_view(portal, "demo-pomiary-halasu", "charts_view")
    assert chart["title"].endswith("[dane syntetyczne]")
    open_page(page, f"{portal.url}/dataset/demo-pomiary-halasu/resource/{res['id']}?view_id={chart['id']}",
              "demo-chart", "footer")
    drawn = plotly_trace(page)
    assert page.find_elements(By.CSS_SELECTOR, ".js-plotly-plot rect, .js-plotly-plot path.point, "
                                               ".js-plotly-plot .bars path")  # the bars are drawn
    assert [drawn["x"], drawn["y"]] == [["P1", "P2"], [66.2, 71.8]]  # ckanext/urbanaudit/public/demo/halas.csv
    assert SYNTHETIC in page.find_element(By.TAG_NAME, "body").text.lower()

    res, stops = resource_view(portal, "demo-przystanki-komunikacji", "geojson_view")
    assert stops["title"] == demo_tables.MAP["title"]
    open_page(page, f"{portal.url}/dataset/demo-przystanki-komunikacji/resource/{res['id']}",
              "demo-map", "iframe[data-module=data-viewer]")
    assert SYNTHETIC in page.find_element(By.TAG_NAME, "body").text.lower()
    page.switch_to.frame(page.find_element(By.CSS_SELECTOR, "iframe[data-module=data-viewer]"))
    try:
        WebDriverWait(page, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon"))
        assert len(page.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")) >= 2
        screenshot(page, "demo-map")
    finally:
        page.switch_to.default_content()
