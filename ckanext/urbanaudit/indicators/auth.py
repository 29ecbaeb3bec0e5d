"""Auth of the indicator actions: reading is open to everyone (private data sets are filtered inside the
actions); recomputing is for sysadmins (who pass before auth functions run)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.urbanaudit.logic.auth import anyone

urbanaudit_indicator_list = urbanaudit_indicator_show = urbanaudit_city_show = urbanaudit_gaps = anyone


def urbanaudit_indicator_compute(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins may recompute the indicators.")}
