"""Hardening of the dane.gov.pl feed (issue 13, items 8, 11, 15, 20): through the real routes and actions, with
real PostgreSQL and Solr; a Solr outage is a real closed port."""
from __future__ import annotations

import hashlib
import io
import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from ckan.lib.search.common import SolrSettings
from ckan.tests import factories, helpers
from lxml import etree

from ckanext.urbanaudit.danegovpl import feed, mapping
from tests import danegovpl_catalogue as catalogue

NS = {"d": "urn:otwarte-dane:harvester:1.10"}
FEED_LOGGER = "ckanext.urbanaudit.danegovpl.feed"


@pytest.fixture
def no_cached_feed() -> None:
    """Each test starts without a feed cached by an earlier one (the cache outlives clean_db)."""
    for path in feed.paths():
        path.unlink(missing_ok=True)


def _served(app) -> tuple[bytes, str, etree._ElementTree]:
    """The feed and its MD5 as dane.gov.pl fetches them; the MD5 must match and the feed be valid."""
    xml = app.get("/dane-gov-pl.xml")
    assert xml.status_code == 200, xml.get_data(as_text=True)[:500]
    md5 = app.get("/dane-gov-pl.md5")
    assert md5.status_code == 200
    assert hashlib.md5(xml.data, usedforsecurity=False).hexdigest() == md5.get_data(as_text=True).strip()
    tree = etree.parse(io.BytesIO(xml.data))
    xsd = feed.schema()
    assert xsd.validate(tree), [e.message for e in xsd.error_log]
    return xml.data, md5.get_data(as_text=True).strip(), tree


def _by_ident(tree: etree._ElementTree) -> dict[str, etree._Element]:
    return {d.findtext("d:extIdent", namespaces=NS): d for d in tree.getroot().findall("d:dataset", NS)}


def _state() -> tuple[float, int]:
    """When the last build ran (report) and when the served file was written: both change on a rebuild."""
    report = feed.load_report()
    assert report is not None
    return report.attempted, feed.paths()[0].stat().st_mtime_ns


@contextmanager
def solr_down() -> Iterator[None]:
    """Solr unreachable: search goes to a closed port on 127.0.0.1 (connection refused), then back."""
    saved = SolrSettings.get()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    SolrSettings.init(f"http://127.0.0.1:{port}/solr/ckan")
    try:
        yield
    finally:
        SolrSettings.init(*saved)


def _editor(org: dict) -> dict:
    user = factories.User()
    user["token"] = factories.APIToken(user=user["name"])["token"]
    helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role="editor")
    return user


# ---------------------------------------------------------------------------------------------------- item 8

@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
def test_item_8_control_characters_in_published_text_do_not_break_the_feed_or_its_md5(app):
    org = factories.Organization()
    record = catalogue.published(
        org, "sterujace", title="Drzewa\x01 w parku\x0b miejskim", notes="Opis\x0b zbioru\x01 drzew.",
        tag_string="drzewa,park miejski",
        resources=[{"url": "https://dane.example.com/drzewa.csv", "format": "CSV", "name": "Plik\x01 CSV\x0b",
                    "description": "Jeden\x0b wiersz\x01 na drzewo."}])
    stored = helpers.call_action("package_show", id=record["id"])
    assert "\x01" in stored["title"] and "\x0b" in stored["notes"]  # the characters reached the database

    raw, _, tree = _served(app)  # was: 500 for the feed and its MD5 (lxml refuses the characters)
    assert b"\x01" not in raw and b"\x0b" not in raw
    dataset = _by_ident(tree)[record["id"]]
    assert dataset.findtext("d:title/d:polish", namespaces=NS) == "Drzewa w parku miejskim"
    assert dataset.findtext("d:description/d:polish", namespaces=NS) == "Opis zbioru drzew."
    assert sorted(t.text for t in dataset.iterfind("d:tags/d:tag", NS)) == ["drzewa", "park miejski"]
    assert dataset.findtext("d:resources/d:resource/d:title/d:polish", namespaces=NS) == "Plik CSV"

    before = _state()
    _served(app)  # a second request serves the cached feed: no rebuild
    assert _state() == before

    # CKAN's tag validator refuses control characters through the API; a tag that got into a record some
    # other way (a package dict from elsewhere) is cleaned by the same helper
    pkg = {**stored, "tags": [{"name": "drzewa\x01"}, {"name": "park\x0b"}, {"name": "\x0b"}]}
    element = mapping.dataset_element(pkg, mapping.classify(pkg), site_url="https://kielce.example.pl")
    assert [t.text for t in element.iterfind("d:tags/d:tag", NS)] == ["drzewa", "park"]


