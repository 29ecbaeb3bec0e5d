"""Integrity of the harvest under faults and abuse (issue 13, "Hardening"): where harvested records may land, what
a truncated answer may withdraw, one transaction per record, records deleted by a steward, and two workers
importing the same guid. Real jobs against a local CKAN-API-shaped server (the recorded Gdańsk catalogue) and
the recorded Eurostat answer; real PostgreSQL, Solr and Redis."""
from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from pathlib import Path

import pytest
from ckan import model
from ckan import plugins as p
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.interfaces import IHarvester
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError, HarvestObjectExtra, HarvestSource
from sqlalchemy import text

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.harvesters.conftest import TESTOWO, ckan_portal_source
from tests.source_server import ckan_package_search, load_json

GDANSK = "danegovpl/ckan-harvest-samples/gdansk_ckan_current_package_list_with_resources.json"
CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
URB_CPOP1 = "eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
EUROSTAT_CODE = "EUROSTAT:urb_cpop1:DE1001V"
KIELCE_2023 = str(631 * 37 + 34)  # the cell of Kielce's 2023 population in the recorded cube

CITY = TESTOWO + """departments:
  - {name: testowo-wydzial-a, title: Wydział A}
  - {name: testowo-wydzial-b, title: Wydział B}
harvest_sources:
""" + ckan_portal_source("testowo-ckan", "testowo-wydzial-a")


@pytest.fixture
def portal(clean, source_server, tmp_path):
    """Testowo with departments A and B and a CKAN-portal source (loaded by the site user, records into A)
    serving the first ten datasets of the recorded Gdańsk catalogue."""
    packages = load_json(GDANSK)["result"][:10]
    source_server.route("/api/3/action/package_search", ckan_package_search(packages))
    (tmp_path / "testowo.yaml").write_text(CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    source = helpers.call_action("harvest_source_show", id="testowo-ckan")
    return source, factories.Sysadmin()["name"], packages


def _harvester(name: str = "urbanaudit_ckan"):
    return next(h for h in p.PluginImplementations(IHarvester) if h.info()["name"] == name)


def _records() -> dict[str, model.Package]:
    """The harvested data sets by name, fresh from the database."""
    model.Session.remove()
    return {pkg.name: pkg for pkg in model.Session.query(model.Package).filter(model.Package.type == "dataset")}


def _status(name: str) -> tuple[str, str]:
    dataset = helpers.call_action("package_show", id=name)
    return dataset["state"], dataset["publication_status"]


# item 2


def test_item_2_an_editor_of_one_department_cannot_harvest_into_another(portal, source_server, app):
    _, sysadmin, _ = portal
    department_a = helpers.call_action("organization_show", id="testowo-wydzial-a")
    department_b = helpers.call_action("organization_show", id="testowo-wydzial-b")
    editor = factories.User()
    helpers.call_action("organization_member_create", id=department_b["id"], username=editor["name"], role="editor")
    token = factories.APIToken(user=editor["name"])["token"]

    def create(name: str, source_type: str, department: str):
        return app.post("/api/3/action/harvest_source_create", headers={"Authorization": token}, json={
            "name": name, "title": name, "url": f"{source_server.url}/{name}", "source_type": source_type,
            "owner_org": department_b["id"], "frequency": "MANUAL",
            "config": json.dumps({"city": "2661011", "department": department})})

    # the editor of B asks for a source whose records would be published in A: refused, nothing created
    for source_type in ("urbanaudit_ckan", "dcat_rdf"):
        refused = create(f"b-into-a-{source_type.replace('_', '-')}", source_type, "testowo-wydzial-a")
        assert refused.status_code == 409, refused.body
        error = refused.json["error"]
        assert "testowo-wydzial-a" in error["config"][0] and editor["name"] in error["config"][0]
    assert model.Session.query(HarvestSource).count() == 1  # the city file's source only

    # into B, where the editor may write: accepted
    accepted = create("b-own", "urbanaudit_ckan", "testowo-wydzial-b")
    assert accepted.status_code == 200, accepted.body
    source_id = accepted.json["result"]["id"]

    # the configuration changed behind the form's back (in the database) to point at A: the import refuses
    source = HarvestSource.get(source_id)
    source.config = json.dumps({"city": "2661011", "department": "testowo-wydzial-a"})
    model.Session.commit()
    source_server.route("/b-own/api/3/action/package_search", ckan_package_search(portal[2]))
    job = run_job(source_id, sysadmin)
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 10}
    assert all("testowo-wydzial-a" in message for message in job["object_error_messages"])
    assert model.Session.query(model.Package).filter(model.Package.owner_org == department_a["id"]).count() == 0
    assert model.Session.query(model.Package).filter(model.Package.type == "dataset").count() == 0

    # the site user's source (city file) still harvests into A
    assert changes(run_job(portal[0]["id"], sysadmin))["added"] == 10
    assert helpers.call_action("package_search", fq="organization:testowo-wydzial-a", rows=0)["count"] == 10


