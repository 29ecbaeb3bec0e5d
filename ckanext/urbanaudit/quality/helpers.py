"""Template helpers of the quality score (collected by helpers.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.quality import metrics, store


def urbanaudit_quality_for(package_id: str) -> dict | None:
    """The latest score of a data set (with its metrics), or None before the first computation."""
    row = store.latest(package_id)
    return row.as_dict() if row else None


def urbanaudit_quality_text(message: str | None, params: dict[str, Any] | None = None) -> str:
    return metrics.text(message, params, tk._) if message else ""


def urbanaudit_quality_band_label(band: str) -> str:
    return tk._(metrics.BAND_LABELS.get(band, band))


def urbanaudit_quality_dimension_label(name: str) -> str:
    return tk._(metrics.DIMENSIONS.get(name, name))
