"""The catalogue's search: facets of the inventory with Polish/English labels (called by plugin.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import utils, vocabularies

# Multi-valued choice fields reach Solr as one JSON string in CKAN's catch-all
# single-valued ``*`` field; each value goes to the stock multi-valued ``vocab_*``
# dynamic field as well, so the catalogue can facet and filter on one value.
MULTI_VALUED = ("theme", "iso37120_theme", "urban_audit_domain")

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
