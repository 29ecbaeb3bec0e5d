"""DCAT-AP 3 profile of the urban-audit inventory (entry point ``urbanaudit_dcat_ap``).

It builds on ckanext-dcat's DCAT-AP 3 profile (and is used instead of it): the
parent writes the DCAT-AP properties the inventory shares with ckanext-dcat's
scheming schema; this one maps what is ours and makes the output meet the
DCAT-AP 3 SHACL shapes:

* themes: EU data themes, ISO 37120 themes, Urban Audit domains and the INSPIRE
  theme all become ``dcat:theme`` SKOS concepts with Polish and English labels;
* distributions always carry ``dcat:accessURL``; formats become EU file-type
  URIs and media types IANA URIs (unknown formats a labelled node, never lost);
* the spatial extent becomes ``dcat:bbox`` and ``dcat:centroid`` literals and a
  ``locn:Geometry`` node holding the full geometry as WKT;
* the publisher falls back to the owning department;
* analyses (dataset type ``analysis``, ``research/``) are not data sets and stay out of the catalogue's
  ``dcat:dataset`` list: each public data set (and indicator record) an analysis uses points to it with
  ``dct:isReferencedBy`` (DCAT-AP 3: range ``rdfs:Resource``), the analysis node typed ``rdfs:Resource`` and
  ``dct:type`` DCMI ``Text``, with its title; the analysis' own RDF (``/dataset/<id>.ttl``) describes it so,
  with creators, date, licence, publication (``foaf:page``) and ``dct:relation`` to the public data sets used.

Internal inventory fields (steward, storage, software, personal data) are not
published. Parsing does the reverse, so records harvested from a DCAT
catalogue produced by this profile come back into the schema.
"""
from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from ckan.plugins import toolkit as tk
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, GSP, LOCN
from ckanext.dcat.profiles.euro_dcat_ap_3 import EuropeanDCATAP3Profile
from ckanext.dcat.utils import dataset_uri
from geomet import wkt
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from ckanext.urbanaudit import config, utils, vocabularies
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.research import search as research

IANA = "https://www.iana.org/assignments/media-types/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
LANGUAGES = {"pl": "POL", "en": "ENG", "de": "DEU", "uk": "UKR"}
# DCMI Type Vocabulary: "Text" (a resource consisting primarily of words for reading), the type of an analysis
DCMI_TEXT = URIRef("http://purl.org/dc/dcmitype/Text")
# {data set id or indicator code: its public analyses} found for a batch of records at once (research.using_any),
# set by a writer of many records (dcat/dump.py); None: each record asks the search index for its own
ANALYSES_USING: ContextVar[dict[str, list[dict[str, Any]]] | None] = ContextVar("analyses_using", default=None)
# The vocabularies whose values are published as dcat:theme concepts, and the
# dataset field holding them.
THEME_FIELDS = {
    "theme": "data-theme",
    "iso37120_theme": "iso37120-theme",
    "urban_audit_domain": "urban-audit-domain",
    "inspire_theme": "inspire-theme",
}


def concept_uri(vocabulary: str, value: str) -> str:
    """URI of a vocabulary value: EU/INSPIRE values are URIs already; ours are codes."""
    if value.startswith(("http://", "https://", "urn:")):
        return value
    return f"{vocabularies.load(vocabulary)['vocabulary']}:{value}"


def _as_list(value: Any) -> list[str]:
    return utils.json_list(value) if value else []


