"""Auth functions, one per action, named like the action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.logic.indicator_value_auth import urbanaudit_indicator_value_upsert, urbanaudit_indicator_values

__all__ = ["urbanaudit_city_list", "urbanaudit_indicator_value_upsert", "urbanaudit_indicator_values"]


@tk.auth_allow_anonymous_access
def urbanaudit_city_list(context, data_dict):
    return {"success": True}
