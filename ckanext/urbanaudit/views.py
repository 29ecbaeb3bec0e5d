"""Blueprints of the extension (collected by the blanket decorator)."""
from ckanext.urbanaudit.indicator_views import indicators
from ckanext.urbanaudit.inventory_views import inventory

__all__ = ["indicators", "inventory"]
