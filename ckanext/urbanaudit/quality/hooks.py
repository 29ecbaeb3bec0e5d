"""The quality score's plugin hooks (plugin.py calls them from the interfaces it implements)."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config, indexing
from ckanext.urbanaudit.quality import jobs, metrics, store

log = logging.getLogger(__name__)


def solr_score(score: int) -> str:
    """Solr has no numeric dynamic field in CKAN's schema: a zero-padded string sorts like the number."""
    return f"{score:03d}"


def after_dataset_save(pkg_dict: dict[str, Any]) -> None:
    """After a data set is created or updated: recompute its score in the background (when configured)."""
    if pkg_dict.get("type", "dataset") != "dataset" or not pkg_dict.get("id"):
        return
    if config.quality_recompute_on_update():
        jobs.enqueue_dataset(pkg_dict["id"])


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The latest score and band go into the Solr document (facet ``quality_band``, sort ``quality_score``)."""
    if pkg_dict.get("type") == "dataset" and pkg_dict.get("id"):
        batch = indexing.per_batch("quality_scores", store.latest_of)  # one query for a batch's data sets
        row = batch.get(pkg_dict["id"]) if batch is not None else store.latest(pkg_dict["id"])
        if row is not None:
            pkg_dict["quality_score"] = solr_score(row.score)
            pkg_dict["quality_band"] = row.band
    return pkg_dict


def after_dataset_search(search_results: dict[str, Any]) -> dict[str, Any]:
    facet = (search_results.get("search_facets") or {}).get("quality_band")
    for item in (facet or {}).get("items", []):
        label = metrics.BAND_LABELS.get(item.get("name"))
        if label:
            item["display_name"] = tk._(label)
    return search_results


def dataset_facets(facets_dict: dict[str, str], package_type: str) -> dict[str, str]:
    if package_type == "dataset":
        facets_dict["quality_band"] = tk._("Quality")
    return facets_dict
