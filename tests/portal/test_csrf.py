"""Cross-site request forgery: every POST form of ours refuses a request without CKAN's CSRF token.

The rest of the suite runs with WTF_CSRF_ENABLED = false (test.ini); here it is on, as in production. A
department's editor logs in through the real login form (a session cookie: CKAN exempts requests authenticated
by an API token header, which a forged cross-site request cannot carry), then posts to each form of ours once
without the token (what another site's page can make the editor's browser send) and once with the token read
from the form page.
"""
from __future__ import annotations

import io
import re
import time

import pytest
from ckan.tests import factories, helpers

from ckanext.urbanaudit.danegovpl import feed
from ckanext.urbanaudit.quality import store
from tests.inventory_records import full_record

ORG, EDITOR, PASSWORD = "wydzial-srodowiska", "steward", "correct-horse-123"
FIELD = "_csrf_token"  # CKAN's WTF_CSRF_FIELD_NAME
TOKEN = re.compile(rf'name="{FIELD}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="{FIELD}"')
QUESTIONNAIRE = ("Identyfikator [identifier];Tytuł [title];Opis [notes];Wydział (skrót adresu) [owner_org]\n"
                 f"SR-001;Rejestr drzew;Drzewa w pasach drogowych.;{ORG}\n").encode()


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, f"the form carries no {FIELD} field"
    return found.group(1) or found.group(2)


def logged_in(app):
    """A test client holding the editor's session cookie, logged in through the real login form."""
    client = app.test_client()
    form = client.get("/user/login").get_data(as_text=True)
    response = client.post("/user/login", data={"login": EDITOR, "password": PASSWORD,
                                                FIELD: csrf_token(form)})
    assert response.status_code in (200, 302), response.status_code
    assert client.get("/dashboard/datasets").status_code == 200, "not logged in"
    return client


def identifiers() -> set[str]:
    found = helpers.call_action("package_search", q="*:*", rows=100, include_private=True, include_drafts=True)
    return {d.get("identifier") for d in found["results"]}


@pytest.fixture
def department(clean_db, clean_index):
    factories.User(name=EDITOR, password=PASSWORD)
    org = factories.Organization(name=ORG, title="Wydział Środowiska", users=[{"name": EDITOR, "capacity": "editor"}])
    return org


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_item_18_the_questionnaire_import_refuses_a_post_without_the_csrf_token(app, department):
    client = logged_in(app)
    page = client.get("/inventory/import")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))

    forged = client.post("/inventory/import", data={"upload": (io.BytesIO(QUESTIONNAIRE), "ankieta.csv")})
    assert forged.status_code in (400, 403), forged.status_code
    assert "SR-001" not in identifiers()

    accepted = client.post("/inventory/import", data={"upload": (io.BytesIO(QUESTIONNAIRE), "ankieta.csv"),
                                                      FIELD: token})
    assert accepted.status_code == 200, accepted.status_code
    assert "Zmiany zapisano." in accepted.get_data(as_text=True)
    assert "SR-001" in identifiers()


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_item_18_the_quality_recompute_refuses_a_post_without_the_csrf_token(app, department):
    record = helpers.call_action("package_create", {"user": EDITOR}, **full_record(department["id"]))
    assert store.latest(record["id"]) is None
    client = logged_in(app)
    page = client.get(f"/quality/{ORG}")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))

    forged = client.post(f"/quality/{ORG}/recompute")
    assert forged.status_code in (400, 403), forged.status_code
    assert store.latest(record["id"]) is None

    accepted = client.post(f"/quality/{ORG}/recompute", data={FIELD: token}, follow_redirects=False)
    assert accepted.status_code == 302, accepted.status_code
    assert store.latest(record["id"]) is not None


def feed_files() -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in feed.cache_dir().iterdir()}


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_item_18_the_dane_gov_pl_feed_rebuild_refuses_a_post_without_the_csrf_token(app, department):
    helpers.call_action("package_create", {"user": EDITOR}, **full_record(department["id"]))
    client = logged_in(app)
    page = client.get("/dane-gov-pl")  # builds the feed once
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    built = feed_files()
    assert built
    time.sleep(0.01)

    forged = client.post("/dane-gov-pl")
    assert forged.status_code in (400, 403), forged.status_code
    assert feed_files() == built

    accepted = client.post("/dane-gov-pl", data={FIELD: token}, follow_redirects=False)
    assert accepted.status_code == 302, accepted.status_code
    assert feed_files() != built
