"""A data steward describes a data set through the five pages of the form, then publishes it."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from tests.inventory_records import EU, KIELCE_BOX

PAGES = [
    {"title": "Rejestr drzew", "name": "rejestr-drzew", "notes": "Drzewa w pasach drogowych.",
     "identifier": "KIELCE-SR-001", "tag_string": "drzewa,zieleń",
     "theme": [EU + "data-theme/ENVI", EU + "data-theme/REGI"], "iso37120_theme": ["8"],
     "urban_audit_domain": ["environment"]},
    {"data_steward": "Anna Nowak", "data_steward_email": "anna.nowak@um.kielce.pl",
     "contact-0-name": "Wydział Środowiska", "contact-0-email": "srodowisko@um.kielce.pl",
     "legal_basis": "Art. 83a ustawy o ochronie przyrody", "source_system": "Ewidencja zieleni"},
    {"access_rights": EU + "access-right/PUBLIC", "license_id": "cc-by", "personal_data": "no",
     "openness_level": "3"},
    {"frequency": EU + "frequency/ANNUAL", "issued": "2021-03-01", "modified": "2025-11-15",
     "temporal_coverage-0-start": "2020-01-01", "temporal_coverage-0-end": "2025-12-31",
     "spatial_resolution": "point", "spatial": json.dumps(KIELCE_BOX),
     "inspire_theme": "http://inspire.ec.europa.eu/theme/lc"},
    {"known_quality_issues": "Część drzew bez pomiaru obwodu.", "publication_status": "published",
     "synthetic": "false"},
]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_steward_creates_and_publishes_a_full_record_through_the_form_pages(app):
    steward = factories.User(name="steward")
    org = factories.Organization(name="wydzial-srodowiska", users=[{"name": "steward", "capacity": "editor"}])
    headers = {"Authorization": factories.APIToken(user=steward["name"])["token"]}

    # what the browser sends from page 1 (hidden fields of the form included)
    response = app.post("/dataset/new", headers=headers, follow_redirects=False,
                        data={**PAGES[0], "owner_org": org["id"], "_ckan_phase": "dataset_new_1", "pkg_name": "",
                              "save": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert response.headers["Location"].endswith("/dataset/new/rejestr-drzew/2"), response.headers["Location"]
    for number, fields in enumerate(PAGES[1:], start=2):
        response = app.post(f"/dataset/new/rejestr-drzew/{number}", headers=headers, data={**fields, "save": ""},
                            follow_redirects=False)
        assert response.status_code == 302, (number, response.get_data(as_text=True)[-2000:])
    assert "/resource/new" in response.headers["Location"]
    response = app.post("/dataset/rejestr-drzew/resource/new", headers=headers, follow_redirects=False,
                        data={"id": "", "url": "https://dane.kielce.eu/drzewa.csv", "name": "Rejestr (CSV)",
                              "format": "CSV", "save": "go-metadata"})
    assert response.status_code == 302

    record = helpers.call_action("package_show", id="rejestr-drzew")
    assert record["state"] == "active"
    assert record["publication_status"] == "published"
    assert record["theme"] == PAGES[0]["theme"]
    assert record["contact"] == [{"name": "Wydział Środowiska", "email": "srodowisko@um.kielce.pl"}]
    assert record["temporal_coverage"] == [{"start": "2020-01-01", "end": "2025-12-31"}]
    assert json.loads(record["spatial"]) == KIELCE_BOX
    assert [r["format"] for r in record["resources"]] == ["CSV"]
    page = app.get("/dataset/rejestr-drzew").get_data(as_text=True)
    for shown in ("Rejestr drzew", "Anna Nowak", "Opublikowany", "co roku"):
        assert shown in page, shown


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_publishing_on_the_last_page_without_the_earlier_fields_names_them(app):
    factories.User(name="steward")
    org = factories.Organization(users=[{"name": "steward", "capacity": "editor"}])
    headers = {"Authorization": factories.APIToken(user="steward")["token"]}
    app.post("/dataset/new", headers=headers, data={"title": "Szkic", "name": "szkic", "notes": "Opis.",
                                                    "owner_org": org["id"], "_ckan_phase": "dataset_new_1",
                                                    "pkg_name": "", "save": ""})
    for number in (2, 3, 4):
        app.post(f"/dataset/new/szkic/{number}", headers=headers, data={"save": ""})
    response = app.post("/dataset/new/szkic/5", headers=headers, data={"publication_status": "published", "save": ""})
    text = response.get_data(as_text=True)
    assert "Wymagane w rekordzie opublikowanym." in text
    assert "Częstotliwość aktualizacji" in text
    assert helpers.call_action("package_show", id="szkic")["publication_status"] == "draft"
