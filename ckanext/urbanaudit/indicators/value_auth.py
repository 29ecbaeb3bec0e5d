"""Auth of the indicator-value actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.logic.auth import anyone


def urbanaudit_indicator_value_upsert(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins (they pass before this runs), or editors of the department owning each value: the owner of
    the indicator's dataset, else the organization of the value's city. A department's own figure (source
    ``city``) is public only once the analytic team approves it: editors hand it in through
    ``urbanaudit_value_submit``, never straight into the values table."""
    user = context.get("user")
    values = (data_dict or {}).get("values")
    denied = {"success": False,
              "msg": tk._("Only editors of the department owning the indicator may store its values.")}
    if not user or not isinstance(values, list) or not values:
        return denied
    if any(isinstance(v, dict) and str(v.get("source", "")).strip() == "city" for v in values):
        return {"success": False, "msg": tk._("A department's own values go through the yearly audit: submit "
                                              "them with urbanaudit_value_submit for the analytic team to "
                                              "approve.")}
    checked: dict[str | None, bool] = {}
    pairs = {(str(v.get("city", "")).strip(), str(v.get("indicator_code", "")).strip())
             for v in values if isinstance(v, dict)}
    for name, code in pairs:
        city = City.get(name) if name else None
        org_id = visibility.owning_org(code, city)
        if org_id not in checked:
            checked[org_id] = org_id is not None and authz.has_user_permission_for_group_or_org(
                org_id, user, "create_dataset")
        if not checked[org_id]:
            return denied
    return {"success": True}


urbanaudit_indicator_values = anyone
