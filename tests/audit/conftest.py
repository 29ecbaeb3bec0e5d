"""Shared fixtures of the audit tests (several files append here)."""
from __future__ import annotations

import re

import pytest
from ckan.tests import factories, helpers

# unemployment rate (%, a share) and PM2.5 (one value, µg/m3) of the 2014 edition
SHARE_CODE = "ISO37120:2014:5.1"
SINGLE_CODE = "ISO37120:2014:8.1"
PER_100K_CODE = "ISO37120:2014:10.1"  # firefighters per 100 000 population
PASSWORD = "audyt-kielce-2026"


@pytest.fixture
def audit_world(cities):
    """The `cities` world, plus the analytic team (two analysts), the environment department's editor (who
    answers for the three indicators above in Kielce), an editor of another department and a plain user."""
    team = factories.Organization(name="zespol-analityczny", title="Zespół analityczny")
    users = {name: factories.User(name=name, password=PASSWORD) for name in
             ("analityk1", "analityk2", "steward-env", "steward-edu", "mieszkaniec")}
    for user, org, role in (("analityk1", team, "editor"), ("analityk2", team, "member"),
                            ("steward-env", cities["env"], "editor"), ("steward-edu", cities["other"], "editor")):
        helpers.call_action("organization_member_create", id=org["id"], username=user, role=role)
    helpers.call_action("urbanaudit_assignment_set", {"user": "analityk1"}, city="kielce", assignments=[
        {"indicator_code": code, "department": "kielce-wydzial-srodowiska", "responsible": "steward-env"}
        for code in (SHARE_CODE, SINGLE_CODE, PER_100K_CODE)])
    return {**cities, "team": team, "users": users}


CSRF_FIELD = "_csrf_token"
CSRF_TOKEN = re.compile(rf'name="{CSRF_FIELD}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="{CSRF_FIELD}"')


def login_client(app, user, password=PASSWORD):
    """A test client logged in through the real login form (with its CSRF token)."""
    client = app.test_client()
    form = client.get("/user/login").get_data(as_text=True)
    found = CSRF_TOKEN.search(form)
    client.post("/user/login", data={"login": user, "password": password,
                                     CSRF_FIELD: found.group(1) or found.group(2)})
    return client