# item 6


def test_item_6_a_truncated_answer_withdraws_nothing_beyond_the_allowed_share(portal, source_server):
    source, user, packages = portal
    assert changes(run_job(source["id"], user)) == {"added": 10, "updated": 0, "deleted": 0, "errored": 0}
    before = {name: _status(name) for name in _records()}
    assert len(before) == 10 and all(state == "active" for state, _ in before.values())

    # the portal answers with 2 of its 10 datasets (count: 2): 8 would go, 80 % > 20 %: a gather error, nothing
    source_server.route("/api/3/action/package_search", ckan_package_search(packages[:2]))
    job = run_job(source["id"], user)
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}  # the gather error
    [message] = job["gather_error_messages"]
    assert all(figure in message for figure in (" 2 ", " 10 ", " 8 ", "80 %", "20 %")), message
    assert {name: _status(name) for name in _records()} == before

    # a portal declaring 10 and delivering 9 (its count says one is missing): reported, nothing withdrawn
    def short(query):
        body = {"success": True, "result": {"count": 10, "results": packages[1:]}}
        return 200, "application/json", json.dumps(body).encode()

    source_server.route("/api/3/action/package_search", short)
    job = run_job(source["id"], user)
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}  # the gather error
    [message] = job["gather_error_messages"]
    assert " 10 " in message and " 9" in message, message
    assert {name: _status(name) for name in _records()} == before

    # 9 of 10, consistently: one record withdrawn (10 %, within the share)
    source_server.route("/api/3/action/package_search", ckan_package_search(packages[1:]))
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == []
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 1, "errored": 0}
    gone = f"ckan-{packages[0]['name']}"
    assert _status(gone) == ("active", "withdrawn")
    assert {n: s for n, s in before.items() if n != gone} == {n: _status(n) for n in before if n != gone}

    # a source configured to allow it may lose more in one job
    helpers.call_action("harvest_source_patch", {"user": user}, id=source["id"], config=json.dumps(
        dict(json.loads(source["config"]), max_withdraw_share=1)))
    source_server.route("/api/3/action/package_search", ckan_package_search(packages[1:3]))
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 7, "errored": 0}


# item 7


def test_item_7_a_failed_import_writes_nothing_and_the_next_run_creates_the_record(clean, source_server,
                                                                                    ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", source_server.url)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    load(CITIES / "lublin.yaml")
    source = helpers.call_action("harvest_source_show", id="lublin-eurostat-urban-audit")
    user = factories.Sysadmin()["name"]
    document = load_json(URB_CPOP1)
    fixed = copy.deepcopy(document)
    document["value"][KIELCE_2023] = "n/a"  # one value of the record is not a number
    source_server.route("/data/urb_cpop1", lambda query: (200, "application/json", json.dumps(document).encode()))

    job = run_job(source["id"], user)
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}
    assert "value" in job["object_error_messages"][0]
    assert _records() == {}  # no data set without its values and harvest object
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code=EUROSTAT_CODE) == []

    source_server.route("/data/urb_cpop1", lambda query: (200, "application/json", json.dumps(fixed).encode()))
    job = run_job(source["id"], user)
    assert job["object_error_messages"] == []  # no "identifier exists"
    assert changes(job) == {"added": 1, "updated": 0, "deleted": 0, "errored": 0}
    [record] = _records().values()
    values = helpers.call_action("urbanaudit_indicator_values", indicator_code=EUROSTAT_CODE, city="kielce")
    assert {v["period"]: v["value"] for v in values}["2023"] == 182295
    assert {v["source_ref"] for v in values} == {record.id}


# item 12


