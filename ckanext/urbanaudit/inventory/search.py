"""The catalogue's search: facets of the inventory with Polish/English labels, and the data-set pages kept to
data sets (called by plugin.py)."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan.lib.search import SearchError

from ckanext.urbanaudit import utils, vocabularies

# Multi-valued choice fields reach Solr as one JSON string in CKAN's catch-all
# single-valued ``*`` field; each value goes to the stock multi-valued ``vocab_*``
# dynamic field as well, so the catalogue can facet and filter on one value.
# The analyses' (research/, dataset type ``analysis``) lists of the data sets and indicators they use likewise
# (``vocab_uses_datasets``, ``vocab_uses_indicators``: the "used in" lists of the data-set and indicator pages).
MULTI_VALUED = ("theme", "iso37120_theme", "urban_audit_domain", "uses_datasets", "uses_indicators")

# The portal's pages that list data sets: CKAN's data-set search (/dataset) and a department's or group's page.
# CKAN's /dataset shows every dataset type unless ``ckan.search.show_all_types`` says otherwise (its default,
# ``dataset``, shows them all there) and the department pages never filter by type, so the indicator records
# (type ``indicator``, the catalogue's entries, listed at /indicator) and the analyses (type ``analysis``, listed
# at /dla-badaczy) are kept out of these pages here. The Action API (``package_search``) and the dane.gov.pl feed
# keep CKAN's behaviour; the DCAT catalogue (/catalog.ttl) leaves the analyses out (they are not data sets: the
# data sets they use reference them, ``dcat/urbanaudit.py``).
DATASET_PAGES = frozenset({"dataset.search", "organization.read", "group.read"})
NOT_INDICATOR = "-dataset_type:indicator -dataset_type:analysis"
# ckanext-dcat's paged catalogue and the whole catalogue streamed (dcat/dump.py)
DCAT_CATALOGUE = frozenset({"dcat.read_catalog", "urbanaudit_dcat.whole_catalogue"})
NOT_ANALYSIS = "-dataset_type:analysis"
# a filter asking for a dataset type (not one leaving a type out, as ckanext-harvest's ``-dataset_type:harvest``)
ASKS_FOR_TYPE = re.compile(r"(?:^|[\s(+])dataset_type:")

# facet field -> vocabulary naming its values
VOCABULARY_FACETS = {"vocab_theme": "data-theme", "vocab_iso37120_theme": "iso37120-theme",
                     "vocab_urban_audit_domain": "urban-audit-domain", "access_rights": "access-right"}


def _values(value: Any) -> list[str]:
    return [str(v) for v in utils.json_list(value) if v not in (None, "")]


def _label(vocabulary: str, value: str) -> str | None:
    lang = tk.h.lang() or "pl"
    for choice in vocabularies.choices(vocabulary):
        if str(choice["value"]) == value:
            return choice["label"].get(lang) or choice["label"]["pl"]
    return None


def dataset_facets(facets_dict: dict[str, str], package_type: str) -> dict[str, str]:
    """The inventory's facets in their order, with the quality facet (``quality.hooks.dataset_facets``, which
    the plugin calls first) kept in its place after the access level."""
    if package_type != "dataset":
        return facets_dict
    ordered = {
        "organization": tk._("Departments"),
        "vocab_theme": tk._("Theme (EU)"),
        "vocab_iso37120_theme": tk._("ISO 37120 theme"),
        "access_rights": tk._("Access level"),
    }
    if "quality_band" in facets_dict:
        ordered["quality_band"] = facets_dict["quality_band"]
    ordered.update({"res_format": tk._("Formats"), "tags": tk._("Tags"), "license_id": tk._("Licenses")})
    facets_dict.clear()
    facets_dict.update(ordered)
    return facets_dict


def on_dataset_page() -> bool:
    """Whether the search runs for one of the portal's data-set pages (not for the API or any other page)."""
    return flask.has_request_context() and flask.request.endpoint in DATASET_PAGES


def before_dataset_search(search_params: dict[str, Any]) -> dict[str, Any]:
    """On the data-set pages, data sets only: indicator records and analyses are left out unless the visitor
    filters on the dataset type explicitly (``?dataset_type=indicator``); the DCAT catalogue leaves analyses out."""
    fq = str(search_params.get("fq") or "")
    if ASKS_FOR_TYPE.search(fq) or not flask.has_request_context():
        return search_params
    if on_dataset_page():
        search_params["fq"] = f"{fq} {NOT_INDICATOR}".strip()
    elif flask.request.endpoint in DCAT_CATALOGUE:
        search_params["fq"] = f"{fq} {NOT_ANALYSIS}".strip()
    return search_params


def datasets_matching(q: str | None) -> int | None:
    """How many data sets the data-set search (/dataset?q=...) finds for ``q``, as the visitor sees them; None
    without a query or when the search refuses it."""
    if not (q or "").strip():
        return None
    try:
        found = tk.get_action("package_search")(utils.user_context(), {
            "q": q, "fq": "+dataset_type:dataset", "rows": 0,
            "include_private": tk.config.get("ckan.search.default_include_private")})
    except (SearchError, tk.ValidationError):
        return None
    return found["count"]


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    for field in MULTI_VALUED:
        if field in pkg_dict:
            pkg_dict[f"vocab_{field}"] = _values(pkg_dict[field])
    return pkg_dict


def after_dataset_search(search_results: dict[str, Any]) -> dict[str, Any]:
    facets = search_results.get("search_facets") or {}
    for field, vocabulary in VOCABULARY_FACETS.items():
        for item in (facets.get(field) or {}).get("items", []):
            label = _label(vocabulary, item.get("name", ""))
            if label:
                item["display_name"] = label
    return search_results
