"""``urbanaudit_iso37120_report``: the ISO 37120:2014 report of a city and reporting year (``iso_report.py``):
every indicator the caller may see with its status and, when approved, its published value; core and supporting
counts; the WCCD certification level the approved data supports, with its source. Public: it shows published
values only (unpublished submissions give a status, never a value)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator

from ckanext.urbanaudit.audit import iso_report
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.schema import city_teryt
from ckanext.urbanaudit.utils import utcnow

FIRST_YEAR = 1990


def _report_year(value: Any) -> int:
    """A reporting year: 1990 up to the current year."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("The reporting year must be a year from {first} to {last}.").format(
            first=FIRST_YEAR, last=utcnow().year)) from None
    if not FIRST_YEAR <= year <= utcnow().year:
        raise tk.Invalid(tk._("The reporting year must be a year from {first} to {last}.").format(
            first=FIRST_YEAR, last=utcnow().year))
    return year


@validator_args
def _report_schema(not_empty: Validator, ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "year": [not_empty, _report_year], "__extras": [ignore]}


@tk.side_effect_free
@validate(_report_schema)
def urbanaudit_iso37120_report(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The ISO 37120:2014 report of a city for a reporting year.

    :param city: TERYT code or slug of the city
    :param year: the reporting year (1990 to the current year)
    :returns: ``indicators`` (each with theme, kind, status, value, unit, period, source, method, flags and
        ``synthetic``), ``themes``, ``counts`` (approved core and supporting), ``statuses``, ``level`` (the WCCD
        level the approved data supports, or null, with ``confirmed`` and its source) and ``scheme`` (every level's
        thresholds, each confirmed or not, and the sources)
    """
    tk.check_access("urbanaudit_iso37120_report", context, data_dict)
    city = model.Session.get(City, data_dict["city"])
    return iso_report.report(city, data_dict["year"], visibility.hidden(context))
