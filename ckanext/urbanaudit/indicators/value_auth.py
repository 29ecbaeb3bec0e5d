"""Auth of the indicator-value actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.logic.auth import anyone


def _owning_org(code: str, city: City | None) -> str | None:
    """The department owning an indicator: its indicator dataset's organization; for codes without one
    (source variables of the harvesters) the organization of the city (the city file's ``organization``)."""
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


def urbanaudit_indicator_value_upsert(context: Context, data_dict: DataDict) -> AuthResult:
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


urbanaudit_indicator_values = anyone
