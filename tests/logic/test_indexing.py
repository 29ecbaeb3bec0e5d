"""One Solr update per database commit: what reaches Solr is counted by a real HTTP proxy in front of the real
Solr core (every request forwarded, answers returned as Solr gave them)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from ckan import model
from ckan.lib.search.common import SolrSettings
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource
from sqlalchemy import event

from ckanext.urbanaudit.quality import store
from tests.inventory.test_questionnaire import questionnaire_200, run_import, steward, xlsx  # noqa: F401
from tests.inventory_records import full_record, minimal_draft


class SolrProxy:
    """Forwards to the configured Solr core and records (method, path) of each request; ``fail_after_updates`` makes
    it answer every update after the first ``fail_after_updates`` with Solr's HTTP 500 instead of forwarding it."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.origin = self.target.split("/solr/", 1)[0]
        self.requests: list[tuple[str, str]] = []
        self.fail_after_updates: int | None = None   # refuse every update after this many
        proxy = self

        class _Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append((self.command, self.path.split("?")[0]))
                limit = proxy.fail_after_updates
                if limit is not None and "/update" in self.path and len(proxy.updates()) > limit:
                    status, content, kind = 500, b'{"error":{"msg":"proxy: update refused","code":500}}', \
                        "application/json"
                else:
                    answer = requests.request(self.command, proxy.origin + self.path, data=body, timeout=30,
                                              headers={"Content-Type": self.headers.get("Content-Type", "")})
                    status, content, kind = answer.status_code, answer.content, answer.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _forward

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        core = self.target.rsplit("/solr/", 1)[1]
        return f"http://{host}:{port}/solr/{core}"

    def updates(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if "/update" in r[1]]


@pytest.fixture
def solr():
    url, user, password = SolrSettings.get()
    proxy = SolrProxy(url)
    proxy.thread.start()
    SolrSettings.init(proxy.url, user, password)
    try:
        yield proxy
    finally:
        SolrSettings.init(url, user, password)
        proxy.httpd.shutdown()
        proxy.httpd.server_close()


