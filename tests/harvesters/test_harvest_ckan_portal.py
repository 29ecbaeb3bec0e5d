"""Harvesting another city's CKAN portal: the real Gdańsk catalogue (66 datasets, recorded CKAN API 3 answer
in shared/fixtures/danegovpl/ckan-harvest-samples) served by package_search on a local server."""
from __future__ import annotations

import copy
from urllib.parse import unquote

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestObject
from ckanext.urbanaudit.harvesters import batch
from ckanext.urbanaudit.harvesters.base import UrbanauditHarvester
from ckanext.urbanaudit.harvesters.ledger import GatherLedger
from sqlalchemy import text

from ckanext.urbanaudit import bulk
from ckanext.urbanaudit.cities.city_file import load
from ckanext.urbanaudit.utils import utcnow
from tests.harvest_jobs import changes, run_job
from tests.harvesters.conftest import TESTOWO, ckan_portal_source
from tests.inventory_records import without
from tests.source_server import ckan_package_search, load_json

GDANSK = "danegovpl/ckan-harvest-samples/gdansk_ckan_current_package_list_with_resources.json"
EU = "http://publications.europa.eu/resource/authority/"

CITY = TESTOWO + """departments:
  - {name: testowo-wydzial-transportu, title: Wydział Transportu}
harvest_sources:
""" + ckan_portal_source("testowo-ckan-gdansk", "testowo-wydzial-transportu")


@pytest.fixture
def portal(clean, source_server, tmp_path):
    packages = load_json(GDANSK)["result"]
    source_server.route("/api/3/action/package_search", ckan_package_search(packages))
    (tmp_path / "testowo.yaml").write_text(CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    source = helpers.call_action("harvest_source_show", id="testowo-ckan-gdansk")
    return source, factories.Sysadmin()["name"], packages


@pytest.fixture
def gathered(monkeypatch):
    """Spies that wrap (not replace) the gather's batch steps: ``batches`` gets the size of every batch of records
    compared (GatherLedger.note, once per batch), ``flushed`` the number of objects of every flush."""
    spied = {"batches": [], "flushed": []}
    note, flush = GatherLedger.note, UrbanauditHarvester._flush

    def note_spy(self, guids):
        spied["batches"].append(len(guids))
        return note(self, guids)

    def flush_spy(pending):
        spied["flushed"].append(len(pending))
        return flush(pending)

    monkeypatch.setattr(GatherLedger, "note", note_spy)
    monkeypatch.setattr(UrbanauditHarvester, "_flush", staticmethod(flush_spy))
    return spied


def test_gdansk_portal_lands_in_the_inventory_of_the_configured_department(portal, source_server):
    source, user, _ = portal
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 66, "updated": 0, "deleted": 0, "errored": 0}

    tristar = helpers.call_action("package_show", id="ckan-tristar")
    assert tristar["organization"]["name"] == "testowo-wydzial-transportu"
    assert tristar["publication_status"] == "published"
    assert tristar["theme"] == [EU + "data-theme/TRAN"]
    assert tristar["iso37120_theme"] == ["19"]
    assert tristar["access_rights"] == EU + "access-right/PUBLIC"
    assert tristar["license_id"] == "cc-by"
    assert tristar["contact"][0]["email"] == "ztm-dl-opendata@gdansk.gda.pl"  # the portal's "Kontakt" extra
    assert tristar["data_steward"] == "Biuro Otwartych Danych"  # from the source's defaults
    assert {t["name"] for t in tristar["tags"]} == {"rozkłady jazdy", "transport", "ztm"}
    assert len(tristar["resources"]) == 21
    assert tristar["url"] == f"{source_server.url}/dataset/tristar"

    # "Powietrze w Gdańsku" has no keywords: a draft naming what is missing
    air = helpers.call_action("package_show", id="ckan-powietrze-w-gdansku")
    assert air["publication_status"] == "draft"
    assert air["theme"] == [EU + "data-theme/ENVI"]
    assert "słowa kluczowe" in air["known_quality_issues"]

    # a department's name typed into the e-mail field becomes the contact's name, not an invalid e-mail
    bikes = helpers.call_action("package_show", id="ckan-ruch-rowerowy-w-gdansku")
    assert bikes["contact"][0]["name"] == "Wydział Gospodarki Komunalnej"

    found = helpers.call_action("package_search", fq="organization:testowo-wydzial-transportu", rows=0)
    assert found["count"] == 66


