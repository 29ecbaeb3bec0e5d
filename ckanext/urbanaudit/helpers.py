"""Template helpers (registered by the blanket decorator; names carry the extension's prefix)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config, vocabularies
from ckanext.urbanaudit.quality.helpers import (
    urbanaudit_quality_band_label,
    urbanaudit_quality_dimension_label,
    urbanaudit_quality_for,
    urbanaudit_quality_text,
)

__all__ = [
    "urbanaudit_city_extent",
    "urbanaudit_home",
    "urbanaudit_is_synthetic",
    "urbanaudit_quality_band_label",
    "urbanaudit_quality_dimension_label",
    "urbanaudit_quality_for",
    "urbanaudit_quality_text",
    "urbanaudit_synthetic_banner",
    "urbanaudit_vocabulary_choices",
]


def urbanaudit_vocabulary_choices(field: dict[str, Any]) -> list[dict]:
    """scheming ``choices_helper``: the choices of the vocabulary the field names."""
    return vocabularies.choices(field["vocabulary"])


def urbanaudit_synthetic_banner() -> bool:
    return config.synthetic_banner()


def urbanaudit_is_synthetic(pkg: dict[str, Any]) -> bool:
    return tk.asbool(pkg.get("synthetic"))


def urbanaudit_city_extent() -> str:
    """Initial extent of the search map: [[south, west], [north, east]] of the city (config)."""
    return tk.config["ckanext.urbanaudit.map_extent"]


def urbanaudit_home() -> dict[str, Any]:
    """What the home page shows: EU themes with their counts, the latest and the best-described records."""
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else None}
    search = tk.get_action("package_search")
    lang = tk.h.lang() or "pl"
    faceted = search(dict(context), {"fq": "+dataset_type:dataset", "rows": 0, "facet.field": ["vocab_theme"],
                                     "facet.limit": 50})
    counts = faceted["facets"].get("vocab_theme", {})
    themes = [{"value": c["value"], "label": c["label"].get(lang) or c["label"]["pl"],
               "code": c["value"].rsplit("/", 1)[-1], "count": counts.get(c["value"], 0)}
              for c in vocabularies.choices("data-theme")]
    latest = search(dict(context), {"fq": "+dataset_type:dataset", "rows": 5, "sort": "metadata_modified desc"})
    best = search(dict(context), {"fq": "+dataset_type:dataset +quality_score:[* TO *]", "rows": 5,
                                  "sort": "quality_score desc, metadata_modified desc"})
    return {"total": faceted["count"], "themes": themes, "latest": latest["results"], "best": best["results"]}