def _found(**query) -> dict:
    return helpers.call_action("package_search", include_private=True, include_drafts=True, **query)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_new_record_with_tags_and_resources_is_sent_to_solr_once_and_is_found_by_them(solr):
    org = factories.Organization()
    solr.requests.clear()
    helpers.call_action("package_create", name="drzewa", title="Rejestr drzew", notes="Drzewa.", owner_org=org["id"],
                        tags=[{"name": "zieleń"}], resources=[{"url": "https://dane.example/drzewa.csv",
                                                                "format": "CSV"}])
    assert len(solr.updates()) == 1          # stock CKAN: two (as new, then as changed by its own tags)
    hit = _found(fq="tags:zieleń AND res_format:CSV")
    assert [d["name"] for d in hit["results"]] == ["drzewa"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_an_update_and_a_delete_reach_the_search_once_each(solr):
    dataset = factories.Dataset(title="Stary tytuł", owner_org=factories.Organization()["id"])
    solr.requests.clear()
    helpers.call_action("package_patch", id=dataset["id"], title="Nowy tytuł")
    assert len(solr.updates()) == 1
    assert _found(q="title:Nowy")["count"] == 1
    helpers.call_action("package_delete", id=dataset["id"])
    assert _found(q="title:Nowy")["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_an_imported_questionnaire_is_one_solr_update_and_every_row_is_found(solr):
    header, rows = questionnaire_200()
    solr.requests.clear()
    report = run_import(xlsx(rows[:60], header))
    assert report["imported"] is True and len(report["created"]) == 60
    assert len(solr.updates()) == 1           # the 60 documents, committed in Solr with the same request
    assert _found(q="title:źródła", rows=0)["count"] == 60


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_when_solr_refuses_a_batch_it_is_rolled_back_whole_the_earlier_batches_stay_and_a_rerun_finishes(
        solr, monkeypatch):
    monkeypatch.setitem(tk.config, "ckanext.urbanaudit.inventory.import_batch_rows", 10)
    header, rows = questionnaire_200()
    solr.fail_after_updates = 1               # the first batch reaches Solr, the second is refused
    report = run_import(xlsx(rows[:25], header))
    assert report["imported"] is False and report["stopped_at_row"] == 12     # rows 12-21: the second batch
    assert len(report["created"]) == 10
    [error] = report["errors"]
    assert error["row"] == "12" and "Solr" in error["message"] and "12-21" in error["message"]
    assert model.Session.query(model.Package).filter_by(type="dataset").count() == 10
    assert _found(q="title:źródła", rows=0)["count"] == 10       # nothing of the refused batch in the search
    solr.fail_after_updates = None
    again = run_import(xlsx(rows[:25], header))
    assert again["imported"] is True and len(again["unchanged"]) == 10 and len(again["created"]) == 15
    assert _found(q="title:źródła", rows=0)["count"] == 25


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_rolled_back_write_reaches_no_search(solr):
    org = factories.Organization()
    solr.requests.clear()
    helpers.call_action("package_create", {"defer_commit": True}, name="wycofany", notes="Wycofany.",
                        owner_org=org["id"])
    model.Session.rollback()
    model.Session.commit()                    # a later commit of the same session indexes nothing it noted
    assert solr.updates() == []
    assert _found(q="name:wycofany")["count"] == 0
    assert tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*"})["count"] == 0


def _changed_in_one_commit(package_ids, patterns: dict[str, str], notes: str = "Zmieniony opis.") -> dict[str, int]:
    """Change these records' description in one transaction (one batch) and commit it: how many statements
    contained each pattern meanwhile."""
    seen = dict.fromkeys(patterns, 0)

    def count(conn, cursor, statement, *args):
        for key, pattern in patterns.items():
            seen[key] += pattern in statement

    for package_id in package_ids:
        model.Package.get(package_id).notes = notes.format(id=package_id)
    event.listen(model.meta.engine, "before_cursor_execute", count)
    try:
        model.repo.commit()
    finally:
        event.remove(model.meta.engine, "before_cursor_execute", count)
    return seen


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_records_indexed_in_one_batch_carry_each_its_own_quality_score_read_in_one_query():
    org = factories.Organization()
    full = helpers.call_action("package_create", **full_record(org["id"], name="pelny", identifier="Q-1"))
    draft = helpers.call_action("package_create", **minimal_draft(org["id"], name="szkic", identifier="Q-2"))
    unscored = helpers.call_action("package_create", **full_record(org["id"], name="bez-oceny", identifier="Q-3"))
    store.recompute(ids=[full["id"], draft["id"]], reindex="none")
    scores = {package_id: row.score for package_id, row in store.latest_of([full["id"], draft["id"]]).items()}
    assert scores[full["id"]] != scores[draft["id"]]           # two different scores: a mix-up would show

    seen = _changed_in_one_commit((full["id"], draft["id"], unscored["id"]), {"scores": "quality_score"})
    assert seen["scores"] == 1                                   # per record, it was three

    found = {d["id"]: d for d in _found(q="notes:Zmieniony", rows=10)["results"]}
    assert set(found) == {full["id"], draft["id"], unscored["id"]}
    for package_id, score in scores.items():
        [doc] = _found(fq=f"id:{package_id} AND quality_score:{score:03d}")["results"]
        assert doc["id"] == package_id
    assert _found(fq=f"id:{unscored['id']} AND quality_score:[* TO *]")["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_batch_is_shown_for_the_search_with_one_query_per_table_and_each_record_keeps_its_own_rows():
    org, other_org = factories.Organization(), factories.Organization()
    group = factories.Group()
    first = helpers.call_action("package_create", **full_record(org["id"], name="pierwszy", identifier="P-1"))
    second = helpers.call_action("package_create", **full_record(other_org["id"], name="drugi", identifier="P-2",
                                                                 tag_string="inny,tag"))
    third = helpers.call_action("package_create", **minimal_draft(org["id"], name="trzeci", identifier="P-3"))
    helpers.call_action("member_create", id=group["id"], object=first["id"], object_type="package", capacity="public")
    helpers.call_action("package_relationship_create", subject=first["id"], object=second["id"], type="depends_on")
    ids = (first["id"], second["id"], third["id"])

    # the reads of a record's rows by package_show (a group's own members are read per group, stock and here)
    seen = _changed_in_one_commit(ids, {"resources": "FROM resource ", "tags": "JOIN package_tag ",
                                        "extras": "FROM package_extra ", "groups": '"group".is_organization = false',
                                        "relationships": "FROM package_relationship "},
                                  notes="Zmieniony opis {id}.")
    # stock package_show: one statement each per record (the relationships two): three times as many
    assert seen == {"resources": 1, "tags": 1, "extras": 1, "groups": 1, "relationships": 2}

    for package_id in ids:
        # what the API serves from the search index is what a fresh read of the database gives
        from_index = helpers.call_action("package_show", id=package_id)
        fresh = helpers.call_action("package_show", {"use_cache": False}, id=package_id)
        assert from_index == fresh
        assert from_index["notes"] == f"Zmieniony opis {package_id}."
    shown = {package_id: helpers.call_action("package_show", id=package_id) for package_id in ids}
    assert [g["name"] for g in shown[first["id"]]["groups"]] == [group["name"]]
    assert shown[second["id"]]["groups"] == [] and shown[second["id"]]["organization"]["id"] == other_org["id"]
    assert {t["name"] for t in shown[second["id"]]["tags"]} == {"inny", "tag"}
    # the relationship, the first's as subject and the second's as object, and of no other record
    [as_subject] = shown[first["id"]]["relationships_as_subject"]
    [as_object] = shown[second["id"]]["relationships_as_object"]
    assert as_subject == as_object and as_subject["type"] == "depends_on"
    assert as_subject["__extras"]["object_package_id"] == second["id"]      # (CKAN's show schema keeps them there)
    assert shown[first["id"]]["relationships_as_object"] == shown[third["id"]]["relationships_as_subject"] == []
    assert shown[third["id"]]["resources"] == [] and shown[first["id"]]["resources"]
    assert _found(fq=f"groups:{group['name']}")["count"] == 1
    assert _found(fq="tags:inny")["results"][0]["id"] == second["id"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_batch_asks_for_its_harvest_objects_once_and_only_the_harvested_record_carries_its_source():
    org = factories.Organization()
    ids = [helpers.call_action("package_create", **minimal_draft(org["id"], name=f"rekord-{n}",
                                                                 identifier=f"H-{n}"))["id"] for n in range(3)]
    source = HarvestSource(url="https://dane.example/api", type="ckan", title="Portal sąsiada")
    job = HarvestJob(source=source)
    harvested = HarvestObject(guid="zewnetrzny-1", job=job, source=source, package_id=ids[1], current=True)
    model.Session.add_all([source, job, harvested])
    model.repo.commit()

    seen = _changed_in_one_commit(ids, {"harvest objects": "FROM harvest_object"})
    # one for the batch, then ckanext-harvest's own hook for the harvested record; it was one per record
    assert seen["harvest objects"] == 2

    shown = {package_id: helpers.call_action("package_show", id=package_id) for package_id in ids}
    extras = {package_id: {e["key"]: e["value"] for e in shown[package_id].get("extras", [])} for package_id in ids}
    assert extras[ids[1]]["harvest_source_title"] == "Portal sąsiada"
    assert extras[ids[1]]["harvest_object_id"] == harvested.id
    assert "harvest_source_title" not in extras[ids[0]] and "harvest_source_title" not in extras[ids[2]]
    assert _found(fq=f'harvest_source_id:"{source.id}"')["results"][0]["id"] == ids[1]