def test_unchanged_reharvest_makes_no_objects_a_change_updates_and_a_gone_record_is_withdrawn(portal, source_server):
    source, user, packages = portal
    run_job(source["id"], user)
    objects = model.Session.query(HarvestObject).count()

    again = run_job(source["id"], user)
    assert again["gather_error_messages"] == []
    assert changes(again) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert model.Session.query(HarvestObject).count() == objects  # nothing fetched, validated or re-indexed

    changed = copy.deepcopy(packages)
    tristar = next(p for p in changed if p["name"] == "tristar")
    tristar["title"] = "TRISTAR – rozkłady jazdy (zmieniony)"
    changed = [p for p in changed if p["name"] != "kolekcje-sztuki"]
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    before = helpers.call_action("package_show", id="ckan-tristar")

    job = run_job(source["id"], user)
    assert changes(job) == {"added": 0, "updated": 1, "deleted": 1, "errored": 0}
    after = helpers.call_action("package_show", id="ckan-tristar")
    assert after["id"] == before["id"] and after["title"] == "TRISTAR – rozkłady jazdy (zmieniony)"
    assert helpers.call_action("package_show", id="ckan-kolekcje-sztuki")["publication_status"] == "withdrawn"


INCREMENTAL_CITY = TESTOWO + """departments:
  - {name: testowo-wydzial-transportu, title: Wydział Transportu}
harvest_sources:
""" + ckan_portal_source("testowo-ckan-gdansk", "testowo-wydzial-transportu", full_compare_hours=None)


def test_between_full_comparisons_a_job_asks_only_for_changes_and_the_next_full_comparison_finds_the_deletion(
        clean, source_server, tmp_path, monkeypatch):
    packages = load_json(GDANSK)["result"]
    source_server.route("/api/3/action/package_search", ckan_package_search(packages))
    (tmp_path / "testowo.yaml").write_text(INCREMENTAL_CITY.replace("URL", source_server.url), "utf-8")
    load(tmp_path / "testowo.yaml")
    source = helpers.call_action("harvest_source_show", id="testowo-ckan-gdansk")
    user = factories.Sysadmin()["name"]
    assert changes(run_job(source["id"], user))["added"] == 66            # the first job: a full comparison
    status = helpers.call_action("package_show", id="ckan-kolekcje-sztuki")["publication_status"]

    changed = copy.deepcopy(packages)
    tristar = next(p for p in changed if p["name"] == "tristar")
    tristar.update(title="TRISTAR – rozkłady jazdy (zmieniony)", metadata_modified=utcnow().isoformat())
    quiet = next(p for p in changed if p["name"] == "spis-ulic-w-gdansku")  # edited, metadata_modified kept
    quiet["notes"] = "Zmiana, której portal nie oznaczył datą."
    changed = [p for p in changed if p["name"] != "kolekcje-sztuki"]
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    source_server.requests.clear()

    job = run_job(source["id"], user)                 # within full_compare_hours (24): only what changed
    assert job["gather_error_messages"] == []
    assert changes(job) == {"added": 0, "updated": 1, "deleted": 0, "errored": 0}
    assert all("metadata_modified" in unquote(r) for r in source_server.requests if "package_search" in r)
    assert helpers.call_action("package_show", id="ckan-tristar")["title"].endswith("(zmieniony)")
    assert helpers.call_action("package_show", id="ckan-kolekcje-sztuki")["publication_status"] == status

    monkeypatch.setitem(tk.config, "ckanext.urbanaudit.harvest.full_compare_hours", 0)
    job = run_job(source["id"], user)                 # the full comparison: everything read
    assert changes(job) == {"added": 0, "updated": 1, "deleted": 1, "errored": 0}
    assert helpers.call_action("package_show", id="ckan-kolekcje-sztuki")["publication_status"] == "withdrawn"
    assert helpers.call_action("package_show", id="ckan-spis-ulic-w-gdansku")["notes"].startswith("Zmiana, której")


