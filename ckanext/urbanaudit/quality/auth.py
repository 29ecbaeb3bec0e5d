"""Auth functions of the quality actions (collected by logic/__init__.py). Sysadmins pass every check."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthFunction, AuthResult, Context, DataDict

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


@tk.chained_auth_function
def harvest_jobs_run(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (ckanext-harvest's rule). A caller without a user account is refused here: the original
    looks the user up and, for none, raises an error of its own (a typo in ckanext-harvest 1.6.3), an HTTP 500."""
    if model.User.get(context.get("user") or "") is None:
        return {"success": False, "msg": tk._("Only sysadmins can run the pending harvest jobs.")}
    return next_auth(context, data_dict)
