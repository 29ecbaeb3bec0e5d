"""Auth of the inventory questionnaire: editors of a department (sysadmins pass before these run)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthResult, Context, DataDict


def _editor_somewhere(context: Context) -> bool:
    """Sysadmins pass before auth functions run; others must edit at least one department."""
    user = context.get("auth_user_obj") or model.User.get(context.get("user") or "")
    if not user:
        return False
    return bool(tk.get_action("organization_list_for_user")({"user": user.name}, {"permission": "create_dataset"}))


def urbanaudit_inventory_import(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins and editors of a department; each row is checked again against its department."""
    if _editor_somewhere(context):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of a department may import the questionnaire")}


def urbanaudit_inventory_export(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins and editors: the export holds internal fields (steward, storage, personal data)."""
    if _editor_somewhere(context):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of a department may export the inventory")}
