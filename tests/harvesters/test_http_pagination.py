"""Issue 13, item 5: paged lists end — a looping or ever-changing ``next``, a source that pages forever, a
GIOŚ ``totalPages`` that lies — with a clear job error, never a hang; and hostile XML (entity expansion,
external entities) through the RDF harvester is not expanded."""
from __future__ import annotations

import json
import time

import pytest
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.harvesters import http_faults as faults
from tests.harvesters.conftest import TESTOWO
from tests.harvesters.test_harvest_gios import WARSZAWA
from tests.source_server import fixture_path

DANE = TESTOWO + """danegovpl: {institution_id: 999}
harvest_sources:
  - {name: testowo-danegovpl, type: urbanaudit_danegovpl, frequency: WEEKLY}
"""
STOP_AFTER = 60  # the test servers stop paging here, so code without the bound ends too (with other errors)


@pytest.fixture
def fault_server():
    server = faults.FaultServer()
    yield server
    server.stop()


@pytest.fixture
def danegovpl(clean, fault_server, ckan_config, monkeypatch, tmp_path):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.danegovpl_url", fault_server.url())
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    (tmp_path / "testowo.yaml").write_text(DANE, "utf-8")
    load(tmp_path / "testowo.yaml")

    def resources(handler, query):
        faults.send(handler, 200, "application/json", b'{"data": [], "links": {}}')

    for number in range(STOP_AFTER + 2):
        fault_server.route(f"/datasets/{number}/resources", resources)
    return helpers.call_action("harvest_source_show", id="testowo-danegovpl"), factories.Sysadmin()["name"]


def _pages(fault_server, page_items, next_link) -> None:
    """/institutions/999/datasets: ``page_items(page)`` ids on each page, ``next_link(page)`` its next."""
    def datasets(handler, query):
        page = int(query.get("page", ["1"])[0])
        data = [{"id": str(i), "type": "dataset", "attributes": {"title": f"[syntetyczne] Zbiór {i}"}}
                for i in page_items(page)]
        following = next_link(page) if page < STOP_AFTER else None
        body = {"data": data, "links": {"next": following} if following else {}}
        faults.send(handler, 200, "application/json", json.dumps(body).encode())

    fault_server.route("/institutions/999/datasets", datasets)


def _list_requests(fault_server) -> list[str]:
    return [r for r in fault_server.requests if r.startswith("/institutions/")]


@pytest.mark.parametrize("case", ["A->B->A", "page=N+1 forever, same items", "junk parameter, same items"])
def test_item_5_a_looping_or_ever_changing_next_ends_the_job_with_a_clear_error(danegovpl, fault_server, case):
    source, user = danegovpl
    base = fault_server.url() + "/institutions/999/datasets"
    if case == "A->B->A":
        _pages(fault_server, lambda page: [page], lambda page: f"{base}?page={2 if page == 1 else 1}&per_page=100")
        expected = "loops"
    elif case == "page=N+1 forever, same items":
        _pages(fault_server, lambda page: [1, 2], lambda page: f"{base}?page={page + 1}&per_page=100")
        expected = "brings no new item"
    else:
        _pages(fault_server, lambda page: [1, 2], lambda page: f"{base}?page=1&per_page=100&_={page}")
        expected = "brings no new item"
    job = run_job(source["id"], user)
    assert len(job["gather_error_messages"]) == 1, job["gather_error_messages"]
    assert expected in job["gather_error_messages"][0]
    assert changes(job)["added"] == 0
    assert len(_list_requests(fault_server)) <= 3  # stopped at the first repeat, not after many pages


def test_item_5_a_list_that_pages_forever_stops_at_max_pages(danegovpl, fault_server, ckan_config, monkeypatch):
    source, user = danegovpl
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.max_pages", 5)
    base = fault_server.url() + "/institutions/999/datasets"
    _pages(fault_server, lambda page: [page], lambda page: f"{base}?page={page + 1}&per_page=100")  # new item each
    job = run_job(source["id"], user)
    assert len(job["gather_error_messages"]) == 1
    assert "goes on past 5 pages" in job["gather_error_messages"][0]
    assert changes(job)["added"] == 0
    assert len(_list_requests(fault_server)) == 5


