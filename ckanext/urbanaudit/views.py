"""Blueprints of the extension (collected by the blanket decorator from ``__all__``)."""
from __future__ import annotations

from ckanext.urbanaudit.quality.views import quality

__all__ = ["quality"]


def get_blueprints() -> list:
    return [quality]
