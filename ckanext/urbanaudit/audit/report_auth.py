"""Auth of the ISO 37120 report: everyone (it shows published values only, filtered inside the action by what the
caller may see)."""
from __future__ import annotations

from ckanext.urbanaudit.logic.auth import anyone

urbanaudit_iso37120_report = anyone