@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
def test_item_8_a_failed_build_serves_the_last_valid_feed_and_is_not_retried_on_every_request(app, caplog,
                                                                                             request, monkeypatch):
    org = factories.Organization()
    record = catalogue.published(org, "awaria")
    logger = logging.getLogger(FEED_LOGGER)  # the ckanext logger does not propagate (test.ini), and the
    logger.addHandler(caplog.handler)        # migrations' fileConfig (clean_db) disables existing loggers
    monkeypatch.setattr(logger, "disabled", False)
    request.addfinalizer(lambda: logger.removeHandler(caplog.handler))

    # no valid feed yet and the build fails: 503 with a plain explanation, not a 500, not a document
    with solr_down():
        for attempt in range(3):
            for path in ("/dane-gov-pl.xml", "/dane-gov-pl.md5"):
                response = app.get(path)
                assert response.status_code == 503, response.status_code
                assert response.mimetype == "text/plain" and response.headers["Retry-After"]
                assert b"<datasets" not in response.data
            if not attempt:
                failed_at = feed.load_report().attempted
            assert feed.load_report().attempted == failed_at  # not built again
    failures = [r for r in caplog.records if r.name == FEED_LOGGER]
    assert len(failures) == 1, [r.getMessage() for r in failures]  # built (and logged) once, not per request
    assert feed.load_report().error

    helpers.call_action("package_patch", id=record["id"], title="Zbiór po awarii")  # the catalogue changed
    _, good_md5, tree = _served(app)
    assert _by_ident(tree)[record["id"]].findtext("d:title/d:polish", namespaces=NS) == "Zbiór po awarii"

    helpers.call_action("package_patch", id=record["id"], title="Zbiór zmieniony w czasie awarii")
    caplog.clear()
    with solr_down():
        for attempt in range(3):
            _, md5, tree = _served(app)  # the last valid feed, consistent with its MD5
            assert md5 == good_md5
            assert _by_ident(tree)[record["id"]].findtext("d:title/d:polish", namespaces=NS) == "Zbiór po awarii"
            if not attempt:
                failed_at = feed.load_report().attempted
            assert feed.load_report().attempted == failed_at
    assert len([r for r in caplog.records if r.name == FEED_LOGGER]) == 1
    assert feed.load_report().failed


# --------------------------------------------------------------------------------------------------- item 11

@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
def test_item_11_a_deleted_published_record_leaves_the_feed_entirely(app):
    org = factories.Organization()
    kept = catalogue.published(org, "zostaje")
    gone = catalogue.published(org, "usuwany", title="Rejestr do usunięcia", notes="Treść, która ma zniknąć.",
                               resources=[{"url": "https://dane.example.com/usuwany.csv", "format": "CSV",
                                           "name": "Plik do usunięcia"}])
    _, _, tree = _served(app)
    assert _by_ident(tree)[gone["id"]].get("status") == "published"

    helpers.call_action("package_delete", id=gone["id"])
    raw, _, tree = _served(app)
    # dane.gov.pl deletes a data set missing from a successful import; a "draft" one it would keep, hidden
    assert set(_by_ident(tree)) == {kept["id"]}
    assert gone["id"].encode() not in raw and "Rejestr do usunięcia".encode() not in raw
    assert b"usuwany.csv" not in raw and "Treść, która ma zniknąć".encode() not in raw
    assert feed.load_report().withdrawn == 0


# --------------------------------------------------------------------------------------------------- item 15

