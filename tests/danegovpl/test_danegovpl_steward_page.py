"""The data steward's page: what dane.gov.pl will receive, what not and why, and whether the feed is valid."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories, helpers

from tests import danegovpl_catalogue as catalogue


def _page(app, user: dict | None, url: str = "/dane-gov-pl", status: int = 200):
    headers = {"Authorization": user["token"]} if user else {}
    return app.get(url, headers=headers, status=status)


def _user_with_token(**kwargs) -> dict:
    user = factories.User(**kwargs)
    user["token"] = factories.APIToken(user=user["name"])["token"]
    return user


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_editor_sees_counts_reasons_validation_and_the_feed_link(app):
    records = catalogue.build()
    editor = _user_with_token()
    helpers.call_action("organization_member_create", id=records["org"]["id"], username=editor["name"],
                        role="editor")
    soup = BeautifulSoup(_page(app, editor).data, "html.parser")

    counts = {td["data-count"]: int(td.text) for td in soup.select("td[data-count]")}
    assert counts == {"published": 3, "withdrawn": 1, "resources": 5, "excluded": 4, "without_english": 4}
    reasons = {td["data-reason"]: int(td.text) for td in soup.select("td[data-reason]")}
    assert reasons["private"] == 1 and reasons["internal"] == 1 and reasons["draft"] == 1
    assert reasons["no_resources"] == 2  # the http-only record and the draft without resources
    rows = {tr["data-name"]: tr.text for tr in soup.select("table.urbanaudit-excluded tr[data-name]")}
    assert set(rows) == {"prywatny", "wewnetrzny", "szkic", "tylko-http"}
    assert "rekord prywatny" in rows["prywatny"]  # Polish first
    assert "zasób z adresem https" in rows["tylko-http"]
    assert soup.select_one(".urbanaudit-validation")["data-valid"] == "true"
    assert soup.select_one("a.urbanaudit-feed-link")["href"] == "http://test.ckan.net/dane-gov-pl.xml"
    md5 = soup.select_one("code.urbanaudit-feed-md5").text
    assert md5 == app.get("/dane-gov-pl.md5").get_data(as_text=True).strip()


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_other_departments_records_are_counted_not_listed_and_outsiders_are_refused(app):
    records = catalogue.build()
    other_org = factories.Organization()
    other_editor = _user_with_token()
    helpers.call_action("organization_member_create", id=other_org["id"], username=other_editor["name"],
                        role="editor")
    soup = BeautifulSoup(_page(app, other_editor).data, "html.parser")
    assert soup.select_one("td[data-count=excluded]").text == "4"
    assert not soup.select("table.urbanaudit-excluded tr[data-name]")

    _page(app, None, status=403)
    _page(app, _user_with_token(), status=403)  # a logged-in user with no department
    sysadmin = _user_with_token(sysadmin=True)
    soup = BeautifulSoup(_page(app, sysadmin).data, "html.parser")
    assert len(soup.select("table.urbanaudit-excluded tr[data-name]")) == 4
    assert records["full"]["title"] not in {tr.text for tr in soup.select("table.urbanaudit-excluded tr")}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_an_empty_catalogue_is_reported_as_an_invalid_feed(app):
    sysadmin = _user_with_token(sysadmin=True)
    soup = BeautifulSoup(_page(app, sysadmin, "/en/dane-gov-pl").data, "html.parser")
    validation = soup.select_one(".urbanaudit-validation")
    assert validation["data-valid"] == "false"
    assert "There is no record to publish" in validation.text
