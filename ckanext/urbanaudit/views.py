"""Blueprints of every concern, collected for CKAN's blanket decorator."""
from __future__ import annotations

from flask import Blueprint

from ckanext.urbanaudit.danegovpl.views import danegovpl
from ckanext.urbanaudit.indicators.views import indicators
from ckanext.urbanaudit.inventory.views import inventory
from ckanext.urbanaudit.portal.views import researchers
from ckanext.urbanaudit.quality.views import quality


def get_blueprints() -> list[Blueprint]:
    return [danegovpl, indicators, inventory, quality, researchers]