class UrbanAuditDCATAPProfile(EuropeanDCATAP3Profile):
    # ------------------------------------------------------------------ output

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        if dataset_dict.get("type") == research.ANALYSIS:
            self._analysis_to_graph(dataset_dict, dataset_ref)
            return
        super().graph_from_dataset(dataset_dict, dataset_ref)
        self._themes_to_graph(dataset_dict, dataset_ref)
        self._distributions_to_graph(dataset_dict, dataset_ref)
        self._spatial_to_graph(dataset_dict, dataset_ref)
        self._publisher_fallback(dataset_dict, dataset_ref)
        self._referenced_by(dataset_dict, dataset_ref)

    def _analysis_node(self, analysis: dict[str, Any]) -> URIRef:
        g = self.g
        ref = URIRef(dataset_uri(analysis))
        g.add((ref, RDF.type, RDFS.Resource))
        g.add((ref, DCT.type, DCMI_TEXT))
        g.add((ref, DCT.title, Literal(analysis.get("title") or analysis.get("name") or "")))
        return ref

    def _referenced_by(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        """The public analyses using this data set (or indicator record): ``dct:isReferencedBy``."""
        if not dataset_dict.get("id"):
            return
        context = {"ignore_auth": True, "user": ""}
        known = ANALYSES_USING.get()
        if dataset_dict.get("type") == "indicator":
            if not dataset_dict.get("indicator_code"):
                return
            code = dataset_dict["indicator_code"]
            analyses = known[code] if known is not None and code in known else research.using(
                context, indicator_code=code)
        else:
            analyses = known[dataset_dict["id"]] if known is not None and dataset_dict["id"] in known else \
                research.using(context, dataset_id=dataset_dict["id"])
        for analysis in analyses:
            self.g.add((dataset_ref, DCT.isReferencedBy, self._analysis_node(analysis)))

    def _analysis_to_graph(self, analysis: dict[str, Any], ref: Node) -> None:
        """An analysis' own description: a text resource related to the public data sets it uses."""
        g = self.g
        self._analysis_node(analysis)
        if analysis.get("notes"):
            g.add((ref, DCT.description, Literal(analysis["notes"])))
        for name in _as_list(analysis.get("authors")):
            creator = BNode()
            g.add((ref, DCT.creator, creator))
            g.add((creator, RDF.type, FOAF.Agent))
            g.add((creator, FOAF.name, Literal(name)))
        if analysis.get("institution"):
            institution = BNode()
            g.add((ref, DCT.contributor, institution))
            g.add((institution, RDF.type, FOAF.Organization))
            g.add((institution, FOAF.name, Literal(analysis["institution"])))
        if analysis.get("issued"):
            self._add_date_triple(ref, DCT.issued, analysis["issued"])
        licence = self._licence_uri(analysis.get("license_id"), analysis.get("license_url"))
        if licence:
            g.add((ref, DCT.license, licence))
            g.add((licence, RDF.type, DCT.LicenseDocument))
        for resource in analysis.get("resources", []):
            if resource.get("url"):
                g.add((ref, FOAF.page, URIRef(resource["url"])))
        self._publisher_fallback(analysis, ref)
        slugs = [ind.slug for code in _as_list(analysis.get("uses_indicators")) if (ind := catalogue().get(code))]
        for used in research.public_packages(_as_list(analysis.get("uses_datasets")) + slugs):
            g.add((ref, DCT.relation, URIRef(dataset_uri(used))))

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Node) -> None:
        super().graph_from_catalog(catalog_dict, catalog_ref)
        g = self.g
        if not list(g.objects(catalog_ref, DCT.description)):
            for lang, text in config.catalog_description().items():
                g.add((catalog_ref, DCT.description, Literal(text, lang=lang)))
        for language in list(g.objects(catalog_ref, DCT.language)):
            if isinstance(language, Literal):
                g.remove((catalog_ref, DCT.language, language))
                code = LANGUAGES.get(str(language).lower())
                if code:
                    ref = URIRef(EU_LANGUAGE + code)
                    g.add((catalog_ref, DCT.language, ref))
                    g.add((ref, RDF.type, DCT.LinguisticSystem))
        for homepage in g.objects(catalog_ref, FOAF.homepage):
            g.add((homepage, RDF.type, FOAF.Document))
        if not list(g.objects(catalog_ref, DCT.publisher)):
            name, uri = config.catalog_publisher()
            publisher = URIRef(uri)
            g.add((catalog_ref, DCT.publisher, publisher))
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, Literal(name, lang="pl")))

    def _concept(self, vocabulary: str, uri: str) -> URIRef:
        g = self.g
        ref = URIRef(uri)
        g.add((ref, RDF.type, SKOS.Concept))
        g.add((ref, SKOS.inScheme, URIRef(vocabularies.load(vocabulary)["vocabulary"])))
        for choice in vocabularies.choices(vocabulary):
            if concept_uri(vocabulary, choice["value"]) == uri:
                for lang, label in choice["label"].items():
                    g.add((ref, SKOS.prefLabel, Literal(label, lang=lang)))
        return ref

    def _themes_to_graph(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        # euro_dcat_ap_3 wrote the EU themes; type them (and anything else in dcat:theme) as concepts
        for field, vocabulary in THEME_FIELDS.items():
            for value in _as_list(dataset_dict.get(field)):
                g.add((dataset_ref, DCAT.theme, self._concept(vocabulary, concept_uri(vocabulary, value))))
        for theme in list(g.objects(dataset_ref, DCAT.theme)):
            if isinstance(theme, URIRef):
                g.add((theme, RDF.type, SKOS.Concept))

    def _distributions_to_graph(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        licence = self._licence_uri(dataset_dict.get("license_id"), dataset_dict.get("license_url"))
        by_format = {}
        for choice in vocabularies.choices("file-type"):
            for key in (choice["code"], choice["label"]["en"], choice["media_type"]):
                by_format[key.upper()] = choice
        for distribution in g.objects(dataset_ref, DCAT.distribution):
            resource = self._resource_for(dataset_dict, distribution)
            url = (resource or {}).get("url")
            if licence and not list(g.objects(distribution, DCT.license)):
                g.add((distribution, DCT.license, licence))
                g.add((licence, RDF.type, DCT.LicenseDocument))
            if not list(g.objects(distribution, DCAT.accessURL)) and url:
                g.add((distribution, DCAT.accessURL, URIRef(url)))
            for predicate in (DCAT.accessURL, DCAT.downloadURL):
                for target in g.objects(distribution, predicate):
                    g.add((target, RDF.type, RDFS.Resource))
            self._format_to_graph(distribution, by_format)

    def _format_to_graph(self, distribution: Node, by_format: dict[str, dict]) -> None:
        """Literal formats become EU file-type URIs (unknown ones a labelled node), media types IANA URIs."""
        g = self.g
        for fmt in list(g.objects(distribution, DCT["format"])):
            if not isinstance(fmt, Literal):
                continue
            g.remove((distribution, DCT["format"], fmt))
            choice = by_format.get(str(fmt).strip().upper())
            if choice:
                node = URIRef(choice["value"])
                if not list(g.objects(distribution, DCAT.mediaType)):
                    g.add((distribution, DCAT.mediaType, Literal(choice["media_type"])))
            else:
                node = BNode()
                g.add((node, RDFS.label, fmt))
            g.add((distribution, DCT["format"], node))
            g.add((node, RDF.type, DCT.MediaTypeOrExtent))
        for media in list(g.objects(distribution, DCAT.mediaType)):
            if isinstance(media, Literal):
                g.remove((distribution, DCAT.mediaType, media))
                uri = URIRef(IANA + str(media).strip().lower())
                g.add((distribution, DCAT.mediaType, uri))
                g.add((uri, RDF.type, DCT.MediaType))

    @staticmethod
    def _licence_uri(license_id: str | None, license_url: str | None) -> URIRef | None:
        """The EU licence vocabulary URI of a CKAN licence, else the licence's own URL."""
        for choice in vocabularies.choices("licence"):
            if choice["ckan_license_id"] == license_id:
                return URIRef(choice["value"])
        return URIRef(license_url) if license_url else None

    @staticmethod
    def _resource_for(dataset_dict: dict[str, Any], distribution: Node) -> dict | None:
        for resource in dataset_dict.get("resources", []):
            if str(distribution).endswith("/resource/" + resource.get("id", "")):
                return resource
        return None

    def _spatial_to_graph(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        for location in list(g.objects(dataset_ref, DCT.spatial)):
            for geometry in list(g.objects(location, LOCN.geometry)):
                if not isinstance(geometry, Literal):
                    continue
                g.remove((location, LOCN.geometry, geometry))
                try:
                    geojson = wkt.loads(str(geometry))
                except (ValueError, TypeError):
                    continue
                node = BNode()
                g.add((location, LOCN.geometry, node))
                g.add((node, RDF.type, LOCN.Geometry))
                g.add((node, GSP.asWKT, Literal(str(geometry), datatype=GSP.wktLiteral)))
                bbox, centroid = _envelope(geojson)
                if not list(g.objects(location, DCAT.bbox)):
                    g.add((location, DCAT.bbox, Literal(bbox, datatype=GSP.wktLiteral)))
                if not list(g.objects(location, DCAT.centroid)):
                    g.add((location, DCAT.centroid, Literal(centroid, datatype=GSP.wktLiteral)))

    def _publisher_fallback(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        if list(g.objects(dataset_ref, DCT.publisher)):
            return
        org = dataset_dict.get("organization") or {}
        if not org.get("name"):
            return
        publisher = URIRef(tk.url_for("organization.read", id=org["name"], _external=True))
        g.add((dataset_ref, DCT.publisher, publisher))
        g.add((publisher, RDF.type, FOAF.Agent))
        g.add((publisher, FOAF.name, Literal(org.get("title") or org["name"])))

    # ------------------------------------------------------------------- input

    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> dict[str, Any]:
        g = self.g
        geometry = self._parsed_spatial(dataset_ref)
        self._geometry_nodes_to_literals(dataset_ref)
        dataset_dict = super().parse_dataset(dataset_dict, dataset_ref)
        themes = [str(t) for t in g.objects(dataset_ref, DCAT.theme)]
        for field, vocabulary in THEME_FIELDS.items():
            known = {concept_uri(vocabulary, c["value"]): c["value"] for c in vocabularies.choices(vocabulary)}
            values = [known[t] for t in themes if t in known]
            if not values:
                continue  # absent stays absent (a None would fail the schema's list validators)
            dataset_dict[field] = values[0] if field == "inspire_theme" else values
        if dataset_dict.get("theme"):
            eu = {c["value"] for c in vocabularies.choices("data-theme")}
            dataset_dict["theme"] = [t for t in _as_list(dataset_dict["theme"]) if t in eu]
        dataset_dict.update(geometry)
        if not dataset_dict.get("license_id"):
            eu_licences = {c["value"]: c["ckan_license_id"] for c in vocabularies.choices("licence")}
            for distribution in g.objects(dataset_ref, DCAT.distribution):
                for licence in g.objects(distribution, DCT.license):
                    if str(licence) in eu_licences:
                        dataset_dict["license_id"] = eu_licences[str(licence)]
        file_types = {c["value"]: c for c in vocabularies.choices("file-type")}
        for resource in dataset_dict.get("resources", []):
            fmt = resource.get("format") or ""
            if fmt in file_types:
                resource["format"] = file_types[fmt]["code"]
            mimetype = resource.get("mimetype") or ""
            if mimetype.startswith(IANA):
                resource["mimetype"] = mimetype[len(IANA):]
        return dataset_dict

    def _geometry_nodes_to_literals(self, dataset_ref: Node) -> None:
        """The parent parser reads locn:geometry as a literal only; give it one beside each node."""
        g = self.g
        for location in g.objects(dataset_ref, DCT.spatial):
            for node in list(g.objects(location, LOCN.geometry)):
                if isinstance(node, Literal):
                    continue
                g.remove((location, LOCN.geometry, node))
                for text in g.objects(node, GSP.asWKT):
                    g.add((location, LOCN.geometry, Literal(str(text), datatype=GSP.wktLiteral)))

    def _parsed_spatial(self, dataset_ref: Node) -> dict:
        g = self.g
        for location in g.objects(dataset_ref, DCT.spatial):
            for geometry in g.objects(location, LOCN.geometry):
                for text in g.objects(geometry, GSP.asWKT):
                    try:
                        return {"spatial": json.dumps(wkt.loads(str(text)))}
                    except (ValueError, TypeError):
                        continue
        return {}


def _envelope(geojson: dict) -> tuple[str, str]:
    xs, ys = [], []
    stack = [geojson.get("coordinates") or [g.get("coordinates") for g in geojson.get("geometries", [])]]
    while stack:
        item = stack.pop()
        if item and all(isinstance(c, (int, float)) for c in item):
            xs.append(item[0])
            ys.append(item[1])
        elif isinstance(item, list):
            stack.extend(item)
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    bbox = (f"POLYGON(({minx} {miny}, {maxx} {miny}, {maxx} {maxy}, {minx} {maxy}, {minx} {miny}))")
    return bbox, f"POINT({(minx + maxx) / 2} {(miny + maxy) / 2})"


__all__ = ["UrbanAuditDCATAPProfile"]