def test_item_5_a_guid_repeated_across_pages_is_refused_by_the_ledger(danegovpl, fault_server):
    source, user = danegovpl
    base = fault_server.url() + "/institutions/999/datasets"
    _pages(fault_server, lambda page: {1: [1, 2], 2: [2, 3]}.get(page, []),
           lambda page: f"{base}?page=2&per_page=100" if page == 1 else None)
    job = run_job(source["id"], user)
    assert len(job["gather_error_messages"]) == 1
    assert "two records share the identifier danegovpl:2" in job["gather_error_messages"][0]
    assert model.Session.query(model.Package).filter_by(type="dataset").count() == 0


def test_item_5_gios_total_pages_is_not_trusted(local_city, source_server):
    local_city("gios", WARSZAWA)
    stations = json.loads(fixture_path("gios/v1-bieniu/stations.json").read_bytes())
    stations["totalPages"] = 10 ** 9  # and every page lists the same stations
    served = []

    def find_all(query):
        served.append(query)
        if len(served) > STOP_AFTER:
            return 500, "application/json", b"{}"
        return 200, "application/json", json.dumps(stations).encode()

    source_server.route("/station/findAll", find_all)
    source = helpers.call_action("harvest_source_show", id="warszawa-gios")
    job = run_job(source["id"], factories.Sysadmin()["name"])
    assert len(job["gather_error_messages"]) == 1
    assert "page 2 of the list" in job["gather_error_messages"][0]
    assert "brings no new item" in job["gather_error_messages"][0]
    assert len(served) == 2


# --------------------------------------------------------------------------------------- hostile XML

RDF_CITY = TESTOWO + """harvest_sources:
  - {name: testowo-dcat, type: dcat_rdf, url: URL/catalog.rdf, frequency: WEEKLY,
     config: {rdf_format: xml}}
"""
RDF = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lollollollollollollollollollol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
  <!ENTITY xxe SYSTEM "file://SECRET">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Catalog rdf:about="https://dane.testowo.invalid/catalog">
    <dcat:dataset>
      <dcat:Dataset rdf:about="https://dane.testowo.invalid/dataset/1">
        <dct:identifier>TESTOWO-XML-1</dct:identifier>
        <dct:title>TITLE</dct:title>
        <dct:description>[syntetyczne] wrogi XML</dct:description>
      </dcat:Dataset>
    </dcat:dataset>
  </dcat:Catalog>
</rdf:RDF>
"""


@pytest.mark.parametrize("title", ["&lol9;", "&xxe;"])
def test_item_5_hostile_xml_entities_are_refused_by_the_rdf_harvester(clean, source_server, tmp_path, title):
    """ckanext-dcat's RDF/XML parsing (rdflib on expat) expands the "billion laughs" (minutes of CPU for one
    job before the fix); a document declaring entities is now refused before it is parsed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE-CONTENT", "utf-8")
    body = RDF.replace("SECRET", str(secret)).replace("TITLE", title).encode()
    source_server.route("/catalog.rdf", lambda q: (200, "application/rdf+xml", body))
    (tmp_path / "testowo.yaml").write_text(RDF_CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    source = helpers.call_action("harvest_source_show", id="testowo-dcat")
    started = time.monotonic()
    job = run_job(source["id"], factories.Sysadmin()["name"])
    assert time.monotonic() - started < 30
    assert any("declares XML entities" in m for m in job["gather_error_messages"]), job["gather_error_messages"]
    assert helpers.call_action("package_search", q="*:*", include_private=True)["count"] == 0


def test_item_5_the_rdf_harvester_reads_no_local_file_and_no_internal_address(clean, source_server, tmp_path,
                                                                              ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.allow", ["localhost"])
    source_server.route("/catalog.rdf", lambda q: (200, "application/rdf+xml", b"<rdf:RDF/>"))
    for url, name in ((str(tmp_path / "catalog.rdf"), "file"), (source_server.url + "/catalog.rdf", "loopback")):
        (tmp_path / "catalog.rdf").write_text(RDF.replace("TITLE", "plik lokalny"), "utf-8")
        city = RDF_CITY.replace("testowo-dcat", f"testowo-dcat-{name}").replace("URL/catalog.rdf", url)
        (tmp_path / "testowo.yaml").write_text(city, "utf-8")
        load(tmp_path / "testowo.yaml")
        source = helpers.call_action("harvest_source_show", id=f"testowo-dcat-{name}")
        job = run_job(source["id"], factories.Sysadmin()["name"])
        assert any("refused" in m for m in job["gather_error_messages"]), (name, job["gather_error_messages"])
    assert source_server.requests == []
    assert helpers.call_action("package_search", q="*:*", include_private=True)["count"] == 0
