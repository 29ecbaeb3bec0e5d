"""Auth functions, one per action, named like the action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

__all__ = ["urbanaudit_city_list"]


@tk.auth_allow_anonymous_access
def urbanaudit_city_list(context, data_dict):
    return {"success": True}
