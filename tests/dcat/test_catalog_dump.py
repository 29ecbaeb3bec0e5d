"""The whole DCAT catalogue in one streamed answer (/catalog/all.<format>, dcat/dump.py): every public record of
the catalogue in every format, written a batch at a time, with what /catalog.ttl says of each record; private
records and analyses (as data sets) left out. Real PostgreSQL and Solr, over the app's HTTP interface."""
from __future__ import annotations

import json

import pytest
import rdflib
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.urbanaudit import config
from ckanext.urbanaudit.dcat import dump
from tests.dcat.test_dcat_shacl import SHAPES, violations
from tests.portal.test_analyses import _analysis, _dataset, research  # noqa: F401 (fixture)

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.namespace.DCTERMS
SITE = "http://test.ckan.net"
FORMATS = {"ttl": "turtle", "n3": "n3", "jsonld": "json-ld", "rdf": "xml", "xml": "xml"}


@pytest.fixture
def catalogue(research, monkeypatch):  # noqa: F811 (the fixture imported above)
    """Seven public data sets besides the research fixture's two (nine public, one private), an analysis using
    two of them, and batches of two records: the dump takes five batches and a part."""
    monkeypatch.setattr(dump, "BATCH", 2)
    redis = connect_to_redis()
    for place in redis.keys(f"{config.site_id()}:urbanaudit:dcat-dump:*"):  # left by an interrupted run
        redis.delete(place)
    for n in range(7):
        _dataset(research["env"]["id"], f"zbior-{n}", f"Zbiór danych {n}")
    return {**research, "analysis": _analysis(research)}


def _get(app, url: str):
    """The whole answer; closed as a WSGI server closes it once sent (the test client leaves a streamed answer
    open), which gives the dump's place back."""
    response = app.get(url)
    response.get_data()
    response.close()
    return response


def _graph(app, url: str, rdf_format: str) -> rdflib.Graph:
    response = _get(app, url)
    assert response.status_code == 200, url
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format=rdf_format)


def _datasets(graph: rdflib.Graph) -> set[str]:
    catalog = rdflib.URIRef(SITE)
    return {str(d) for d in graph.objects(catalog, DCAT.dataset)}


def test_every_public_record_is_in_the_whole_catalogue_in_every_format_and_nothing_private(app, catalogue):
    public = helpers.call_action("package_search", q="*:*", fq="-dataset_type:analysis", rows=1000)["results"]
    expected = {f"{SITE}/dataset/{p['id']}" for p in public}
    assert len([p for p in public if p["type"] == "dataset"]) == 9
    secret = f"{SITE}/dataset/{catalogue['secret']['id']}"
    graphs = {fmt: _graph(app, f"/catalog/all.{fmt}", rdf_format) for fmt, rdf_format in FORMATS.items()}
    for fmt, graph in graphs.items():
        assert _datasets(graph) == expected, fmt
        assert set(graph.subjects(rdflib.RDF.type, DCAT.Dataset)) == {rdflib.URIRef(d) for d in expected}, fmt
        assert rdflib.URIRef(secret) not in set(graph.subjects()), fmt
        assert "Wyniki egzaminów szkolnych" not in {str(o) for o in graph.objects()}, fmt
    # the same statements whatever the format (blank nodes aside)
    counts = {fmt: len(g) for fmt, g in graphs.items()}
    assert len(set(counts.values())) == 1, counts


def test_the_whole_catalogue_says_of_each_record_what_the_paged_catalogue_says(app, catalogue):
    whole = _graph(app, "/catalog/all.ttl", "turtle")
    paged = _graph(app, "/catalog.ttl", "turtle")  # one page (100 records): every record fits
    assert _datasets(whole) == _datasets(paged)
    for ref in _datasets(paged):
        node = rdflib.URIRef(ref)
        for predicate in (DCT.title, DCT.description, DCT.identifier, DCT.publisher, DCAT.theme, DCT.license,
                          DCT.isReferencedBy):
            assert set(whole.objects(node, predicate)) == set(paged.objects(node, predicate)), (ref, predicate)
    # the analysis: referenced by the data sets it uses (found for a whole batch in one search), not a data set
    analysis = rdflib.URIRef(f"{SITE}/dataset/{catalogue['analysis']['id']}")
    assert {str(s) for s in whole.subjects(DCT.isReferencedBy, analysis)} == {
        f"{SITE}/dataset/{catalogue['trees']['id']}", f"{SITE}/dataset/{catalogue['noise']['id']}"}
    assert str(whole.value(analysis, DCT.title)) == "Hałas drogowy a zieleń miejska"
    assert (rdflib.URIRef(SITE), DCAT.dataset, analysis) not in whole


@pytest.mark.parametrize("version", sorted(SHAPES))
def test_the_whole_catalogue_validates_against_the_dcat_ap_shapes(app, catalogue, version):
    response = _get(app, "/catalog/all.ttl")
    assert violations(response.get_data(as_text=True), SHAPES[version]) == []


def test_the_whole_catalogue_is_streamed_a_batch_at_a_time(app, catalogue):
    response = app.get("/catalog/all.jsonld")
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert response.is_streamed
    parts = [part.decode("utf-8") if isinstance(part, bytes) else part for part in response.response]
    parts = [part for part in parts if part.strip()]
    # the opening bracket, the catalogue, 9 records (+ the nodes each brings) in batches of two, the closing bracket
    assert len(parts) > 10
    response.close()
    nodes = json.loads("".join(parts))
    assert isinstance(nodes, list) and all("@id" in n or "@type" in n for n in nodes)


def test_an_unknown_format_or_profile_is_refused_with_the_reason(app, catalogue):
    response = _get(app, "/catalog/all.csv")
    assert response.status_code == 404
    assert "ttl, n3, jsonld, rdf, xml" in response.get_data(as_text=True)
    response = _get(app, "/catalog/all.ttl?profiles=no_such_profile")
    assert response.status_code == 409
    assert "no_such_profile" in response.get_data(as_text=True)


def test_a_private_record_made_public_appears_in_the_next_dump(app, catalogue):
    secret = f"{SITE}/dataset/{catalogue['secret']['id']}"
    assert secret not in _datasets(_graph(app, "/catalog/all.ttl", "turtle"))
    admin = factories.Sysadmin()
    helpers.call_action("package_patch", {"user": admin["name"]}, id=catalogue["secret"]["id"], private=False)
    assert secret in _datasets(_graph(app, "/catalog/all.ttl", "turtle"))


def test_while_the_places_for_dumps_are_taken_a_visitor_is_told_to_come_back_and_the_place_is_given_back(
        app, catalogue):
    redis = connect_to_redis()
    place = f"{config.site_id()}:urbanaudit:dcat-dump:0"  # ckanext.urbanaudit.dcat.dumps_at_once: 1
    redis.set(place, "another visitor's dump", ex=60)
    try:
        response = _get(app, "/catalog/all.ttl")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        assert "/catalog.ttl" in response.get_data(as_text=True)
    finally:
        redis.delete(place)
    response = app.get("/catalog/all.ttl")
    assert response.status_code == 200
    assert redis.get(place) is not None  # this dump holds the place while it is written
    assert _datasets(rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle"))
    response.close()
    assert redis.get(place) is None  # the dump gave its place back: the next visitor gets one
    assert _get(app, "/catalog/all.ttl").status_code == 200
