"""Auth of the dane.gov.pl publishing (collected by logic/__init__.py)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.types import AuthResult, Context, DataDict


def urbanaudit_danegovpl_report(context: Context, data_dict: DataDict) -> AuthResult:
    """Data stewards: editors and admins of a department (sysadmins pass anyway)."""
    user = context.get("user")
    if user and authz.has_user_permission_for_some_org(user, "create_dataset"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of a department can see what goes to dane.gov.pl.")}
