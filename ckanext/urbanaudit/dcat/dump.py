"""The whole DCAT catalogue in one answer, streamed: ``/catalog/all.ttl`` (also ``.n3``, ``.jsonld``, ``.rdf``).

ckanext-dcat's ``/catalog.<format>`` pages the catalogue (``ckanext.dcat.datasets_per_page``, 100 by default) and
a harvester walks its hydra pages. Raising that setting to get the whole catalogue in one file builds the whole
graph in memory (``serialize_catalog``), which is how full dumps fail at scale. Here the same records with the
same profiles as ``/catalog.ttl`` (the configured ones, or ``?profiles=``) are written a batch at a time: the
catalogue's own description first, then each batch's records, their graph serialized and dropped before the next
batch is read, so the memory a dump holds does not grow with the catalogue.

A batch's serialization is a complete document of its format, and the parts are joined as the format allows:
Turtle and N3 take repeated ``@prefix`` lines; JSON-LD is one expanded array of the batches' node objects;
RDF/XML is one ``rdf:RDF`` element holding the batches' descriptions, each carrying the namespaces it uses.

Public, active data sets only (what an anonymous visitor reads; the analyses left out as on ``/catalog.ttl``,
see inventory/search.py), ordered by id so that a record edited during the dump is neither lost nor repeated.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import ckan.plugins.toolkit as tk
import redis
from ckan.lib.redis import connect_to_redis
from ckanext.dcat.exceptions import RDFProfileException
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.profiles import DCAT
from ckanext.dcat.utils import CONTENT_TYPES, url_to_rdflib_format
from flask import Blueprint, Response, stream_with_context
from lxml import etree

from ckanext.urbanaudit import config
from ckanext.urbanaudit.dcat.urbanaudit import ANALYSES_USING
from ckanext.urbanaudit.research import search as research

BATCH = 100
# a dump's place expires this long after its last batch (so that a worker killed mid-dump frees it soon)
PLACE_SECONDS = 120
RETRY_AFTER = 60
FORMATS = ("ttl", "n3", "jsonld", "rdf", "xml")

dcat_dump = Blueprint("urbanaudit_dcat", __name__)
log = logging.getLogger(__name__)


def _serializer(profiles: list[str] | None) -> RDFSerializer:
    return RDFSerializer(profiles=profiles)


def _records(fq: str) -> Iterator[list[dict[str, Any]]]:
    """The catalogue's public records in batches, as package_search gives them to ckanext-dcat."""
    search = tk.get_action("package_search")
    start = 0
    while True:
        found = search({"user": ""}, {"q": "*:*", "fq": fq, "sort": "id asc", "rows": BATCH, "start": start,
                                      "include_private": False, "include_drafts": False})
        if found["results"]:
            yield found["results"]
        start += BATCH
        if start >= found["count"] or not found["results"]:
            return


def _rdf_xml_nodes(document: bytes) -> Iterator[str]:
    """The node elements of one batch's RDF/XML, each with the namespace declarations it uses."""
    root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    for node in root:
        yield etree.tostring(node, encoding="unicode")


