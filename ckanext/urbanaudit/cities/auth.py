"""Auth of the city actions: the list of cities is public."""
from __future__ import annotations

from ckanext.urbanaudit.logic.auth import anyone

urbanaudit_city_list = anyone
