"""Each indicator's values as a DataStore table of its indicator data set: filtered and joined through the API by a
researcher, private with a private indicator, rewritten only when the values change."""
from __future__ import annotations

import pytest
import requests
from ckan.lib import jobs
from ckan.tests import helpers

from ckanext.urbanaudit.contents import indicator_tables
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import load
from tests.indicator_data import E, _pm10_values, _sysadmin_upsert, _v, kielce_population

PM10 = "ISO37120:2018:8.2"
POPULATION = E + "DE1001V"


def table_of(code: str) -> dict:
    pkg = helpers.call_action("package_show", {"ignore_auth": True}, id=catalogue().get(code).slug)
    return next(r for r in pkg["resources"] if r["name"] == indicator_tables.RESOURCE_NAME)


@pytest.fixture
def published(cities, clean_datastore, server):
    load(owner="um-kielce", codes=[PM10, POPULATION])
    _sysadmin_upsert(_pm10_values() + [_v("kielce", POPULATION, year, n, source_ref="urb_cpop1")
                                       for year, n in kielce_population().items()])
    return indicator_tables.publish(helpers.call_action("get_site_user", {"ignore_auth": True})["name"])


def api(server, action, **data):
    response = requests.post(f"{server}/api/3/action/{action}", json=data, timeout=30)
    return response.status_code, response.json()


def test_a_researcher_filters_and_joins_the_indicator_tables_through_the_api(published, server):
    assert published == {"created": 2, "updated": 0, "unchanged": 0}
    # tables the portal writes are not files to check: no content check queued for them (the demo's 104 tables
    # once queued 104 jobs that found nothing to do, ahead of its real files)
    assert [j.description for j in jobs.get_queue().jobs if "check_resource" in j.description] == []
    pm10, population = table_of(PM10), table_of(POPULATION)
    status, body = api(server, "datastore_search", resource_id=pm10["id"], filters={"city": "2661011"},
                       sort="period")
    assert status == 200
    assert [(r["city_name"], r["period"], float(r["value"]), r["source"], r["flags"])
            for r in body["result"]["records"]] == [("Kielce", "2023", 28.0, "gios", "partial"),
                                                    ("Kielce", "2024", 25.0, "gios", "partial")]
    joined = api(server, "datastore_search_sql", sql=(
        f'SELECT p.period, p.value AS pm10, n.value AS population FROM "{pm10["id"]}" p '
        f'JOIN "{population["id"]}" n ON n.city = p.city AND n.period = p.period ORDER BY p.period'))[1]
    assert joined["success"] is True and joined["result"]["records"] == []  # no common year in these values
    years = api(server, "datastore_search_sql", sql=f'SELECT period FROM "{population["id"]}" ORDER BY period')
    assert [r["period"] for r in years[1]["result"]["records"]] == sorted(kielce_population())


def test_an_unchanged_series_is_not_rewritten_and_a_changed_one_is(published):
    site_user = helpers.call_action("get_site_user", {"ignore_auth": True})["name"]
    assert indicator_tables.publish(site_user) == {"created": 0, "updated": 0, "unchanged": 2}
    _sysadmin_upsert([_v("kielce", PM10, "2025", 23.5, source="gios")])
    assert indicator_tables.publish(site_user) == {"created": 0, "updated": 1, "unchanged": 1}
    rows = helpers.call_action("datastore_search", {"ignore_auth": True}, resource_id=table_of(PM10)["id"],
                               filters={"city": "2661011"})["records"]
    assert sorted(r["period"] for r in rows) == ["2023", "2024", "2025"]


def test_a_private_indicators_table_is_not_answered_to_anonymous_callers(published, server):
    helpers.call_action("package_patch", id=catalogue().get(PM10).slug, private=True)
    status, body = api(server, "datastore_search", resource_id=table_of(PM10)["id"])
    assert status == 403 and body["success"] is False
