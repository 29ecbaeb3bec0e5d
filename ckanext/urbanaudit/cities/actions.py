"""Actions on the cities the portal describes and compares with."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.urbanaudit.cities.model import City


@tk.side_effect_free
def urbanaudit_city_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The cities the portal describes and compares with, ordered by name."""
    tk.check_access("urbanaudit_city_list", context, data_dict)
    return [city.as_dict() for city in City.all_by_name()]
