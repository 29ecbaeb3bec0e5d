"""Fixtures of the portal's page and browser tests."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from ckanext.urbanaudit.indicators import compute as indicator_compute
from ckanext.urbanaudit.quality import store
from tests.indicator_data import E, _pm10_values, _v, kielce_population
from tests.inventory_records import ELSEWHERE, EU, full_record


@pytest.fixture
def portal(cities):
    """Two records of a department (one with an extent in Kielce), scored; indicator values with the charts' data."""
    admin = factories.Sysadmin()
    context = {"user": admin["name"], "ignore_auth": True}
    org = cities["env"]
    helpers.call_action("package_create", dict(context), **full_record(org["id"]))
    helpers.call_action("package_create", dict(context), **full_record(
        org["id"], name="rozklad-jazdy", title="Rozkład jazdy komunikacji miejskiej", identifier="KIELCE-ZTM-001",
        theme=[EU + "data-theme/TRAN"], iso37120_theme=["19"], spatial=json.dumps(ELSEWHERE),
        resources=[{"name": "GTFS", "url": "https://dane.kielce.eu/gtfs.zip", "format": "ZIP"}]))
    values = _pm10_values() + [_v("kielce", E + "DE1001V", year, n) for year, n in kielce_population().items()]
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": admin["name"]}, values=values)
    indicator_compute.compute()
    store.recompute()
    return cities
