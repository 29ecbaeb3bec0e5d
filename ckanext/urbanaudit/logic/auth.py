"""Auth functions, one per action, named like the action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.quality.auth import (
    urbanaudit_quality_list,
    urbanaudit_quality_recompute,
    urbanaudit_quality_show,
)

__all__ = [
    "urbanaudit_city_list",
    "urbanaudit_quality_list",
    "urbanaudit_quality_recompute",
    "urbanaudit_quality_show",
]


@tk.auth_allow_anonymous_access
def urbanaudit_city_list(context, data_dict):
    return {"success": True}
