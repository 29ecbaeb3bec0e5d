"""Template helpers (registered by the blanket decorator; names carry the extension's prefix)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config, home, vocabularies
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
    """What the home page shows (see ckanext.urbanaudit.home)."""
    user = tk.current_user.name if tk.current_user.is_authenticated else None
    lang = "en" if (tk.h.lang() or "pl").startswith("en") else "pl"
    return home.summary(user, lang)
