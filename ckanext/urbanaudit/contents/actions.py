"""Actions of the data itself (registered by ``logic/collect.py``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context

from ckanext.urbanaudit.contents.loading import NOT_SET, TOKEN_KEY, site_user_token

_issued: set[str] = set()  # the tokens this module put into the configuration


@tk.chained_action
def xloader_submit(up: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """ckanext-xloader's submit, with the site user's token when the operator configured none."""
    configured = tk.config.get(TOKEN_KEY) or NOT_SET
    if configured == NOT_SET or configured in _issued:
        token = site_user_token()
        _issued.add(token)
        tk.config[TOKEN_KEY] = token
    return up(context, data_dict)
