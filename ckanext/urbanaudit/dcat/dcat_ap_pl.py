"""DCAT-AP-PL: the Polish application profile as dane.gov.pl serves and harvests it.

Selected with ``?profiles=dcat_ap_pl`` on ckanext-dcat's endpoints (``/catalog.ttl``,
``/dataset/<id>.rdf`` ...). It is DCAT-AP 3 (ckanext-dcat's ``euro_dcat_ap_3``) plus
what dane.gov.pl's profile adds or requires beyond it (its RDF API specification
``rdf_api_spec_dcat_ap_pl.json`` and mcod's ``profiles/dcat_ap_pl.py``):

- text in the language it is written in: ``dct:title``, ``dct:description`` and
  ``dcat:keyword`` literals tagged ``@pl`` (dane.gov.pl reads ``title_pl`` /
  ``title_en`` by language tag; an untagged literal is neither);
- ``dct:language`` on every dataset and distribution (required there), the
  record's own languages or else Polish, the language of this portal;
- ``dcatappl:opennessScore`` on distributions: the record's Berners-Lee level as a
  concept of dane.gov.pl's openness-score vocabulary;
- ``foaf:logo`` on the dataset (the department's image) and ``dcatappl:regon`` on
  the publisher where the department has a REGON;
- the catalogue's ``dct:language``, ``dct:spatial`` (Poland) and
  ``dcat:themeTaxonomy`` (EU data themes), required by DCAT-AP-PL.
"""
from __future__ import annotations

from typing import Any

from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, SKOS
from ckanext.dcat.profiles.euro_dcat_ap_3 import EuropeanDCATAP3Profile
from ckanext.dcat.utils import resource_uri
from rdflib import Literal, Namespace, URIRef
from rdflib.term import Node

from ckanext.urbanaudit.utils import EU

DCATAPPL = Namespace("https://api.dane.gov.pl/ns/dcatappl#")
POLISH = URIRef(EU + "language/POL")
POLAND = URIRef(EU + "country/POL")
OPENNESS_SCHEME = "https://api.dane.gov.pl/vocab/openness-score"
OPENNESS_LABELS = {
    1: ("1 gwiazdka", "1 star"), 2: ("2 gwiazdki", "2 stars"), 3: ("3 gwiazdki", "3 stars"),
    4: ("4 gwiazdki", "4 stars"), 5: ("5 gwiazdek", "5 stars"),
}
ISO_639_1 = {"pl": "POL", "en": "ENG", "de": "DEU", "uk": "UKR"}
TAGGED = (DCT.title, DCT.description, DCAT.keyword)


class DCATAPPLProfile(EuropeanDCATAP3Profile):
    """DCAT-AP 3 with the DCAT-AP-PL additions of dane.gov.pl."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        super().graph_from_dataset(dataset_dict, dataset_ref)
        self.g.bind("dcatappl", DCATAPPL)
        self._tag_polish(dataset_ref)
        self._language(dataset_ref, dataset_dict.get("language"))
        organization = dataset_dict.get("organization") or {}
        logo = organization.get("image_display_url") or organization.get("image_url")
        if logo and str(logo).startswith(("http://", "https://")):
            self.g.add((dataset_ref, FOAF.logo, URIRef(logo)))
        regon = organization.get("regon")
        publisher = self.g.value(dataset_ref, DCT.publisher)
        if regon and publisher is not None:
            self.g.add((publisher, DCATAPPL.regon, Literal(str(regon))))
        openness = self._openness(dataset_dict.get("openness_level"))
        for resource in dataset_dict.get("resources") or []:
            distribution = URIRef(resource_uri(resource))
            if (dataset_ref, DCAT.distribution, distribution) not in self.g:
                continue
            self._tag_polish(distribution)
            self._language(distribution, resource.get("language") or dataset_dict.get("language"))
            if openness is not None:
                self.g.add((distribution, DCATAPPL.opennessScore, openness))

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Node) -> None:
        super().graph_from_catalog(catalog_dict, catalog_ref)
        self.g.bind("dcatappl", DCATAPPL)
        self._tag_polish(catalog_ref)
        for value in list(self.g.objects(catalog_ref, DCT.language)):
            # ckanext-dcat gives the locale code ("pl"); DCAT-AP-PL wants the EU language URI
            if isinstance(value, Literal) and str(value).lower() in ISO_639_1:
                self.g.remove((catalog_ref, DCT.language, value))
                self.g.add((catalog_ref, DCT.language, URIRef(EU + "language/" + ISO_639_1[str(value).lower()])))
        if not any(self.g.objects(catalog_ref, DCT.language)):
            self.g.add((catalog_ref, DCT.language, POLISH))
        if not any(self.g.objects(catalog_ref, DCT.spatial)):
            self.g.add((catalog_ref, DCT.spatial, POLAND))
        if not any(self.g.objects(catalog_ref, DCAT.themeTaxonomy)):
            self.g.add((catalog_ref, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))

    def _tag_polish(self, subject: Node) -> None:
        """Untagged plain literals of title, description and keywords are Polish text."""
        for predicate in TAGGED:
            for value in list(self.g.objects(subject, predicate)):
                if isinstance(value, Literal) and value.language is None and value.datatype is None:
                    self.g.remove((subject, predicate, value))
                    self.g.add((subject, predicate, Literal(str(value), lang="pl")))

    def _language(self, subject: Node, languages: str | list[str] | None) -> None:
        if any(self.g.objects(subject, DCT.language)):
            return
        if isinstance(languages, str):
            languages = [languages]
        uris = [URIRef(u) for u in languages or [] if str(u).startswith(("http://", "https://"))]
        for uri in uris or [POLISH]:
            self.g.add((subject, DCT.language, uri))

    def _openness(self, level: str | int | None) -> URIRef | None:
        try:
            stars = int(level)
        except (TypeError, ValueError):
            return None
        if stars not in OPENNESS_LABELS:
            return None
        concept = URIRef(f"{OPENNESS_SCHEME}/{stars}-star" + ("" if stars == 1 else "s"))
        scheme = URIRef(OPENNESS_SCHEME)
        label_pl, label_en = OPENNESS_LABELS[stars]
        self.g.add((concept, RDF.type, SKOS.Concept))
        self.g.add((concept, SKOS.inScheme, scheme))
        self.g.add((concept, SKOS.prefLabel, Literal(label_pl, lang="pl")))
        self.g.add((concept, SKOS.prefLabel, Literal(label_en, lang="en")))
        self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
        return concept
