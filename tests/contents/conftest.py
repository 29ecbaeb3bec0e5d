"""Fixtures of the data-itself tests: a department with a steward who can upload, and the jobs worker."""
from __future__ import annotations

import pytest
import requests
from ckan.lib import app_globals, jobs
from ckan.tests import factories
from ckanext.datastore.tests import helpers as datastore_helpers
from selenium.webdriver.support.ui import WebDriverWait

from tests.inventory_records import full_record


def run_jobs():
    """What `ckan jobs worker --burst` does on a server: every queued job, each in a forked work horse (run
    directly, not through the CLI, whose start re-reads the configuration the served test app uses)."""
    jobs.Worker([]).work(burst=True)


def plotly_trace(page) -> dict:
    """The first trace of the page's Plotly chart as Plotly drew it (type, x, y with y as numbers), once drawn."""
    WebDriverWait(page, 30).until(lambda d: d.execute_script(
        "const p = document.querySelector('.js-plotly-plot'); return !!(p && p._fullData && p._fullData.length);"))
    return page.execute_script("const t = document.querySelector('.js-plotly-plot')._fullData[0];"
                               "return {type: t.type, x: Array.from(t.x), y: Array.from(t.y).map(Number)};")


STEWARD_PASSWORD = "haslo-stewarda-2026"


class Portal:
    """The test portal served over HTTP, used as a steward's script or an anonymous visitor would."""

    def __init__(self, url: str, steward: dict, token: str, org: dict):
        self.url, self.steward, self.token, self.org = url, steward, token, org

    def action(self, action: str, token: str | None = None, files=None, **data):
        headers = {"Authorization": token} if token else {}
        if files:
            response = requests.post(f"{self.url}/api/3/action/{action}", data=data, files=files, headers=headers,
                                     timeout=60)
        else:
            response = requests.post(f"{self.url}/api/3/action/{action}", json=data, headers=headers, timeout=60)
        return response.status_code, response.json()

    def dataset(self, name: str, **extra) -> dict:
        record = full_record(self.org["id"], name=name, identifier=f"KIELCE-{name}", **extra)
        status, body = self.action("package_create", self.token, **record)
        assert status == 200, body
        return body["result"]

    def upload(self, dataset_id: str, filename: str, content: bytes, fmt: str = "CSV") -> dict:
        status, body = self.action("resource_create", self.token, files={"upload": (filename, content)},
                                   package_id=dataset_id, name=filename, format=fmt)
        assert status == 200, body
        return body["result"]


@pytest.fixture
def clean_datastore(clean_db):
    """Every DataStore table dropped (CKAN's own helper, on the DataStore's write database)."""
    engine = datastore_helpers.db.get_write_engine()
    session = datastore_helpers.orm.scoped_session(datastore_helpers.orm.sessionmaker(bind=engine))
    datastore_helpers.clear_db(session)
    session.commit()
    session.remove()


@pytest.fixture
def portal(server, clean_db, clean_index, clean_redis, clean_datastore, monkeypatch):  # noqa: PLR0917
    steward = factories.User(name="steward-budget", password=STEWARD_PASSWORD, image_url="")
    org = factories.Organization(name="wydzial-budzetu", users=[{"name": steward["name"], "capacity": "editor"}])
    token = factories.APIToken(user=steward["name"])["token"]
    # a work horse of the jobs worker loads CKAN's environment again, which sets the site URL back to the value
    # CKAN first read (app_globals' cache of the ini's): make that the test server's, as a deployment's worker
    # has its portal's
    monkeypatch.setitem(app_globals._CONFIG_CACHE, "ckan.site_url", server)
    return Portal(server, steward, token, org)
