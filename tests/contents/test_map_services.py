"""WMS and WFS resources: a map view made for them, the service's capabilities and features read through the
portal's proxies — guarded like every outgoing request (no private address, a size cap, a deadline) and never
for a data set the caller may not read. The service is a real MapServer on 127.0.0.1 (tests/ogc_server.py)
serving the recorded Kielce boundaries."""
from __future__ import annotations

import threading
import time

import pytest
from ckan.tests import factories, helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser_support import console_errors, open_page, screenshot
from tests.inventory_records import full_record
from tests.ogc_server import OgcService
from tests.source_server import SourceServer

# the service runs on 127.0.0.1: allowed for steward links here, as an operator would allow a city's geoportal
pytestmark = pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "127.0.0.1")


@pytest.fixture
def ogc(tmp_path):
    server = SourceServer()
    server.start()
    try:
        yield OgcService(server, tmp_path)
    finally:
        server.stop()


@pytest.fixture
def steward(clean_db, clean_index):
    user = factories.User(name="steward-gis")
    org = factories.Organization(name="wydzial-geodezji", users=[{"name": user["name"], "capacity": "editor"}])
    return {"user": user, "org": org}


def _record(steward, name: str, url: str, fmt: str, **extra) -> tuple[dict, dict]:
    context = {"user": steward["user"]["name"], "ignore_auth": False}
    record = full_record(steward["org"]["id"], name=name, identifier=f"KIELCE-{name}", **extra)
    record["resources"] = [{"name": f"Usługa {fmt}", "url": url, "format": fmt}]
    pkg = helpers.call_action("package_create", context=context, **record)
    return pkg, pkg["resources"][0]


def _service_proxy(app, pkg, res, query: str, user=None):
    headers = {"Authorization": factories.APIToken(user=user)["token"]} if user else {}
    return app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/service_proxy?{query}", headers=headers)


def test_a_wms_link_gets_a_map_view_and_its_capabilities_come_through_the_guarded_proxy(app, ogc, steward):
    pkg, res = _record(steward, "granice-wms", ogc.url, "WMS")
    views = helpers.call_action("resource_view_list", id=res["id"])
    assert [v["view_type"] for v in views] == ["geo_view"]

    answer = _service_proxy(app, pkg, res, "SERVICE=WMS&REQUEST=GetCapabilities")
    assert answer.status_code == 200
    assert "<Name>granica</Name>" in answer.get_data(as_text=True)
    assert "Granica miasta Kielce" in answer.get_data(as_text=True)
    (asked,) = ogc.asked("GetCapabilities")
    assert asked["SERVICE"] == "WMS"
    assert ogc.server.headers[-1]["User-Agent"] == "ckanext-urbanaudit preview proxy"


def test_a_wfs_links_features_come_through_the_proxy(app, ogc, steward):
    pkg, res = _record(steward, "powiaty-wfs", ogc.url, "WFS")
    assert [v["view_type"] for v in helpers.call_action("resource_view_list", id=res["id"])] == ["geo_view"]
    answer = _service_proxy(app, pkg, res, "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=powiaty"
                                           "&OUTPUTFORMAT=geojson")
    assert answer.status_code == 200
    names = [f["properties"]["nazwa"] for f in answer.get_json()["features"]]
    assert names == ["powiat Kielce", "powiat kielecki"]


def test_a_service_on_a_non_public_address_is_never_asked(app, ogc, steward, monkeypatch):
    pkg, res = _record(steward, "granice-wewnetrzne", ogc.url, "WMS")
    monkeypatch.setitem(helpers.config, "ckanext.urbanaudit.quality.link_check_allow", "")  # 127.0.0.1 refused
    answer = _service_proxy(app, pkg, res, "SERVICE=WMS&REQUEST=GetCapabilities")
    assert answer.status_code == 502
    assert "not a public address" in answer.get_data(as_text=True)
    assert "127.0.0.1" not in answer.get_data(as_text=True).split("not a public address")[1]
    assert ogc.requests == []
    # CKAN's own resource proxy (linked files of other hosts for the text and map previews) alike
    answer = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/proxy")
    assert answer.status_code == 502
    assert ogc.requests == []


def test_a_private_data_sets_service_is_not_proxied_for_an_anonymous_visitor(app, ogc, steward):
    pkg, res = _record(steward, "granice-prywatne", ogc.url, "WMS", private=True)
    for path in ("service_proxy?SERVICE=WMS&REQUEST=GetCapabilities", "proxy"):
        answer = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/{path}")
        assert answer.status_code in {403, 404}, path
    assert ogc.requests == []
    answer = _service_proxy(app, pkg, res, "SERVICE=WMS&REQUEST=GetCapabilities", user=steward["user"]["name"])
    assert answer.status_code == 200


def test_an_answer_too_large_or_too_slow_is_cut_off(app, ogc, steward, monkeypatch):
    big = b"x" * (2 * 1024 * 1024)
    ogc.server.route("/duzy.txt", lambda query: (200, "text/plain", big))

    def slow(query):
        time.sleep(4)
        return 200, "text/plain", b"late"

    ogc.server.route("/wolny.txt", slow)
    pkg, res = _record(steward, "pliki-zewnetrzne", f"{ogc.server.url}/duzy.txt", "TXT")
    answer = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/proxy")
    assert answer.status_code == 409
    assert "too large" in answer.get_data(as_text=True)

    monkeypatch.setitem(helpers.config, "ckanext.urbanaudit.preview.deadline", 1)
    res = helpers.call_action("resource_create", context={"user": steward["user"]["name"]}, package_id=pkg["id"],
                              url=f"{ogc.server.url}/wolny.txt", format="TXT", name="wolny")
    started = time.monotonic()
    answer = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/proxy")
    assert answer.status_code == 504
    assert time.monotonic() - started < 3


