"""DCAT-AP-PL, selectable with ?profiles=dcat_ap_pl on ckanext-dcat's endpoints."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from tests import danegovpl_catalogue as catalogue

DCATAPPL = Namespace("https://api.dane.gov.pl/ns/dcatappl#")
POLISH = URIRef(catalogue.EU + "language/POL")


def _graph(app, url: str) -> Graph:
    response = app.get(url)
    assert response.status_code == 200, response.data[:500]
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_dataset_in_dcat_ap_pl_carries_what_dane_gov_pl_adds(app):
    records = catalogue.build()
    g = _graph(app, f"/dataset/{records['full']['name']}.ttl?profiles=dcat_ap_pl")
    dataset = next(g.subjects(RDF.type, DCAT.Dataset))

    titles = list(g.objects(dataset, DCTERMS.title))
    assert titles == [Literal("Rejestr drzew: zieleń miejska w Kielcach (żółć, gęś, źdźbło)", lang="pl")]
    assert all(k.language == "pl" for k in g.objects(dataset, DCAT.keyword))
    assert {str(k) for k in g.objects(dataset, DCAT.keyword)} == {"drzewa", "zieleń miejska", "środowisko"}
    assert list(g.objects(dataset, DCTERMS.language)) == [POLISH]
    assert g.value(dataset, FOAF.logo) == URIRef(records["org"]["image_display_url"])  # the department's image
    assert g.value(dataset, DCTERMS.issued) is not None and g.value(dataset, DCTERMS.modified) is not None

    distributions = list(g.objects(dataset, DCAT.distribution))
    assert len(distributions) == 3
    for distribution in distributions:
        assert (distribution, DCTERMS.language, POLISH) in g
        score = g.value(distribution, DCATAPPL.opennessScore)
        assert score == URIRef("https://api.dane.gov.pl/vocab/openness-score/3-stars")
        assert (score, RDF.type, SKOS.Concept) in g
        assert Literal("3 gwiazdki", lang="pl") in set(g.objects(score, SKOS.prefLabel))


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_default_profile_is_unchanged_and_the_catalogue_gets_the_pl_requirements(app):
    records = catalogue.build()
    plain = _graph(app, f"/dataset/{records['full']['name']}.ttl")
    dataset = next(plain.subjects(RDF.type, DCAT.Dataset))
    assert all(t.language is None for t in plain.objects(dataset, DCTERMS.title))
    assert not list(plain.triples((None, DCATAPPL.opennessScore, None)))

    g = _graph(app, "/catalog.ttl?profiles=dcat_ap_pl")
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    assert (catalog, DCTERMS.language, POLISH) in g
    assert (catalog, DCTERMS.spatial, URIRef(catalogue.EU + "country/POL")) in g
    assert (catalog, DCAT.themeTaxonomy, URIRef(catalogue.EU + "data-theme")) in g
    assert len(list(g.subjects(RDF.type, DCAT.Dataset))) >= 3