class Dump:
    """One dump: its parts, in ``fmt`` (a key of ckanext-dcat's CONTENT_TYPES)."""

    def __init__(self, fmt: str, profiles: list[str] | None, on_batch: Callable[[], None] | None = None) -> None:
        self.fmt, self.profiles, self.on_batch = fmt, profiles, on_batch
        self.rdflib_format = "xml" if fmt in ("rdf", "xml") else url_to_rdflib_format(fmt)
        self._first_node = True

    def _graph_text(self, serializer: RDFSerializer) -> Iterator[str]:
        text = serializer.g.serialize(format=self.rdflib_format)
        if self.fmt == "jsonld":
            for node in json.loads(text):
                yield ("" if self._first_node else ",\n") + json.dumps(node, ensure_ascii=False)
                self._first_node = False
        elif self.fmt in ("rdf", "xml"):
            for node in _rdf_xml_nodes(text.encode("utf-8")):
                yield node + "\n"
        else:
            yield text

    def parts(self, fq: str) -> Iterator[str]:
        if self.fmt == "jsonld":
            yield "[\n"
        elif self.fmt in ("rdf", "xml"):
            yield ('<?xml version="1.0" encoding="utf-8"?>\n'
                   '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n')
        serializer = _serializer(self.profiles)
        catalog = serializer.graph_from_catalog({})
        yield from self._graph_text(serializer)
        for batch in _records(fq):
            if self.on_batch:
                self.on_batch()
            serializer = _serializer(self.profiles)
            # the analyses using the batch's records, in one search rather than one per record
            token = ANALYSES_USING.set(research.using_any(
                {"ignore_auth": True, "user": ""}, [r["id"] for r in batch if r.get("type") != "indicator"],
                [r["indicator_code"] for r in batch if r.get("type") == "indicator" and r.get("indicator_code")]))
            try:
                for record in batch:
                    serializer.g.add((catalog, DCAT.dataset, serializer.graph_from_dataset(record)))
            finally:
                ANALYSES_USING.reset(token)
            yield from self._graph_text(serializer)
        if self.fmt == "jsonld":
            yield "\n]\n"
        elif self.fmt in ("rdf", "xml"):
            yield "</rdf:RDF>\n"


class Places:
    """The places of the dumps being written (``ckanext.urbanaudit.dcat.dumps_at_once``, across workers): one Redis
    key each, taken with SET NX, renewed at every batch and given back when the dump ends; a key expires
    PLACE_SECONDS after its last batch should its worker die mid-dump. Redis down: no limit (the dump is written,
    as the home page is built without its cache)."""

    def __init__(self) -> None:
        self.taken: tuple[Any, str, str] | None = None

    def take(self) -> bool:
        limit = config.dcat_dumps_at_once()
        if limit <= 0:
            return True
        token = uuid.uuid4().hex
        try:
            connection = connect_to_redis()
            for n in range(limit):
                key = f"{config.site_id()}:urbanaudit:dcat-dump:{n}"
                if connection.set(key, token, nx=True, ex=PLACE_SECONDS):
                    self.taken = (connection, key, token)
                    return True
        except redis.RedisError as error:
            log.warning("whole-catalogue dumps not limited, Redis unavailable: %s", error)
            return True
        return False

    def keep(self) -> None:
        """The dump is still being written: its place does not expire yet."""
        if self.taken is None:
            return
        connection, key, _token = self.taken
        try:
            connection.expire(key, PLACE_SECONDS)
        except redis.RedisError as error:
            log.warning("whole-catalogue dump place not renewed: %s", error)

    def give_back(self) -> None:
        if self.taken is None:
            return
        connection, key, token = self.taken
        self.taken = None
        try:
            if connection.get(key) == token.encode():
                connection.delete(key)
        except redis.RedisError as error:
            log.warning("whole-catalogue dump place not given back (it expires): %s", error)


@dcat_dump.route("/catalog/all.<fmt>")
def whole_catalogue(fmt: str) -> Response:
    if fmt not in FORMATS:
        tk.abort(404, tk._("No such format: {fmt}. The whole catalogue is given as {formats}.").format(
            fmt=fmt, formats=", ".join(FORMATS)))
    profiles = [p for p in (tk.request.args.get("profiles") or "").split(",") if p] or None
    try:
        _serializer(profiles)
    except RDFProfileException as error:
        tk.abort(409, str(error))
    # the filters ckanext-dcat's catalogue applies (dcat.logic._search_ckan_datasets); analyses are left out by
    # inventory.search.before_dataset_search for this endpoint as for /catalog.ttl
    fq = "-dataset_type:harvest -dataset_type:showcase"
    places = Places()
    if not places.take():
        response = Response(tk._("The whole catalogue is being written for other visitors; try again in a minute, "
                                 "or read it page by page at /catalog.ttl."), status=503,
                            content_type="text/plain; charset=utf-8")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    response = Response(stream_with_context(Dump(fmt, profiles, on_batch=places.keep).parts(fq)),
                        content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="catalog.{fmt}"'
    # the WSGI server closes the answer when it is sent, or when the visitor went away
    response.call_on_close(places.give_back)
    return response