@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
def test_item_15_a_get_with_rebuild_true_does_not_rebuild_the_feed_and_a_post_does(app):
    org = factories.Organization()
    catalogue.published(org, "przebudowa")
    editor = _editor(org)
    headers = {"Authorization": editor["token"]}
    app.get("/api/3/action/urbanaudit_danegovpl_report", headers=headers, status=200)  # builds the feed
    built = _state()

    # the API's GET (what a link or an <img> in another site's page makes a logged-in browser send)
    refused = app.get("/api/3/action/urbanaudit_danegovpl_report?rebuild=true", headers=headers)
    assert refused.status_code == 409 and "rebuild" in refused.json["error"]
    assert _state() == built
    assert app.get("/dane-gov-pl?rebuild=true", headers=headers).status_code == 200  # the page's GET
    assert _state() == built

    # anonymous POSTs rebuild nothing
    app.post("/api/3/action/urbanaudit_danegovpl_report", json={"rebuild": True}, status=403)
    app.post("/dane-gov-pl", status=403)
    assert _state() == built

    # the editor's POSTs do: the API's, then the page's form
    answer = app.post("/api/3/action/urbanaudit_danegovpl_report", json={"rebuild": True}, headers=headers)
    assert answer.status_code == 200 and answer.json["result"]["published"] == 1
    rebuilt = _state()
    assert rebuilt[0] > built[0] and rebuilt[1] != built[1]
    form = app.post("/dane-gov-pl", headers=headers, follow_redirects=False)
    assert form.status_code == 302 and form.headers["Location"].rstrip("/").endswith("/dane-gov-pl")
    assert _state()[0] > rebuilt[0]


FIELD = "_csrf_token"  # CKAN's WTF_CSRF_FIELD_NAME
TOKEN = re.compile(rf'name="{FIELD}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="{FIELD}"')


@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_item_15_the_rebuild_form_of_the_steward_page_needs_the_csrf_token(app):
    org = factories.Organization()
    catalogue.published(org, "formularz")
    factories.User(name="opiekun", password="correct-horse-123")
    helpers.call_action("organization_member_create", id=org["id"], username="opiekun", role="editor")
    client = app.test_client()  # a browser session (cookie), as a data steward uses the page
    login = TOKEN.search(client.get("/user/login").get_data(as_text=True))
    client.post("/user/login", data={"login": "opiekun", "password": "correct-horse-123",
                                     FIELD: login.group(1) or login.group(2)})
    page = client.get("/dane-gov-pl")
    assert page.status_code == 200
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, "the rebuild form carries no CSRF token"
    built = _state()

    forged = client.post("/dane-gov-pl")  # what another site's page can make the steward's browser send
    assert forged.status_code in (400, 403), forged.status_code
    assert _state() == built
    accepted = client.post("/dane-gov-pl", data={FIELD: found.group(1) or found.group(2)}, follow_redirects=False)
    assert accepted.status_code == 302, accepted.status_code
    assert _state()[0] > built[0]


# --------------------------------------------------------------------------------------------------- item 20

@pytest.mark.usefixtures("clean_db", "clean_index", "no_cached_feed")
def test_item_20_a_catalogue_with_nothing_to_publish_answers_404_in_plain_text_not_an_invalid_feed(app):
    for path in ("/dane-gov-pl.xml", "/dane-gov-pl.md5"):
        response = app.get(path)
        assert response.status_code == 404, response.status_code  # was: 200 with <datasets/>, which the XSD rejects
        assert response.mimetype == "text/plain"
        assert "dane.gov.pl" in response.get_data(as_text=True)
        assert b"<datasets" not in response.data and not re.search(rb"\b[0-9a-f]{32}\b", response.data)

    org = factories.Organization()
    record = catalogue.published(org, "jedyny")
    _, _, tree = _served(app)
    assert set(_by_ident(tree)) == {record["id"]}

    # the only record goes back to draft: the old feed is not served any more
    helpers.call_action("package_patch", id=record["id"], publication_status="draft")
    assert app.get("/dane-gov-pl.xml").status_code == 404
    assert app.get("/dane-gov-pl.md5").status_code == 404
