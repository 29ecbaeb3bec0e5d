"""Records of the upstream harvesters land in the inventory schema: ckanext-dcat's RDF harvester (``dcat_rdf``)
and ckanext-spatial's CSW harvester (``csw``), each run as a real job through the Redis queues against a
local HTTP server."""
from __future__ import annotations

import json
import re

import pytest
from ckan.tests import factories, helpers
from lxml import etree

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.harvesters.conftest import TESTOWO
from tests.source_server import fixture_path

EU = "http://publications.europa.eu/resource/authority/"

CITY = TESTOWO + """departments:
  - {name: testowo-wydzial-geodezji, title: Wydział Geodezji}
harvest_sources:
  - name: testowo-dcat
    type: dcat_rdf
    url: URL/catalog.ttl
    frequency: WEEKLY
    config:
      department: testowo-wydzial-geodezji
      defaults: {data_steward: "Jan Kowalski", legal_basis: "art. 4 ustawy o otwartych danych",
                 personal_data: "no", spatial_resolution: district}
"""

# SYNTHETIC: a DCAT-AP 3 catalogue written for this test (no recorded Polish city catalogue exists in
# shared/fixtures); titles say "[syntetyczne]".
CATALOG = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .

<https://dane.testowo.invalid/catalog> a dcat:Catalog ;
    dct:title "Testowo [syntetyczne]"@pl ;
    dcat:dataset <https://dane.testowo.invalid/dataset/przystanki>, <https://dane.testowo.invalid/dataset/notatki> .

<https://dane.testowo.invalid/dataset/przystanki> a dcat:Dataset ;
    dct:identifier "TESTOWO-TR-001" ;
    dct:title "[syntetyczne] Przystanki komunikacji miejskiej"@pl ;
    dct:description "Lokalizacje przystanków autobusowych."@pl ;
    dcat:keyword "transport"@pl, "przystanki"@pl ;
    dcat:theme <http://publications.europa.eu/resource/authority/data-theme/TRAN>,
               <urn:x-urbanaudit:iso37120-theme:19>, <http://inspire.ec.europa.eu/theme/tn> ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
    dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Zarząd Transportu" ; vcard:hasEmail <mailto:zt@testowo.invalid> ] ;
    dct:spatial [ a dct:Location ;
        locn:geometry [ a locn:Geometry ;
            gsp:asWKT "POLYGON((20.55 50.82, 20.71 50.82, 20.71 50.92, 20.55 50.92, 20.55 50.82))"^^gsp:wktLiteral ] ] ;
    dcat:distribution [ a dcat:Distribution ; dct:title "CSV" ;
        dcat:accessURL <https://dane.testowo.invalid/przystanki.csv> ;
        dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
        dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ] .

<https://dane.testowo.invalid/dataset/notatki> a dcat:Dataset ;
    dct:identifier "TESTOWO-X-002" ;
    dct:title "[syntetyczne] Notatki bez opisu"@pl ;
    dct:description "Rekord z niepełnymi metadanymi."@pl .
