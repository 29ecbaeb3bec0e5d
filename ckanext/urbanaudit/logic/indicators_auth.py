"""Auth of the indicator actions: reading is open to everyone (private data sets are filtered inside the
actions); recomputing is for sysadmins (who pass before auth functions run)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

__all__ = [
    "urbanaudit_city_show",
    "urbanaudit_gaps",
    "urbanaudit_indicator_compute",
    "urbanaudit_indicator_list",
    "urbanaudit_indicator_show",
]


@tk.auth_allow_anonymous_access
def urbanaudit_indicator_list(context, data_dict):
    return {"success": True}


@tk.auth_allow_anonymous_access
def urbanaudit_indicator_show(context, data_dict):
    return {"success": True}


@tk.auth_allow_anonymous_access
def urbanaudit_city_show(context, data_dict):
    return {"success": True}


@tk.auth_allow_anonymous_access
def urbanaudit_gaps(context, data_dict):
    return {"success": True}


def urbanaudit_indicator_compute(context, data_dict):
    return {"success": False, "msg": tk._("Only sysadmins may recompute the indicators.")}
