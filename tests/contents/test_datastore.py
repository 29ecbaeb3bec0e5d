"""The DataStore on the real PostgreSQL: a steward's upload loaded by ckanext-xloader through the jobs queue,
queried through CKAN's API, previewed as a table, and never answered to those who may not read the data set."""
from __future__ import annotations

import pytest
import requests
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.urbanaudit.contents.loading import site_user_token
from tests.contents.conftest import run_jobs

BUDGET = ("dzielnica;rok;wydatki_zl\n"
          "Centrum;2023;1250000.50\n"
          "Herby;2023;310000\n"
          "Słowik;2024;45000.25\n").encode()


def test_a_stewards_csv_upload_becomes_a_datastore_table_with_a_table_preview(portal):
    pkg = portal.dataset("budzet-dzielnic")
    res = portal.upload(pkg["id"], "budzet.csv", BUDGET)
    assert res["datastore_active"] is False  # loaded in the background, not in the request
    run_jobs()

    status, body = portal.action("datastore_search", resource_id=res["id"], sort="_id")
    assert status == 200, body
    result = body["result"]
    assert result["total"] == 3
    assert [f["id"] for f in result["fields"]] == ["_id", "dzielnica", "rok", "wydatki_zl"]
    assert [(r["dzielnica"], r["wydatki_zl"]) for r in result["records"]] == [
        ("Centrum", "1250000.50"), ("Herby", "310000"), ("Słowik", "45000.25")]
    filtered = portal.action("datastore_search", resource_id=res["id"], filters={"dzielnica": "Herby"})[1]
    assert filtered["result"]["total"] == 1

    _, shown = portal.action("resource_show", id=res["id"])
    assert shown["result"]["datastore_active"] is True
    _, views = portal.action("resource_view_list", id=res["id"])
    assert "datatables_view" in [v["view_type"] for v in views["result"]]
    page = BeautifulSoup(requests.get(f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}", timeout=30).text,
                         "html.parser")
    badge = page.select_one(".loader-badge")  # the load's state, in Polish, for anyone
    assert badge.select_one(".status").get_text(strip=True) == "aktywny"
    assert "Dane dostępne w DataStore" in badge["title"]
    assert "/view/" in page.select_one("iframe[data-module=data-viewer]")["src"]  # the table preview
    steward_page = requests.get(f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}", timeout=30,
                                headers={"Authorization": portal.token}).text
    assert f"/resource_data/{res['id']}" in steward_page  # the steward reaches the load's log
    _, sql = portal.action("datastore_search_sql", sql=f'SELECT COUNT(*) AS n FROM "{res["id"]}"')
    assert sql["result"]["records"] == [{"n": 3}]


def test_a_private_data_sets_table_is_refused_to_anonymous_callers_and_answered_to_its_steward(portal):
    pkg = portal.dataset("budzet-roboczy", private=True)
    res = portal.upload(pkg["id"], "budzet.csv", BUDGET)
    run_jobs()

    status, body = portal.action("datastore_search", portal.token, resource_id=res["id"])
    assert status == 200 and body["result"]["total"] == 3
    status, body = portal.action("datastore_search", resource_id=res["id"])
    assert status == 403 and body["success"] is False
    status, body = portal.action("datastore_search_sql", sql=f'SELECT * FROM "{res["id"]}"')
    assert status == 403 and body["success"] is False
    status, body = portal.action("datastore_info", id=res["id"])
    assert status == 403


def test_a_link_to_a_non_public_address_is_never_fetched_into_the_datastore(portal):
    pkg = portal.dataset("budzet-link")
    status, body = portal.action("resource_create", portal.token, package_id=pkg["id"], name="wewnętrzny",
                                 url="http://10.0.0.7/budzet.csv", format="CSV")
    assert status == 200, body
    res = body["result"]
    queued = [job["title"] for job in helpers.call_action("job_list", {"ignore_auth": True})]
    assert not [title for title in queued if title.startswith("xloader")]  # refused before it was queued
    run_jobs()
    _, shown = portal.action("resource_show", id=res["id"])
    assert shown["result"]["datastore_active"] is False


@pytest.mark.usefixtures("clean_db")
def test_the_xloader_token_is_the_site_users_and_stays_the_same():
    first = site_user_token()
    assert first == site_user_token()
    user = helpers.call_action("user_show", {"ignore_auth": True}, id=helpers.call_action(
        "get_site_user", {"ignore_auth": True})["name"])
    assert helpers.call_action("api_token_list", {"ignore_auth": True}, user_id=user["id"])[0]["name"] == \
        "urbanaudit-xloader"


@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "127.0.0.1")  # the source server
def test_a_data_set_created_with_its_csv_link_in_one_call_is_loaded_and_checked(portal, source_server):
    """package_create with resources (a harvest, an import, the API) calls no resource hook: the file is still
    loaded and checked, after the commit."""
    source_server.route("/dane/budzet.csv", lambda query: (200, "text/csv", BUDGET))
    url = f"{source_server.url}/dane/budzet.csv"
    pkg = portal.dataset("budzet-jednym-wywolaniem",
                         resources=[{"name": "Budżet dzielnic", "url": url, "format": "CSV"}])
    (res,) = pkg["resources"]
    run_jobs()

    status, body = portal.action("datastore_search", resource_id=res["id"], sort="_id")
    assert status == 200, body
    assert [r["dzielnica"] for r in body["result"]["records"]] == ["Centrum", "Herby", "Słowik"]
    page = BeautifulSoup(requests.get(f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}", timeout=30).text,
                         "html.parser")
    assert page.select_one("#content-check .urbanaudit-content-score")["data-score"] == "100"