"""


@pytest.fixture
def dcat_source(clean, source_server, tmp_path):
    source_server.route("/catalog.ttl", lambda q: (200, "text/turtle", CATALOG.encode("utf-8")))
    (tmp_path / "testowo.yaml").write_text(CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    return helpers.call_action("harvest_source_show", id="testowo-dcat"), factories.Sysadmin()["name"]


def _by_identifier(identifier: str) -> dict:
    found = helpers.call_action("package_search", fq=f'identifier:"{identifier}"', include_private=True)
    assert found["count"] == 1, found
    return helpers.call_action("package_show", id=found["results"][0]["id"])


def test_dcat_catalogue_records_land_in_the_inventory_with_department_and_urban_audit_fields(dcat_source):
    source, user = dcat_source
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job)["added"] == 2

    stops = _by_identifier("TESTOWO-TR-001")
    assert stops["organization"]["name"] == "testowo-wydzial-geodezji"
    assert stops["publication_status"] == "published"
    assert stops["theme"] == [EU + "data-theme/TRAN"]
    assert stops["iso37120_theme"] == ["19"]
    assert stops["inspire_theme"] == "http://inspire.ec.europa.eu/theme/tn"
    assert stops["frequency"] == EU + "frequency/MONTHLY"
    assert stops["access_rights"] == EU + "access-right/PUBLIC"
    assert json.loads(stops["spatial"])["type"] == "Polygon"
    assert stops["data_steward"] == "Jan Kowalski"

    notes = _by_identifier("TESTOWO-X-002")
    assert notes["organization"]["name"] == "testowo-wydzial-geodezji"
    assert notes["publication_status"] == "draft"
    assert "kategoria (ue)" in notes["known_quality_issues"]

    again = run_job(source["id"], user)
    assert again["object_error_messages"] == []
    assert _by_identifier("TESTOWO-TR-001")["publication_status"] == "published"


# ------------------------------------------------------------------------------------------------ CSW

CSW_RECORDS = "csw/pycsw/post_GetRecords-all.response.xml"
CSW_CAPABILITIES = "csw/pycsw/apiso-inspire_GetCapabilities.response.xml"
GMD = {"gmd": "http://www.isotc211.org/2005/gmd", "gco": "http://www.isotc211.org/2005/gco"}


def _csw_server(server) -> None:
    """pycsw's recorded answers (Greek INSPIRE records) behind one CSW endpoint ``/csw``: capabilities point
    back at it; GetRecords (POST) gives the recorded page of 5 records (its "18 matched" set to the 5 served
    here); GetRecordById (GET) cuts the asked record out of that page."""
    endpoint = server.url + "/csw"
    capabilities = fixture_path(CSW_CAPABILITIES).read_text("utf-8")
    capabilities = re.sub(r'xlink:href="http://localhost/pycsw/csw.py[^"]*"', f'xlink:href="{endpoint}"', capabilities)
    page = fixture_path(CSW_RECORDS).read_bytes()
    page = page.replace(b'numberOfRecordsMatched="18"', b'numberOfRecordsMatched="5"').replace(
        b'nextRecord="6"', b'nextRecord="0"')
    tree = etree.fromstring(page)
    by_id = {md.findtext("gmd:fileIdentifier/gco:CharacterString", namespaces=GMD): md
             for md in tree.iterfind(".//gmd:MD_Metadata", namespaces=GMD)}

    def get(query):
        if query.get("request", query.get("REQUEST", [""]))[0].lower() == "getrecordbyid":
            record = by_id[query.get("id", query.get("ID", [""]))[0]]
            body = (b'<csw:GetRecordByIdResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">'
                    + etree.tostring(record) + b"</csw:GetRecordByIdResponse>")
            return 200, "application/xml", body
        return 200, "application/xml", capabilities.encode("utf-8")

    def post(query, payload):
        start = re.search(rb'startPosition="(\d+)"', payload)
        if start and int(start.group(1)) > 1:
            empty = re.sub(rb"<csw:SearchResults[^>]*>.*</csw:SearchResults>",
                           b'<csw:SearchResults numberOfRecordsMatched="5" numberOfRecordsReturned="0" '
                           b'nextRecord="0"/>', page, flags=re.S)
            return 200, "application/xml", empty
        return 200, "application/xml", page

    server.route("/csw", get)
    server.route_post("/csw", post)


@pytest.fixture
def csw_source(clean, source_server, tmp_path):
    _csw_server(source_server)
    city = CITY.replace("name: testowo-dcat\n    type: dcat_rdf\n    url: URL/catalog.ttl",
                        "name: testowo-csw\n    type: urbanaudit_csw\n    url: URL/csw")
    (tmp_path / "testowo.yaml").write_text(city.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    return helpers.call_action("harvest_source_show", id="testowo-csw"), factories.Sysadmin()["name"]


def test_csw_records_get_geojson_extent_inspire_theme_and_department(csw_source, source_server):
    source, user = csw_source
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [], job
    # the 4 dataset records are imported; the service record (srv:SV_ServiceIdentification) fails
    # ckanext-spatial's ISO 19139 schema validation and is reported on its object
    assert changes(job) == {"added": 4, "updated": 0, "deleted": 0, "errored": 1}
    assert "Validation Error" in job["object_error_messages"][0]
    assert any(r.startswith("POST /csw") for r in source_server.requests)  # GetRecords went by POST

    found = helpers.call_action("package_search", q='title:"Aerial Photos"', include_private=True)
    assert found["count"] == 4
    photos = helpers.call_action("package_show", id=found["results"][0]["id"])
    assert photos["organization"]["name"] == "testowo-wydzial-geodezji"
    assert photos["inspire_theme"] == "http://inspire.ec.europa.eu/theme/oi"  # keyword "Orthoimagery"
    extent = json.loads(photos["spatial"])
    assert extent["type"] == "Polygon"
    xs = [x for x, _ in extent["coordinates"][0]]
    assert min(xs) == 20.0
    assert photos["access_rights"] == EU + "access-right/PUBLIC"  # "no limitations"
    assert photos["source_system"] == "ISO 19139 / CSW"
    # the Greek records carry no keywords of an EU theme, no licence and no frequency: drafts with named gaps
    assert photos["publication_status"] == "draft"
    assert "kategoria (ue)" in photos["known_quality_issues"]
