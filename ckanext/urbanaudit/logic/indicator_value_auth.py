"""Auth of the indicator-value actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.urbanaudit.model import City

__all__ = ["urbanaudit_indicator_value_upsert", "urbanaudit_indicator_values"]


def _owning_org(code: str, city: City | None) -> str | None:
    """The department owning an indicator: its indicator dataset's organization; for codes without one
    (source variables of the harvesters) the organization of the city (the city file's ``organization``)."""
    from ckanext.urbanaudit.indicator_catalogue import catalogue

    ind = catalogue().get(code)
    if ind is not None:
        owner = model.Session.query(model.Package.owner_org).filter(
            model.Package.name == ind.slug, model.Package.type == "indicator",
            model.Package.state == "active").scalar()
        if owner:
            return owner
    org_name = (city.config or {}).get("organization") if city else None
    org = model.Group.get(org_name) if org_name else None
    return org.id if org else None


def urbanaudit_indicator_value_upsert(context, data_dict):
    """Sysadmins (they pass before this runs), or editors of the department owning each value: the owner of
    the indicator's dataset, else the organization of the value's city."""
    user = context.get("user")
    values = (data_dict or {}).get("values")
    denied = {"success": False,
              "msg": tk._("Only editors of the department owning the indicator may store its values.")}
    if not user or not isinstance(values, list) or not values:
        return denied
    checked: dict[str | None, bool] = {}
    pairs = {(str(v.get("city", "")).strip(), str(v.get("indicator_code", "")).strip())
             for v in values if isinstance(v, dict)}
    for name, code in pairs:
        city = City.get(name) if name else None
        org_id = _owning_org(code, city)
        if org_id not in checked:
            checked[org_id] = org_id is not None and authz.has_user_permission_for_group_or_org(
                org_id, user, "create_dataset")
        if not checked[org_id]:
            return denied
    return {"success": True}


@tk.auth_allow_anonymous_access
def urbanaudit_indicator_values(context, data_dict):
    return {"success": True}
