"""Auth of the indicator-value actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.urbanaudit.model import City

__all__ = ["urbanaudit_indicator_value_upsert", "urbanaudit_indicator_values"]


def urbanaudit_indicator_value_upsert(context, data_dict):
    """Sysadmins (they pass before this runs), or editors of the organization that owns every city
    named in the batch (the city file's ``organization``)."""
    user = context.get("user")
    values = (data_dict or {}).get("values")
    if not user or not isinstance(values, list) or not values:
        return {"success": False, "msg": tk._("Only editors of the city's organization may store indicator values.")}
    for name in {str(v.get("city", "")).strip() for v in values if isinstance(v, dict)}:
        city = City.get(name) if name else None
        org_name = (city.config or {}).get("organization") if city else None
        org = model.Group.get(org_name) if org_name else None
        if org is None or not authz.has_user_permission_for_group_or_org(org.id, user, "create_dataset"):
            return {"success": False,
                    "msg": tk._("Only editors of the city's organization may store indicator values.")}
    return {"success": True}


@tk.auth_allow_anonymous_access
def urbanaudit_indicator_values(context, data_dict):
    return {"success": True}
