"""The inventory schema as a data steward meets it: drafts, published records, vocabularies, the form."""
from __future__ import annotations

import json

import pytest
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers

from ckanext.urbanaudit import bulk
from ckanext.urbanaudit.inventory import lookups
from tests.inventory_records import EU, full_record, minimal_draft

PUBLICATION_FIELDS = {"tag_string", "theme", "data_steward", "contact", "legal_basis", "access_rights",
                      "license_id", "personal_data", "frequency", "spatial_resolution"}


@pytest.fixture
def steward():
    user = factories.User(name="steward")
    org = factories.Organization(name="wydzial-srodowiska", users=[{"name": user["name"], "capacity": "editor"}])
    return {"user": user, "org": org, "context": {"user": user["name"], "ignore_auth": False}}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_draft_needs_only_title_description_and_department(steward):
    record = helpers.call_action("package_create", steward["context"], **minimal_draft(steward["org"]["id"]))
    assert record["publication_status"] == "draft"
    assert record["owner_org"] == steward["org"]["id"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_publishing_an_incomplete_record_lists_every_missing_field(steward):
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", steward["context"],
                            **minimal_draft(steward["org"]["id"], publication_status="published"))
    assert set(error.value.error_dict) == PUBLICATION_FIELDS
    assert error.value.error_dict["frequency"] == ["Required for a published record."]
    assert error.value.error_dict["contact"] == [{"name": ["Required for a published record."]}]
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_complete_record_is_published_and_keeps_every_field(steward):
    record = helpers.call_action("package_create", steward["context"], **full_record(steward["org"]["id"]))
    assert record["publication_status"] == "published"
    assert record["iso37120_theme"] == ["8", "21"]
    assert record["theme"] == [EU + "data-theme/ENVI", EU + "data-theme/REGI"]
    assert record["contact"][0]["email"] == "srodowisko@um.kielce.pl"
    assert record["personal_data"] == "no"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_validation_messages_are_polish_by_default_and_english_on_request(app, steward):
    draft = helpers.call_action("package_create", steward["context"], **minimal_draft(steward["org"]["id"]))
    env = {"REMOTE_USER": "steward"}
    token = factories.APIToken(user="steward")["token"]
    for lang, message in (("pl", "Wymagane w rekordzie opublikowanym."), ("en", "Required for a published record.")):
        # publication status sits on the last form page
        response = app.post(f"/{lang}/dataset/edit/{draft['name']}/5" if lang == "en" else
                            f"/dataset/edit/{draft['name']}/5",
                            data={**minimal_draft(steward["org"]["id"]), "publication_status": "published",
                                  "save": ""},
                            headers={"Authorization": token}, extra_environ=env)
        assert message in response.get_data(as_text=True)


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize(("field", "value", "message"), [
    ("identifier", "bad id with spaces", "Use letters, digits"),
    ("spatial", "{not json", "not valid JSON"),
    ("spatial", json.dumps({"type": "Point", "coordinates": [2066.0, 5087.0]}), "WGS 84"),
    ("spatial", json.dumps({"type": "Feature", "geometry": None}), "GeoJSON geometry"),
    ("frequency", "weekly-ish", "unexpected choice"),
    ("iso37120_theme", ["4"], "unexpected choice"),
    ("data_steward_email", "Jan Kowalski", "not a valid format"),
])
def test_bad_values_get_a_clear_error_and_nothing_is_saved(steward, field, value, message):
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", steward["context"],
                            **minimal_draft(steward["org"]["id"], **{field: value}))
    assert message in " ".join(str(m) for m in error.value.error_dict[field])
    assert helpers.call_action("package_search", q="*:*", include_drafts=True)["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_inventory_identifier_is_unique_but_a_record_keeps_its_own(steward):
    first = helpers.call_action("package_create", steward["context"],
                                **minimal_draft(steward["org"]["id"], identifier="KIELCE-SR-001"))
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", steward["context"],
                            **minimal_draft(steward["org"]["id"], name="inny", identifier="KIELCE-SR-001"))
    assert "already has this identifier" in error.value.error_dict["identifier"][0]
    updated = helpers.call_action("package_patch", steward["context"], id=first["id"], title="Nowy tytuł")
    assert updated["identifier"] == "KIELCE-SR-001"


@pytest.mark.usefixtures("clean_db")
def test_the_form_is_split_into_pages_with_polish_labels(app, steward):
    token = factories.APIToken(user="steward")["token"]
    page = app.get("/dataset/new", headers={"Authorization": token}).get_data(as_text=True)
    for text in ("Opis zbioru", "Odpowiedzialność", "Dostęp i licencja", "Zasięg i aktualność",
                 "Jakość i pochodzenie", "Obszar ISO 37120", "Środowisko i zmiany klimatu"):
        assert text in page, text
    # publishing is decided last, after everything it needs has been filled in
    assert "Status publikacji" not in page

    english = app.get("/en/dataset/new", headers={"Authorization": token}).get_data(as_text=True)
    assert "ISO 37120 theme" in english and "Environment and climate change" in english


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_taken_url_name_and_another_department_are_refused_alike_with_or_without_the_import_lookups(steward):
    other_org = factories.Organization()
    helpers.call_action("package_create", steward["context"],
                        **minimal_draft(steward["org"]["id"], name="zajety", identifier="A-1"))
    # the API's validation, then the questionnaire import's (its chunk found "wolny" and "A-2" free)
    for hints in ({}, lookups.chunk_context(["A-2"], ["wolny"])):
        context = {**steward["context"], **hints}
        _, errors = bulk.validate(context, minimal_draft(steward["org"]["id"], name="zajety", identifier="A-2"))
        assert errors == {"name": ["That URL is already in use."]}
        _, errors = bulk.validate(context, minimal_draft(other_org["id"], name="wolny", identifier="A-2"))
        assert errors == {"owner_org": ["You cannot add a dataset to this organization"]}
        _, errors = bulk.validate(context, minimal_draft(steward["org"]["id"], name="wolny", identifier="A-1"))
        assert errors == {"identifier": ["Another record of the inventory already has this identifier."]}
        valid, errors = bulk.validate(context, minimal_draft(steward["org"]["id"], name="wolny", identifier="A-2"))
        assert not errors and valid["owner_org"] == steward["org"]["id"]