def test_a_read_timeout_at_the_deadline_is_the_deadline_even_before_its_watchdog_fires(app, ogc, steward,
                                                                                       monkeypatch):
    """The read timeout is capped at the time left, so it fires at the deadline's very end, when the watchdog's
    timer may not have run yet (under load it ran late, and the visitor got 502 "bad gateway" instead of 504)."""
    def slow(query):
        time.sleep(4)
        return 200, "text/plain", b"late"

    ogc.server.route("/wolny.txt", slow)
    pkg, res = _record(steward, "plik-wolny", f"{ogc.server.url}/wolny.txt", "TXT")
    monkeypatch.setitem(helpers.config, "ckanext.urbanaudit.preview.deadline", 1)
    timer = threading.Timer
    monkeypatch.setattr(threading, "Timer", lambda interval, function: timer(interval + 3, function))  # late
    started = time.monotonic()
    answer = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}/proxy")
    assert answer.status_code == 504
    assert time.monotonic() - started < 3


# ---------------------------------------------------------------------------------------------- in the browser

OL_STATE = """
var inst = (ckan.module.instances.olpreview || [])[0];
if (!inst || !inst.map) { return null; }
var layers = [];
inst.map.getLayers().forEach(function (layer) {
  var source = layer.getSource && layer.getSource();
  var features = source && source.getFeatures ? source.getFeatures() : null;
  var extent = features && features.length ? ol.proj.transformExtent(source.getExtent(),
                                                 inst.map.getView().getProjection(), 'EPSG:4326') : null;
  layers.push({title: layer.get('title') || layer.get('name') || '', features: features ? features.length : null,
               extent: extent, wms: !!(source && source.getParams), visible: layer.getVisible()});
});
return layers;
"""


def _map_layers(page):
    page.switch_to.frame(page.find_element(By.CSS_SELECTOR, "iframe[data-module=data-viewer]"))
    try:
        WebDriverWait(page, 30).until(lambda d: (d.execute_script(OL_STATE) or [None])[1:])
        return page.execute_script(OL_STATE)
    finally:
        page.switch_to.default_content()


def test_the_map_viewer_draws_a_wms_layer_and_wfs_features_of_a_real_service(app, server, ogc, steward, page):
    wms_pkg, wms = _record(steward, "granica-kielc-wms", f"{ogc.url}#granica", "WMS")  # one layer of the two
    wfs_pkg, wfs = _record(steward, "powiaty-wfs-mapa", ogc.url, "WFS")

    open_page(page, f"{server}/dataset/{wms_pkg['name']}/resource/{wms['id']}", "contents-wms-map",
              "iframe[data-module=data-viewer]")
    layers = _map_layers(page)
    overlays = [layer for layer in layers if layer["wms"]]
    assert [layer["title"] for layer in overlays] == ["Granica miasta Kielce"]
    WebDriverWait(page, 30).until(lambda d: ogc.asked("GetMap"))
    # the map images come from the service itself, of the layer, around Kielce
    getmap = ogc.asked("GetMap")
    assert {q["LAYERS"] for q in getmap} == {"granica"}
    # the viewer zoomed to the layer: a map image covers the middle of Kielce (20.63 E, 50.86 N in Web Mercator)
    x, y = 2296530, 6597720

    def covers_kielce(q):
        b = [float(v) for v in q["BBOX"].split(",")]
        return q["CRS"] == "EPSG:3857" and b[0] <= x <= b[2] and b[1] <= y <= b[3] and b[2] - b[0] < 50000

    WebDriverWait(page, 30).until(lambda d: any(covers_kielce(q) for q in ogc.asked("GetMap")))
    (capabilities,) = [i for i, q in enumerate(ogc.requests) if q.get("REQUEST") == "GetCapabilities"]
    assert ogc.server.headers[capabilities]["User-Agent"] == "ckanext-urbanaudit preview proxy"
    assert {q["LAYERS"] for q in ogc.asked("GetMap")} == {"granica"}
    time.sleep(1)  # the images drawn, for the screenshot
    screenshot(page, "contents-wms-map-drawn")

    open_page(page, f"{server}/dataset/{wfs_pkg['name']}/resource/{wfs['id']}", "contents-wfs-map",
              "iframe[data-module=data-viewer]")
    WebDriverWait(page, 30).until(lambda d: any((layer["features"] or 0) > 0 for layer in _map_layers(d)))
    layers = _map_layers(page)
    assert sorted(layer["title"] for layer in layers if layer["features"] is not None) == [
        "Granica miasta Kielce", "Kielce i powiat kielecki"]  # both feature types, the first one shown
    (shown,) = [layer for layer in layers if layer["features"]]
    assert (shown["title"], shown["features"]) == ("Granica miasta Kielce", 1)
    west, south, east, north = shown["extent"]  # where Kielce is (the recorded boundary: 20.516-20.7205 E,
    assert 20.50 < west < east < 20.73  # 50.8055-50.9123 N), not its coordinates swapped
    assert 50.80 < south < north < 50.92
    assert ogc.asked("GetFeature")
    screenshot(page, "contents-wfs-map-drawn")
    # offline, the viewer's OpenStreetMap base layer cannot load (nothing else failed)
    assert [e for e in console_errors(page) if "tile.openstreetmap.org" not in e] == []
