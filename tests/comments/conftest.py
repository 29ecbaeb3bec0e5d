"""The comments' world: the `cities` world plus the analytic team (an analyst), the environment department's
admin and member, two residents, a public and a private inventory record of the environment department."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from tests.inventory_records import full_record

PASSWORD = "komentarze-kielce-2026"
STEWARD_EMAIL = "anna.nowak@um.kielce.pl"  # full_record's data_steward_email
PUBLIC, PRIVATE = "rejestr-drzew", "rejestr-pomnikow-przyrody"
INDICATOR = "ISO37120:2014:8.1"  # PM2.5, a catalogue indicator


@pytest.fixture
def world(cities):
    team = factories.Organization(name="zespol-analityczny", title="Zespół analityczny")
    users = {name: factories.User(name=name, password=PASSWORD, email=f"{name}@example.org")
             for name in ("analityk", "admin-env", "pracownik-env", "mieszkaniec", "sasiad")}
    for user, org, role in (("analityk", team, "member"), ("admin-env", cities["env"], "admin"),
                            ("pracownik-env", cities["env"], "member")):
        helpers.call_action("organization_member_create", id=org["id"], username=user, role=role)
    public = helpers.call_action("package_create", **full_record(cities["env"]["id"]))
    private = helpers.call_action("package_create", **full_record(
        cities["env"]["id"], name=PRIVATE, title="Rejestr pomników przyrody (wewnętrzny)",
        identifier="KIELCE-SR-002", private=True))
    return {**cities, "team": team, "users": users, "public": public, "private": private}
