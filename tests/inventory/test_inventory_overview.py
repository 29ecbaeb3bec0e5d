"""The inventory overview of the city and of a department."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from tests.inventory_records import EU, full_record, minimal_draft


@pytest.fixture
def inventory():
    factories.User(name="steward")
    env = factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska",
                                 users=[{"name": "steward", "capacity": "editor"}])
    factories.Organization(name="wydzial-geodezji", title="Wydział Geodezji")
    sysadmin = {"user": factories.Sysadmin()["name"]}
    helpers.call_action("package_create", sysadmin, **full_record(env["id"]))
    helpers.call_action("package_create", sysadmin, **minimal_draft(env["id"], theme=[EU + "data-theme/ENVI"]))
    helpers.call_action("package_create", sysadmin, **minimal_draft(env["id"], name="tajny", private=True,
                                                                      theme=[EU + "data-theme/HEAL"]))
    return env


def table(page: str, css_class: str) -> str:
    start = page.index(css_class)
    return page[start:page.index("</table>", start)]


@pytest.mark.usefixtures("clean_db", "clean_index", "inventory")
def test_city_overview_counts_public_records_and_names_silent_departments(app):
    page = app.get("/inventory/").get_data(as_text=True)
    assert 'urbanaudit-overview-total">2<' in page
    themes = table(page, "urbanaudit-overview-table")
    assert "Środowisko</td><td class=\"text-end\">2<" in themes
    assert "Zdrowie" not in page                       # the private record's theme is not shown
    silent = page[page.index("urbanaudit-overview-silent"):]
    assert "Wydział Geodezji" in silent.split("</ul>")[0]
    missing = table(page, "urbanaudit-overview-missing")
    assert "Częstotliwość aktualizacji</td><td class=\"text-end\">1<" in missing


@pytest.mark.usefixtures("clean_db", "clean_index", "inventory")
def test_department_editor_sees_the_private_record_in_the_department_overview(app):
    headers = {"Authorization": factories.APIToken(user="steward")["token"]}
    page = app.get("/inventory/department/wydzial-srodowiska", headers=headers).get_data(as_text=True)
    assert 'urbanaudit-overview-total">3<' in page
    assert "Zdrowie" in page
    assert app.get("/inventory/department/nie-ma-takiego").status_code == 404
