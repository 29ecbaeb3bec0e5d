"""Auth functions of the quality actions (collected by logic/__init__.py). Sysadmins pass every check."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.logic.auth import anyone


@tk.auth_allow_anonymous_access
def urbanaudit_quality_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the data set may see its score."""
    return authz.is_authorized("package_show", context, {"id": data_dict.get("id")})


# anyone; the action lists only the data sets the caller may see
urbanaudit_quality_list = anyone


def urbanaudit_quality_recompute(context: Context, data_dict: DataDict) -> AuthResult:
    """The department's editors and admins for its data sets; all data sets: sysadmins only."""
    user = context.get("user")
    org_id = None
    if data_dict.get("id"):
        pkg = model.Package.get(data_dict["id"])
        org_id = pkg.owner_org if pkg else None
    elif data_dict.get("owner_org"):
        group = model.Group.get(data_dict["owner_org"])
        org_id = group.id if group else None
    if org_id and authz.has_user_permission_for_group_or_org(org_id, user, "update_dataset"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only sysadmins and the department's editors may recompute scores.")}
