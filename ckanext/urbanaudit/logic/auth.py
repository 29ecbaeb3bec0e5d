"""Auth functions, one per action, named like the action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.danegovpl.auth import urbanaudit_danegovpl_report

__all__ = ["urbanaudit_city_list", "urbanaudit_danegovpl_report"]


@tk.auth_allow_anonymous_access
def urbanaudit_city_list(context, data_dict):
    return {"success": True}
