"""Actions of the extension: the one door to its data."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.model import City
from ckanext.urbanaudit.quality.actions import (
    harvest_jobs_run,
    urbanaudit_quality_list,
    urbanaudit_quality_recompute,
    urbanaudit_quality_show,
)

__all__ = [
    "harvest_jobs_run",
    "urbanaudit_city_list",
    "urbanaudit_quality_list",
    "urbanaudit_quality_recompute",
    "urbanaudit_quality_show",
]


@tk.side_effect_free
def urbanaudit_city_list(context, data_dict):
    """The cities the portal describes and compares with, ordered by name."""
    tk.check_access("urbanaudit_city_list", context, data_dict)
    cities = model.Session.query(City).order_by(City.name)
    return [city.as_dict() for city in cities]