def test_batches_are_compared_alike_at_any_size(portal, source_server, monkeypatch, gathered):
    """With batches of 7 records (66 records: ten batches, the last one short), the first harvest, an unchanged
    re-harvest, a change in a middle batch and a record gone from the last batch come out as with one batch."""
    monkeypatch.setattr("ckanext.urbanaudit.harvesters.base.OBJECTS_BATCH", 7)
    source, user, packages = portal
    assert changes(run_job(source["id"], user)) == {"added": 66, "updated": 0, "deleted": 0, "errored": 0}
    # ten batches ran, each flushing its new objects (then one empty flush: nothing to withdraw)
    assert gathered["batches"] == [7] * 9 + [3]
    assert gathered["flushed"] == [7] * 9 + [3, 0]
    gathered["batches"].clear(), gathered["flushed"].clear()
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert gathered["batches"] == [7] * 9 + [3] and sum(gathered["flushed"]) == 0
    gathered["batches"].clear(), gathered["flushed"].clear()

    changed = copy.deepcopy(packages)
    changed[30]["notes"] = "Opis zmieniony w źródle."
    gone = changed.pop()
    source_server.route("/api/3/action/package_search", ckan_package_search(changed))
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == []
    assert changes(job) == {"added": 0, "updated": 1, "deleted": 1, "errored": 0}
    # the change came from the fifth of ten batches (records 28-34), the withdrawal from the final flush
    assert gathered["batches"] == [7] * 9 + [2]
    assert gathered["flushed"] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert helpers.call_action("package_show", id=f"ckan-{changed[30]['name']}")["notes"].startswith(
        "Opis zmieniony w źródle.")
    assert helpers.call_action("package_show", id=f"ckan-{gone['name']}")["publication_status"] == "withdrawn"
    # withdrawn once: the next run withdraws nothing again
    assert changes(run_job(source["id"], user)) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}


def test_two_records_with_one_identifier_in_different_batches_end_the_job_and_change_nothing(
        portal, source_server, monkeypatch, gathered):
    monkeypatch.setattr("ckanext.urbanaudit.harvesters.base.OBJECTS_BATCH", 10)
    source, user, packages = portal
    run_job(source["id"], user)
    before = helpers.call_action("package_show", id=f"ckan-{packages[3]['name']}")

    twice = copy.deepcopy(packages)
    twice[3]["title"] = "Tytuł, który nie może się pojawić"
    twice[50] = dict(copy.deepcopy(packages[50]), id=packages[3]["id"])  # batch 6 repeats a guid of batch 1
    source_server.route("/api/3/action/package_search", ckan_package_search(twice))
    objects = model.Session.query(HarvestObject).count()
    gathered["batches"].clear(), gathered["flushed"].clear()
    job = run_job(source["id"], user)
    # five batches were compared and flushed (the first with the changed title) before the sixth met the guid again
    assert gathered["batches"] == [10] * 6
    assert gathered["flushed"] == [1, 0, 0, 0, 0]
    assert job["gather_error_messages"] == [
        f"CKAN portal: two records share the identifier ckan:{packages[3]['id']}; nothing in the catalogue "
        "was changed."]
    assert model.Session.query(HarvestObject).count() == objects  # the batches flushed before were rolled back
    assert helpers.call_action("package_show", id=before["id"])["title"] == before["title"]


def test_an_empty_answer_withdraws_nothing(portal, source_server):
    source, user, packages = portal
    run_job(source["id"], user)
    ids = [p["id"] for p in helpers.call_action("package_search", fq="organization:testowo-wydzial-transportu",
                                                  rows=100)["results"]]
    statuses = {i: helpers.call_action("package_show", id=i)["publication_status"] for i in ids}
    assert len(statuses) == len(packages) and "published" in statuses.values()
    source_server.route("/api/3/action/package_search", ckan_package_search([]))
    job = run_job(source["id"], user)
    assert len(job["gather_error_messages"]) == 1
    assert "returned no records although some are in the catalogue; nothing was withdrawn" in \
        job["gather_error_messages"][0]
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}  # the gather error
    assert {i: helpers.call_action("package_show", id=i)["publication_status"] for i in statuses} == statuses


@pytest.fixture
def written(monkeypatch):
    """A spy that wraps (not replaces) the bulk write: the number of records of each write, in order."""
    sizes: list[int] = []
    create = bulk.create

    def create_spy(context, datasets):
        sizes.append(len(datasets))
        return create(context, datasets)

    monkeypatch.setattr(bulk, "create", create_spy)
    return sizes


def _harvested(source_id: str) -> dict[str, dict]:
    """What the search index serves of the source's data sets, by name, without what differs from one import to
    another of the same records (ids, times, the harvest object)."""
    found = helpers.call_action("package_search", fq=f"harvest_source_id:{source_id}", rows=1000)["results"]
    volatile = {"id", "metadata_created", "metadata_modified", "package_id", "created",
                "last_modified", "quality_score", "revision_id", "cache_last_updated"}
    current = dict(model.Session.query(HarvestObject.package_id, HarvestObject.id).filter_by(current=True))
    for dataset in found:  # each data set names its own harvest object (the one made current with it)
        extras = {e["key"]: e["value"] for e in dataset["extras"]}
        assert extras["harvest_object_id"] == current[dataset["id"]]
        dataset["extras"] = [e for e in dataset["extras"] if e["key"] != "harvest_object_id"]
    return {dataset["name"]: without(dataset, volatile) for dataset in found}


