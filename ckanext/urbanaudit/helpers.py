"""Template helpers (registered by the blanket decorator; names carry the extension's prefix)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config, vocabularies

__all__ = ["urbanaudit_is_synthetic", "urbanaudit_synthetic_banner", "urbanaudit_vocabulary_choices"]


def urbanaudit_vocabulary_choices(field: dict[str, Any]) -> list[dict]:
    """scheming ``choices_helper``: the choices of the vocabulary the field names."""
    return vocabularies.choices(field["vocabulary"])


def urbanaudit_synthetic_banner() -> bool:
    return config.synthetic_banner()


def urbanaudit_is_synthetic(pkg: dict[str, Any]) -> bool:
    return tk.asbool(pkg.get("synthetic"))
