"""Auth functions, one per action, named like the action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.danegovpl.auth import urbanaudit_danegovpl_report
from ckanext.urbanaudit.logic.indicator_value_auth import urbanaudit_indicator_value_upsert, urbanaudit_indicator_values
from ckanext.urbanaudit.logic.indicators_auth import (
    urbanaudit_city_show,
    urbanaudit_gaps,
    urbanaudit_indicator_compute,
    urbanaudit_indicator_list,
    urbanaudit_indicator_show,
)
from ckanext.urbanaudit.quality.auth import (
    urbanaudit_quality_list,
    urbanaudit_quality_recompute,
    urbanaudit_quality_show,
)

__all__ = [
    "urbanaudit_city_list",
    "urbanaudit_city_show",
    "urbanaudit_danegovpl_report",
    "urbanaudit_gaps",
    "urbanaudit_indicator_compute",
    "urbanaudit_indicator_list",
    "urbanaudit_indicator_show",
    "urbanaudit_indicator_value_upsert",
    "urbanaudit_indicator_values",
    "urbanaudit_inventory_export",
    "urbanaudit_inventory_import",
    "urbanaudit_quality_list",
    "urbanaudit_quality_recompute",
    "urbanaudit_quality_show",
]


@tk.auth_allow_anonymous_access
def urbanaudit_city_list(context, data_dict):
    return {"success": True}


def _editor_somewhere(context) -> bool:
    """Sysadmins pass before auth functions run; others must edit at least one department."""
    user = context.get("auth_user_obj") or model.User.get(context.get("user") or "")
    if not user:
        return False
    return bool(tk.get_action("organization_list_for_user")({"user": user.name}, {"permission": "create_dataset"}))


def urbanaudit_inventory_import(context, data_dict):
    """Sysadmins and editors of a department; each row is checked again against its department."""
    if _editor_somewhere(context):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of a department may import the questionnaire")}


def urbanaudit_inventory_export(context, data_dict):
    """Sysadmins and editors: the export holds internal fields (steward, storage, personal data)."""
    if _editor_somewhere(context):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of a department may export the inventory")}
