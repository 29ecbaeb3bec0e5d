"""Actions of the extension: the one door to its data."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.danegovpl.actions import current_package_list_with_resources, urbanaudit_danegovpl_report
from ckanext.urbanaudit.logic.indicator_value import urbanaudit_indicator_value_upsert, urbanaudit_indicator_values
from ckanext.urbanaudit.logic.indicators import (
    urbanaudit_city_show,
    urbanaudit_gaps,
    urbanaudit_indicator_compute,
    urbanaudit_indicator_list,
    urbanaudit_indicator_show,
)
from ckanext.urbanaudit.logic.inventory import urbanaudit_inventory_import
from ckanext.urbanaudit.model import City
from ckanext.urbanaudit.quality.actions import (
    harvest_jobs_run,
    urbanaudit_quality_list,
    urbanaudit_quality_recompute,
    urbanaudit_quality_show,
)

__all__ = [
    "current_package_list_with_resources",
    "harvest_jobs_run",
    "urbanaudit_city_list",
    "urbanaudit_city_show",
    "urbanaudit_danegovpl_report",
    "urbanaudit_gaps",
    "urbanaudit_indicator_compute",
    "urbanaudit_indicator_list",
    "urbanaudit_indicator_show",
    "urbanaudit_indicator_value_upsert",
    "urbanaudit_indicator_values",
    "urbanaudit_inventory_import",
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
