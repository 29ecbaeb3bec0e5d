"""The catalogue's search: facets of the inventory with Polish/English labels (mixed into UrbanauditPlugin)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import vocabularies

# Multi-valued choice fields reach Solr as one JSON string in CKAN's catch-all
# single-valued ``*`` field; each value goes to the stock multi-valued ``vocab_*``
# dynamic field as well, so the catalogue can facet and filter on one value.
MULTI_VALUED = ("theme", "iso37120_theme", "urban_audit_domain")

# facet field -> vocabulary naming its values
VOCABULARY_FACETS = {"vocab_theme": "data-theme", "vocab_iso37120_theme": "iso37120-theme",
                     "vocab_urban_audit_domain": "urban-audit-domain", "access_rights": "access-right"}


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.startswith("[") else [value]
        except ValueError:
            value = [value]
    return [str(v) for v in value or [] if v not in (None, "")]


def _label(vocabulary: str, value: str) -> str | None:
    lang = tk.h.lang() or "pl"
    for choice in vocabularies.choices(vocabulary):
        if str(choice["value"]) == value:
            return choice["label"].get(lang) or choice["label"]["pl"]
    return None


class SearchHooks:
    # IFacets

    def dataset_facets(self, facets_dict, package_type):
        facets_dict = super().dataset_facets(facets_dict, package_type)
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

    # IPackageController

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        pkg_dict = super().before_dataset_index(pkg_dict)
        for field in MULTI_VALUED:
            if field in pkg_dict:
                pkg_dict[f"vocab_{field}"] = _values(pkg_dict[field])
        return pkg_dict

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        search_results = super().after_dataset_search(search_results, search_params)
        facets = search_results.get("search_facets") or {}
        for field, vocabulary in VOCABULARY_FACETS.items():
            for item in (facets.get(field) or {}).get("items", []):
                label = _label(vocabulary, item.get("name", ""))
                if label:
                    item["display_name"] = label
        return search_results
