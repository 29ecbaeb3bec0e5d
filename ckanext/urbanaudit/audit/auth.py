"""Auth of the audit actions: the analytic team (``team.is_analyst``) runs the reporting year and reviews;
a department's editors and the responsible person hand in the values of their indicators."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.audit.model import Submission
from ckanext.urbanaudit.cities.model import City


def _team_only(context: Context, data_dict: DataDict) -> AuthResult:
    if team.is_analyst(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the analytic team may do this.")}


def urbanaudit_value_submit(context: Context, data_dict: DataDict) -> AuthResult:
    data_dict = data_dict or {}
    city = City.get(str(data_dict.get("city") or "").strip())
    if team.may_submit(context.get("user"), city, str(data_dict.get("indicator_code") or "").strip()):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the department answering for this indicator, its responsible "
                                          "person or the analytic team may submit its value.")}


urbanaudit_value_review = _team_only
urbanaudit_campaign_open = _team_only
urbanaudit_campaign_show = _team_only
urbanaudit_campaign_list = _team_only
urbanaudit_assignment_set = _team_only
urbanaudit_assignment_list = _team_only


def urbanaudit_submission_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users: the team sees every submission, others those of their departments (the action
    filters)."""
    if context.get("user") and team.user_id(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Log in to see the submitted values.")}


def urbanaudit_submission_show(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        sub = model.Session.get(Submission, int((data_dict or {}).get("id")))
    except (TypeError, ValueError):
        sub = None
    if sub is None:
        return urbanaudit_submission_list(context, data_dict)  # the action answers 404 / validation
    if team.may_read_submission(context.get("user"), sub):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the analytic team and the department may see this value.")}
