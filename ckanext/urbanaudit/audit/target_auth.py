"""Auth of the target actions: the analytic team (``team.is_analyst``: sysadmins and members of the team's
organization) sets and deletes targets; everyone reads them (targets are public policy) and the leadership
page (public and approved data only, filtered inside the actions)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.logic.auth import anyone


def urbanaudit_target_set(context: Context, data_dict: DataDict) -> AuthResult:
    if team.is_analyst(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the analytic team may set the city's targets.")}


urbanaudit_target_delete = urbanaudit_target_set
urbanaudit_target_list = urbanaudit_leadership = anyone
