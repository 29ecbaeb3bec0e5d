"""Fixtures shared by the test suite. Services are real: PostgreSQL, Solr and
Redis started by scripts/services.sh, and source APIs replayed by a local HTTP
server on 127.0.0.1 from the recorded responses in ../shared/fixtures."""
from __future__ import annotations

import functools

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories
from sqlalchemy import engine_from_config

from ckanext.urbanaudit.cities.model import City
from tests.source_server import SourceServer

pytest_plugins = ["ckanext.harvest.tests.fixtures", "tests.browser_support"]


@pytest.fixture(scope="session")
def session_storage_path(tmp_path_factory):
    """An empty folder for ckan.storage_path, new for each test session: test.ini's fixed folder under /tmp
    outlives a run, and what is cached there (the dane.gov.pl feed) would be read by the next run, built by older
    code."""
    return tmp_path_factory.mktemp("ckan-storage")


@pytest.fixture(autouse=True)
def _fresh_storage_path(session_storage_path, monkeypatch):
    """Every test runs with the session's storage folder (set per test: CKAN's pytest plugin restores the config
    read from the ini before each test)."""
    monkeypatch.setitem(tk.config, "ckan.storage_path", str(session_storage_path))
    return session_storage_path


@pytest.fixture(autouse=True)
def _load_plugins(with_plugins):
    """Every test runs with the plugins of test.ini loaded, as the portal does."""


@functools.cache
def _pooled_engine():
    return engine_from_config(tk.config, pool_pre_ping=True)


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN core reset, then the harvest and urbanaudit tables migrated, and the model bound to a pooled engine
    again (CKAN's migration environment leaves it on a NullPool engine: a new PostgreSQL connection per commit).

    CKAN drops every table only on the session's first reset and afterwards deletes the rows of every mapped
    table, the plugins' included, leaving the schema as it is: the plugins' migrations run after a drop only (each
    run re-reads every migration script, about 0.4 s a test for nothing)."""
    dropped = not model.repo.tables_created_and_initialised
    reset_db()
    if dropped:
        migrate_db_for("harvest")
        migrate_db_for("urbanaudit")
    model.init_model(_pooled_engine())


@pytest.fixture
def source_server():
    """A real HTTP server on 127.0.0.1 that replays recorded source responses."""
    server = SourceServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cities(clean_db, clean_index):
    """Kielce and its two peers, the city organization and two departments (environment, education)."""
    city_org = factories.Organization(name="um-kielce", title="Urząd Miasta Kielce")
    env_org = factories.Organization(name="kielce-wydzial-srodowiska", title="Wydział Środowiska")
    other_org = factories.Organization(name="kielce-wydzial-edukacji", title="Wydział Edukacji")
    model.Session.add_all([
        City(teryt="2661011", slug="kielce", name="Kielce", urban_audit_code="PL012C",
             peers=["0663011", "2061011"], config={"organization": "um-kielce"}),
        City(teryt="0663011", slug="lublin", name="Lublin", peers=[], config={"organization": "um-kielce"}),
        City(teryt="2061011", slug="bialystok", name="Białystok", peers=[], config={"organization": "um-kielce"}),
    ])
    model.Session.commit()
    return {"city": city_org, "env": env_org, "other": other_org}