def test_a_first_harvest_writes_its_new_records_in_batches_each_reported_on_its_own_as_one_by_one(
        portal, source_server, monkeypatch, written):
    """66 new records in batches of 25: three writes (25, 25, 16), each a commit and one Solr update; every
    harvest object is still reported as added with its own data set, and the catalogue is the one the record-by-
    record import makes of the same answer."""
    source, user, _ = portal
    monkeypatch.setattr(batch, "SIZE", 25)
    job = run_job(source["id"], user)
    assert job["object_error_messages"] == []
    assert changes(job) == {"added": 66, "updated": 0, "deleted": 0, "errored": 0}
    assert written == [25, 25, 16]
    objects = model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).all()
    assert {(o.state, o.report_status, o.current) for o in objects} == {("COMPLETE", "added", True)}
    assert len({o.package_id for o in objects}) == 66
    batched = _harvested(source["id"])
    assert len(batched) == 66

    helpers.call_action("harvest_source_clear", {"user": user}, id=source["id"])
    assert helpers.call_action("package_search", fq=f"harvest_source_id:{source['id']}")["count"] == 0
    written.clear()
    monkeypatch.setattr(batch, "SIZE", 1)  # record by record
    assert changes(run_job(source["id"], user))["added"] == 66
    assert written == [1] * 66
    assert _harvested(source["id"]) == batched


def test_a_record_the_schema_refuses_gets_its_own_error_and_the_rest_of_its_batch_lands(
        portal, source_server, monkeypatch, written):
    source, user, packages = portal
    broken = copy.deepcopy(packages)
    broken[10]["tags"] = [{"name": "zły|tag"}]  # CKAN's tag names refuse "|"
    source_server.route("/api/3/action/package_search", ckan_package_search(broken))
    monkeypatch.setattr(batch, "SIZE", 25)
    job = run_job(source["id"], user)
    assert changes(job) == {"added": 65, "updated": 0, "deleted": 0, "errored": 1}
    [message] = job["object_error_messages"]  # once, although the batch validated it and then its own message came
    assert message.startswith(f"Record ckan:{broken[10]['id']} does not fit the inventory schema") and "tag" in message
    assert written == [24, 25, 16]
    assert helpers.call_action("package_search", fq=f"harvest_source_id:{source['id']}")["count"] == 65


def test_a_batch_the_database_refuses_is_imported_record_by_record(portal, source_server, monkeypatch, written):
    """The database refuses one record's row (a trigger, as a constraint added behind the harvest's back would):
    the batch holding it is rolled back whole and the job's records go on one by one — that one errored with the
    database's reason, every other one added."""
    source, user, packages = portal
    refused = f"ckan-{packages[30]['name']}"
    model.Session.execute(text(
        "CREATE FUNCTION urbanaudit_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.name = :name THEN RAISE EXCEPTION 'refused by the test trigger'; END IF; RETURN NEW; END $$"
        .replace(":name", "'" + refused + "'")))
    model.Session.execute(text("CREATE TRIGGER urbanaudit_test_refuse BEFORE INSERT ON package FOR EACH ROW "
                               "EXECUTE FUNCTION urbanaudit_test_refuse()"))
    model.Session.commit()
    try:
        monkeypatch.setattr(batch, "SIZE", 25)
        job = run_job(source["id"], user)
    finally:
        model.Session.rollback()
        model.Session.execute(text("DROP TRIGGER urbanaudit_test_refuse ON package; "
                                   "DROP FUNCTION urbanaudit_test_refuse()"))
        model.Session.commit()
    assert changes(job) == {"added": 65, "updated": 0, "deleted": 0, "errored": 1}
    [message] = job["object_error_messages"]
    assert f"ckan:{packages[30]['id']}" in message and "refused by the test trigger" in message
    assert written[:2] == [25, 25] and written[2:] == [1] * 41  # the third batch refused: the rest one by one
    names = {d["name"] for d in helpers.call_action("package_search", fq=f"harvest_source_id:{source['id']}",
                                                    rows=100)["results"]}
    assert len(names) == 65 and refused not in names
