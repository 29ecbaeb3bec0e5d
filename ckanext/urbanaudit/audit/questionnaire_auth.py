"""Auth of the department questionnaire: who may submit for the department (its editors) and the analytic team.
Each row is checked again as ``urbanaudit_value_submit`` checks it."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.audit.questionnaire import may_answer_for


def _department_or_team(context: Context, data_dict: DataDict) -> AuthResult:
    if may_answer_for(context.get("user"), str((data_dict or {}).get("department") or "").strip() or None):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the department's editors and the analytic team may fill in the "
                                          "department's questionnaire.")}


def urbanaudit_questionnaire_import(context: Context, data_dict: DataDict) -> AuthResult:
    return _department_or_team(context, data_dict)


def urbanaudit_questionnaire_export(context: Context, data_dict: DataDict) -> AuthResult:
    return _department_or_team(context, data_dict)
