"""The quality score's plugin hooks, mixed into UrbanauditPlugin (plugin.py declares the interfaces)."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.quality import jobs, metrics, store

log = logging.getLogger(__name__)


def solr_score(score: int) -> str:
    """Solr has no numeric dynamic field in CKAN's schema: a zero-padded string sorts like the number."""
    return f"{score:03d}"


class QualityHooks:
    # IPackageController

    def after_dataset_create(self, context: dict, pkg_dict: dict[str, Any]) -> None:
        self._queue_recompute(pkg_dict)

    def after_dataset_update(self, context: dict, pkg_dict: dict[str, Any]) -> None:
        self._queue_recompute(pkg_dict)

    def _queue_recompute(self, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("type", "dataset") != "dataset" or not pkg_dict.get("id"):
            return
        if tk.config["ckanext.urbanaudit.quality.recompute_on_update"]:
            jobs.enqueue_dataset(pkg_dict["id"])

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        if pkg_dict.get("type") == "dataset" and pkg_dict.get("id"):
            row = store.latest(pkg_dict["id"])
            if row is not None:
                pkg_dict["quality_score"] = solr_score(row.score)
                pkg_dict["quality_band"] = row.band
        return pkg_dict

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        facet = (search_results.get("search_facets") or {}).get("quality_band")
        for item in (facet or {}).get("items", []):
            label = metrics.BAND_LABELS.get(item.get("name"))
            if label:
                item["display_name"] = tk._(label)
        return search_results

    # IFacets

    def dataset_facets(self, facets_dict, package_type):
        if package_type == "dataset":
            facets_dict["quality_band"] = tk._("Quality")
        return facets_dict
