"""DCAT output of the inventory validates against the DCAT-AP 3 SHACL shapes."""
from __future__ import annotations

import json

import pyshacl
import pytest
import rdflib
from ckan.tests import factories, helpers
from ckanext.dcat.processors import RDFParser

from tests.inventory_records import EU, full_record
from tests.source_server import fixture_path

SHAPES = {
    "3.0.0": "dcat/ckanext-dcat/dcat-ap_3_shacl_shapes.ttl",
    "3.0.1": "dcat/semiceu-3.0.1/shacl/dcat-ap-SHACL.ttl",
}


def violations(text: str, shapes_file: str, rdf_format: str = "turtle") -> list[str]:
    data = rdflib.Graph().parse(data=text, format=rdf_format)
    shapes = rdflib.Graph().parse(fixture_path(shapes_file), format="turtle")
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if report.value(result, sh.resultSeverity) == sh.Violation:
            found.append(f"{report.value(result, sh.focusNode)} {report.value(result, sh.resultPath)}: "
                         f"{report.value(result, sh.resultMessage)}")
    return sorted(found)


@pytest.fixture
def department():
    return factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska",
                                  unit_code="SR", unit_type="department", contact_email="srodowisko@um.kielce.pl")


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("version", sorted(SHAPES))
def test_fully_described_record_validates_with_zero_violations(app, department, version):
    sysadmin = factories.Sysadmin()
    helpers.call_action("package_create", {"user": sysadmin["name"]}, **full_record(department["id"]))
    for url, rdf_format in (("/dataset/rejestr-drzew.ttl", "turtle"), ("/catalog.ttl", "turtle"),
                            ("/catalog.rdf", "xml"), ("/dataset/rejestr-drzew.rdf", "xml")):
        response = app.get(url)
        assert response.status_code == 200
        found = violations(response.get_data(as_text=True), SHAPES[version], rdf_format)
        assert found == [], "\n".join([url, *found])


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_urban_audit_fields_are_in_the_dcat_output(app, department):
    sysadmin = factories.Sysadmin()
    helpers.call_action("package_create", {"user": sysadmin["name"]}, **full_record(department["id"]))
    graph = rdflib.Graph().parse(data=app.get("/dataset/rejestr-drzew.ttl").get_data(as_text=True), format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.namespace.DCTERMS
    skos = rdflib.namespace.SKOS
    dataset = next(graph.subjects(rdflib.RDF.type, dcat.Dataset))
    themes = {str(t) for t in graph.objects(dataset, dcat.theme)}
    assert themes == {
        EU + "data-theme/ENVI", EU + "data-theme/REGI", "urn:x-urbanaudit:iso37120-theme:8",
        "urn:x-urbanaudit:iso37120-theme:21", "urn:x-urbanaudit:urban-audit-domain:environment",
        "http://inspire.ec.europa.eu/theme/lc",
    }
    labels = {str(label) for label in graph.objects(rdflib.URIRef("urn:x-urbanaudit:iso37120-theme:8"), skos.prefLabel)}
    assert labels == {"8. Środowisko i zmiany klimatu", "8. Environment and climate change"}
    assert str(graph.value(dataset, dct.accrualPeriodicity)) == EU + "frequency/ANNUAL"
    assert str(graph.value(dataset, dct.accessRights)) == EU + "access-right/PUBLIC"
    formats = {str(f) for d in graph.objects(dataset, dcat.distribution) for f in graph.objects(d, dct["format"])}
    assert formats == {EU + "file-type/CSV", EU + "file-type/GEOJSON"}
    licences = {str(x) for d in graph.objects(dataset, dcat.distribution) for x in graph.objects(d, dct.license)}
    assert licences == {EU + "licence/CC_BY_4_0"}
    contact = graph.value(dataset, dcat.contactPoint)
    vcard = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
    assert str(graph.value(contact, vcard.hasEmail)) == "mailto:srodowisko@um.kielce.pl"
    # the department publishes the record when no publisher is given
    publisher = graph.value(dataset, dct.publisher)
    assert str(graph.value(publisher, rdflib.namespace.FOAF.name)) == "Wydział Środowiska"
    # internal inventory fields stay internal
    text = graph.serialize(format="turtle")
    assert "anna.nowak@um.kielce.pl" not in text and "Serwer Urzędu Miasta" not in text


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_dcat_output_parses_back_into_the_inventory_schema(app, department):
    """A catalogue harvesting ours (RDF harvester, same profiles) gets the same record back."""
    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"]}
    original = helpers.call_action("package_create", context, **full_record(department["id"]))
    parser = RDFParser(profiles=["urbanaudit_dcat_ap"])
    parser.parse(app.get("/dataset/rejestr-drzew.ttl").get_data(as_text=True), _format="turtle")
    [parsed] = list(parser.datasets())
    assert parsed["identifier"] == "KIELCE-SR-001"
    # the identifier is unique in one inventory: the copy gets its own
    parsed.update(name="rejestr-drzew-kopia", owner_org=department["id"], identifier="KIELCE-SR-001-KOPIA")
    copy = helpers.call_action("package_create", context, **parsed)
    for field in ("title", "notes", "theme", "iso37120_theme", "urban_audit_domain", "inspire_theme",
                  "frequency", "access_rights", "license_id", "issued", "modified", "version", "url"):
        assert copy.get(field) == original[field], field
    assert sorted(t["name"] for t in copy["tags"]) == sorted(t["name"] for t in original["tags"])
    assert json.loads(copy["spatial"]) == json.loads(original["spatial"])
    assert copy["contact"][0]["email"] == original["contact"][0]["email"]
    assert copy["temporal_coverage"][0]["start"] == original["temporal_coverage"][0]["start"]
    assert sorted((r["format"], r["url"]) for r in copy["resources"]) == sorted(
        (r["format"], r["url"]) for r in original["resources"])
