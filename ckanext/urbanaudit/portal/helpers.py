"""Template helpers of the public portal (names carry the extension's prefix)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config
from ckanext.urbanaudit.portal import home
from ckanext.urbanaudit.utils import page_lang, user_context


def urbanaudit_synthetic_banner() -> bool:
    return config.synthetic_banner()


def urbanaudit_is_synthetic(pkg: dict[str, Any]) -> bool:
    return tk.asbool(pkg.get("synthetic") or False)  # a form's empty choice is no


def urbanaudit_city_extent() -> str:
    """Initial extent of the search map: [[south, west], [north, east]] of the city (config)."""
    return config.map_extent()


def urbanaudit_home() -> dict[str, Any]:
    """What the home page shows (see ckanext.urbanaudit.portal.home)."""
    return home.summary(user_context()["user"] or None, page_lang())


def urbanaudit_flag_label(flag: str) -> str:
    """A value's flag as the reader's language says it; unknown codes (a source's own) as they are."""
    labels = {
        "synthetic": tk._("synthetic value (demo)"),
        "provisional": tk._("provisional"),
        "estimated": tk._("estimated"),
        "partial": tk._("partial"),
    }
    return labels.get(flag, flag)