def test_item_12_a_record_deleted_in_the_portal_stays_deleted_on_a_changed_reharvest(portal, source_server):
    source, user, packages = portal
    run_job(source["id"], user)
    steward = factories.User()
    helpers.call_action("organization_member_create", id="testowo-wydzial-a", username=steward["name"],
                        role="editor")
    name = f"ckan-{packages[3]['name']}"
    helpers.call_action("package_delete", {"user": steward["name"]}, id=name)

    changed = copy.deepcopy(packages)
    changed[3]["notes"] = "Opis zmieniony w źródle."
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    job = run_job(source["id"], user)
    # not modified, with a note (the job's errors list it, so the object counts as "errored" in the statistics)
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}
    assert job["stats"].get("not modified") == 1
    [note] = job["object_error_messages"]
    assert name in note and "restore_deleted" in note
    assert _records()[name].state == "deleted"
    # the next run does not try again
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert _records()[name].state == "deleted"

    # unless the source configuration says deleted records come back
    helpers.call_action("harvest_source_patch", {"user": user}, id=source["id"], config=json.dumps(
        dict(json.loads(source["config"]), restore_deleted=True)))
    changed[3]["notes"] = "Opis zmieniony w źródle po raz drugi."
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 1, "deleted": 0, "errored": 0}
    assert _records()[name].state == "active"


# item 23


def _gather_one(source_id: str, user: str) -> tuple[HarvestJob, HarvestObject]:
    """A job of the source gathered by the harvester itself (its one record: one object)."""
    job = HarvestJob.get(helpers.call_action("harvest_job_create", {"user": user}, source_id=source_id,
                                             run=False)["id"])
    [object_id] = _harvester().gather_stage(job)
    return job, HarvestObject.get(object_id)


def _consume(app, object_id: str, start: threading.Barrier | None, escaped: list) -> None:
    """What a fetch consumer does with one object, in a thread with its own session and connection."""
    with app.flask_app.test_request_context():
        try:
            obj = HarvestObject.get(object_id)
            if start is not None:
                start.wait(timeout=30)
            queue.fetch_and_import_stages(_harvester(), obj)
        except Exception as e:  # what would have ended the consumer process
            escaped.append(e)
        finally:
            model.Session.remove()


def test_item_23_two_workers_importing_one_guid_create_one_dataset(portal, source_server, app):
    source, user, packages = portal
    source_server.route("/api/3/action/package_search", ckan_package_search(packages[:1]))
    job, first = _gather_one(source["id"], user)
    twin = HarvestObject(guid=first.guid, job=job, harvest_source_id=first.harvest_source_id, content=first.content,
                         extras=[HarvestObjectExtra(key=e.key, value=e.value) for e in first.extras])
    model.Session.add(twin)
    model.Session.commit()
    ids = [first.id, twin.id]

    start, escaped = threading.Barrier(2), []
    workers = [threading.Thread(target=_consume, args=(app, i, start, escaped)) for i in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert escaped == []
    records = _records()
    assert len(records) == 1
    [dataset] = records.values()
    objects = [HarvestObject.get(i) for i in ids]
    assert [o.state for o in objects] == ["COMPLETE", "COMPLETE"]
    assert {o.package_id for o in objects} == {dataset.id}
    assert model.Session.query(HarvestObjectError).count() == 0


def test_item_23_an_integrity_error_in_the_import_is_an_object_error_not_a_dead_consumer(portal, source_server,
                                                                                          app):
    source, user, packages = portal
    source_server.route("/api/3/action/package_search", ckan_package_search(packages[:1]))
    _, obj = _gather_one(source["id"], user)
    object_id, name = obj.id, f"ckan-{packages[0]['name']}"

    # another transaction creates a data set of the same name behind the import's back: uncommitted while the
    # import checks the name, committed while the import's INSERT waits on the unique index
    with model.meta.engine.connect() as other, model.meta.engine.connect() as watcher:
        behind = other.begin()
        other.execute(text("INSERT INTO package (id, name, title, type, state, private, metadata_created, "
                           "metadata_modified) VALUES (:id, :name, 'behind', 'dataset', 'active', false, now(), "
                           "now())"), {"id": str(uuid.uuid4()), "name": name})
        escaped: list = []
        worker = threading.Thread(target=_consume, args=(app, object_id, None, escaped))
        worker.start()
        def waiting() -> int:  # one transaction per look: PostgreSQL keeps pg_stat_activity for a transaction
            with watcher.begin():
                return watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                            "current_database() AND wait_event_type = 'Lock'")).scalar()

        deadline = time.monotonic() + 60
        while not waiting():
            assert time.monotonic() < deadline and worker.is_alive(), "the import never reached the INSERT"
            time.sleep(0.05)
        behind.commit()
        worker.join(timeout=60)

    assert escaped == []  # the consumer lives on
    model.Session.remove()
    obj = HarvestObject.get(object_id)
    assert (obj.state, obj.report_status) == ("ERROR", "errored")
    [error] = model.Session.query(HarvestObjectError).filter_by(harvest_object_id=object_id).all()
    assert "IntegrityError" in error.message and error.stage == "Import"
    assert [(pkg.name, pkg.title) for pkg in _records().values()] == [(name, "behind")]
