"""Auth functions shared by several concerns."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


@tk.auth_allow_anonymous_access
def anyone(context: Context, data_dict: DataDict) -> AuthResult:
    """Open to every caller, anonymous ones too; the action itself leaves out what the caller may not see."""
    return {"success": True}
