"""Auth of the data-request actions: anyone reads the public list and pages; logged-in users file requests
(anonymous visitors too when ``ckanext.urbanaudit.requests.anonymous`` is on); the analytic team moderates."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.logic.auth import anyone


@tk.auth_allow_anonymous_access
def urbanaudit_data_request_create(context: Context, data_dict: DataDict) -> AuthResult:
    if config.requests_anonymous() or team.user_id(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Log in to ask for data.")}


def urbanaudit_data_request_update(context: Context, data_dict: DataDict) -> AuthResult:
    if team.is_analyst(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the analytic team may moderate data requests.")}


urbanaudit_data_request_show = anyone
urbanaudit_data_request_list = anyone
