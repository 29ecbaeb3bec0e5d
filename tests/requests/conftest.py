"""Fixtures of the data-request tests: the `cities` world plus the analytic team, two residents, a public and a
private data set; the rate-limit counters of this site emptied in the real Redis before each test."""
from __future__ import annotations

import pytest
from ckan.lib.redis import connect_to_redis
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers

from tests.inventory_records import full_record

PASSWORD = "prosby-kielce-2026"
PUBLIC, PRIVATE = "rejestr-drzew", "tajny-rejestr"


@pytest.fixture
def fresh_limits():
    """No rate-limit hits left over from an earlier test (the anonymous key is the same address every time)."""
    redis = connect_to_redis()
    for key in redis.scan_iter(f"{tk.config['ckan.site_id']}:urbanaudit:ratelimit:data_request:*"):
        redis.delete(key)


@pytest.fixture
def requests_world(cities, fresh_limits):
    team = factories.Organization(name="zespol-analityczny", title="Zespół analityczny")
    users = {name: factories.User(name=name, password=PASSWORD, email=f"{name}@example.org")
             for name in ("analityk", "mieszkanka", "sasiad")}
    helpers.call_action("organization_member_create", id=team["id"], username="analityk", role="member")
    public = helpers.call_action("package_create", **full_record(cities["env"]["id"], name=PUBLIC))
    private = helpers.call_action("package_create", **full_record(
        cities["env"]["id"], name=PRIVATE, title="Tajny rejestr", identifier="KIELCE-SR-002", private=True))
    tokens = {name: factories.APIToken(user=name)["token"] for name in users}
    return {**cities, "team": team, "users": users, "public": public, "private": private, "tokens": tokens}
