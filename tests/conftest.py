"""Fixtures shared by the test suite. Services are real: PostgreSQL, Solr and
Redis started by scripts/services.sh, and source APIs replayed by a local HTTP
server on 127.0.0.1 from the recorded responses in ../shared/fixtures."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import ckan.plugins
import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.lib.app_globals import _CONFIG_CACHE
from ckan.tests import factories
from ckan.tests import helpers as test_helpers
from sqlalchemy import engine_from_config

from ckanext.urbanaudit.cities.model import City
from tests.source_server import SourceServer

pytest_plugins = ["ckanext.harvest.tests.fixtures", "tests.browser_support"]


def pytest_configure(config):
    """A pytest-xdist worker (`make test` runs the suite on several) reads its own configuration,
    var/test-workers/<worker>.ini, written by scripts/test-workers.sh: test.ini with the worker's own databases,
    Solr site id and Redis database. Runs before CKAN's pytest plugin loads the configuration at session start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    ini = Path(config.rootpath) / "var" / "test-workers" / f"{worker}.ini"
    if not ini.is_file():
        raise pytest.UsageError(f"{ini} is missing: run scripts/test-workers.sh N (make test does) before pytest -n N")
    config.option.ckan_ini = str(ini)


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


_STATE: dict = {"config_changed": False, "app": None}


def _customised(request) -> bool:
    return request.node.get_closest_marker("ckan_config") is not None


@pytest.fixture(scope="session")
def _plugins_of_the_ini(session_storage_path):
    """The plugins of test.ini, loaded once for the session (CKAN's own `with_plugins` loads and unloads them around
    every test: three runs of every plugin's update_config, about 1 s a test)."""
    tk.config["ckan.storage_path"] = str(session_storage_path)
    ckan.plugins.load_all()
    yield
    ckan.plugins.unload_non_system_plugins()


@pytest.fixture
def with_plugins(request, ckan_config, _plugins_of_the_ini):
    """CKAN's `with_plugins` for this suite: the same plugins, loaded once. A test whose `ckan_config` mark changes
    the configuration gets every plugin's update_config and configure run again with it, as a fresh load would do,
    and the test after it gets them run again with the configuration of the ini."""
    customised = _customised(request)
    if customised or _STATE["config_changed"]:
        ckan.plugins.plugins_update()
    _STATE["config_changed"] = customised


@pytest.fixture(autouse=True)
def _load_plugins(with_plugins):
    """Every test runs with the plugins of test.ini loaded, as the portal does."""


@pytest.fixture
def make_app(request, ckan_config, with_plugins):
    """CKAN's `make_app` for this suite: one Flask application for every test that does not change the
    configuration (a new test client, so no cookie crosses from one test to another); a test with a `ckan_config`
    mark gets an application of its own, built from its configuration, as before."""
    _CONFIG_CACHE.clear()

    def factory():
        if _customised(request):
            _STATE["app"] = None
            return test_helpers._get_test_app()
        tk.config["testing"] = True
        if _STATE["app"] is None:
            _STATE["app"] = test_helpers._get_test_app().app
        return test_helpers.CKANTestApp(_STATE["app"])

    return factory


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
