"""Blueprints of the extension, collected from the modules that define them."""
from __future__ import annotations

from flask import Blueprint


def get_blueprints() -> list[Blueprint]:
    from ckanext.urbanaudit.danegovpl.views import danegovpl
    from ckanext.urbanaudit.indicator_views import indicators
    from ckanext.urbanaudit.inventory_views import inventory
    from ckanext.urbanaudit.quality.views import quality
    from ckanext.urbanaudit.researchers_views import researchers

    return [danegovpl, indicators, inventory, quality, researchers]
