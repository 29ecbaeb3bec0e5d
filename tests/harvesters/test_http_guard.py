"""Issue 13, item 4: the harvesters' HTTP client is guarded — no SSRF (source URL, redirect, absolute next
link), a size cap, a total deadline, no echo of an error answer's body, clear errors for broken or hostile
JSON — and a broken source never stops the gather consumer nor loses what was harvested before."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from ckan import model
from ckan.tests import factories, helpers
from ckanext.urbanaudit.harvesters.http import SourceClient, SourceError

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.harvesters import http_faults as faults
from tests.harvesters.conftest import TESTOWO
from tests.source_server import fixture_path

CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
URB_CPOP1 = "eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
CODE = "EUROSTAT:urb_cpop1:DE1001V"


@pytest.fixture
def fault_server():
    server = faults.FaultServer()
    yield server
    server.stop()


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/data",          # loopback, where a real server answers
    "http://localhost:{port}/data",          # a name that resolves to loopback
    "http://[::1]:{port}/data",
    "http://[::ffff:127.0.0.1]:{port}/data",  # IPv4-mapped loopback
    "http://10.0.0.5/data",
    "http://192.168.1.1/data",
    "http://172.16.0.1/data",
    "http://100.64.0.1/data",                # carrier-grade NAT
    "http://[fe80::1]/data",                 # link-local
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://[64:ff9b::a9fe:a9fe]/latest/",   # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::1]/",              # 6to4 of 127.0.0.1
])
def test_item_4_ssrf_the_source_client_refuses_loopback_private_link_local_and_metadata_targets(
        clean_redis, fault_server, target):
    fault_server.route("/data", faults.answer(200, "application/json", b'{"secret": 1}'))
    client = SourceClient("Test", "http://example.invalid", allow=(), retries=0, timeout=2, conditional=False)
    started = time.monotonic()
    with pytest.raises(SourceError, match="refused: not a public address"):
        client.get_json(target.format(port=fault_server.port))
    assert fault_server.requests == []
    assert time.monotonic() - started < 2  # refused before any connection attempt, not timed out


@pytest.fixture
def eurostat_source(clean, fault_server, ckan_config, monkeypatch):
    """Lublin's Eurostat source, reached as http://localhost:PORT; the allow-list names only "localhost",
    so 127.0.0.1 — the same server — counts as an internal address here."""
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", fault_server.url("localhost"))
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.allow", ["localhost"])
    load(CITIES / "lublin.yaml")
    return helpers.call_action("harvest_source_show", id="lublin-eurostat-urban-audit"), factories.Sysadmin()["name"]


def test_item_4_hostile_or_broken_answers_end_the_job_clearly_keep_the_consumer_and_lose_nothing(
        eurostat_source, fault_server, ckan_config, monkeypatch):
    source, user = eurostat_source
    good = fixture_path(URB_CPOP1).read_bytes()
    fault_server.route("/data/urb_cpop1", faults.answer(200, "application/json", good))
    first = run_job(source["id"], user)
    assert first["gather_error_messages"] == [] and changes(first)["added"] == 1
    before = {r["id"]: r for r in helpers.call_action("package_search", q="*:*", rows=100)["results"]}
    values = helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE)
    assert before and values

    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.timeout", 1)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.deadline", 3)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.max_bytes", 1024 * 1024)
    internal = fault_server.url("127.0.0.1") + "/data/urb_cpop1"
    cases = {
        "HTTP 500, body not echoed": (faults.answer(500, "text/html", b"<h1>SECRET-BODY stack trace</h1>"),
                                      "HTTP 500 Internal Server Error"),
        "connection reset": (faults.reset, "cannot connect"),
        "read timeout": (faults.sleep_then(2.5, faults.answer(200, "application/json", good)), "no answer"),
        "slow answer past the deadline": (faults.trickle(seconds=30), "within the deadline of 3 s"),
        "oversize answer with a length": (faults.answer(200, "application/json", b"[" + b"0," * 600_000 + b"0]"),
                                          "larger than 1048576 bytes"),
        "oversize streamed answer": (faults.answer(200, "application/json", b"[" + b"0," * 600_000 + b"0]",
                                                   length=False), "larger than 1048576 bytes"),
        "malformed JSON": (faults.answer(200, "application/json", b'{"version": 2.0, "value": {'), "not valid JSON"),
        "truncated JSON": (faults.answer(200, "application/json", good[:5000]), "not valid JSON"),
        "HTML instead of JSON": (faults.answer(200, "text/html; charset=utf-8", b"<html><body>Login</body></html>"),
                                 "text/html, not JSON"),
        "JSON nested 100 000 deep": (faults.answer(200, "application/json", b"[" * 100_000 + b"]" * 100_000),
                                     "nested too deeply"),
        "redirect to a loopback address": (faults.redirect(internal), "refused: not a public address"),
        "redirect to the metadata service": (faults.redirect("http://169.254.169.254/latest/meta-data/"),
                                             "refused: not a public address"),
    }
    for name, (behaviour, expected) in cases.items():
        fault_server.route("/data/urb_cpop1", behaviour)
        fault_server.requests.clear()
        started = time.monotonic()
        job = run_job(source["id"], user)  # runs the gather callback itself: an exception would end the test
        elapsed = time.monotonic() - started
        assert len(job["gather_error_messages"]) == 1, (name, job["gather_error_messages"])
        message = job["gather_error_messages"][0]
        assert expected in message and "Nothing in the catalogue was changed" in message, (name, message)
        assert "SECRET-BODY" not in message and "127.0.0.1" not in message, (name, message)
        assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}, name
        assert elapsed < 20, (name, elapsed)
        if name.startswith("redirect"):
            assert len(fault_server.requests) == 1, name  # the redirect was not followed
        # nothing harvested before is lost: every record still there, published, unchanged; values kept
        for record_id, record in before.items():
            kept = helpers.call_action("package_show", id=record_id)
            assert (kept["state"], kept["publication_status"]) == ("active", "published"), name
            assert kept["metadata_modified"] == record["metadata_modified"], name
        assert helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE) == values, name

    # the consumer is still there: the next job with a good answer runs normally (nothing to change)
    fault_server.route("/data/urb_cpop1", faults.answer(200, "application/json", good))
    again = run_job(source["id"], user)
    assert again["gather_error_messages"] == []
    assert changes(again) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert model.Session.query(model.Package).filter_by(type="dataset", state="active").count() == len(before)


DANE = TESTOWO + """danegovpl: {institution_id: 999}
harvest_sources:
  - {name: testowo-danegovpl, type: urbanaudit_danegovpl, frequency: WEEKLY}
"""


def test_item_4_an_absolute_next_link_to_a_private_address_is_refused(clean, fault_server, ckan_config,
                                                                       monkeypatch, tmp_path):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.danegovpl_url", fault_server.url("localhost"))
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.allow", ["localhost"])
    (tmp_path / "testowo.yaml").write_text(DANE, "utf-8")
    load(tmp_path / "testowo.yaml")

    def datasets(handler, query):
        page = int(query.get("page", ["1"])[0])
        body = {"data": [{"id": str(page), "type": "dataset", "attributes": {"title": f"Zbiór {page}"}}],
                # page 2 "lives" on the same server, but named by its loopback address
                "links": {"next": fault_server.url("127.0.0.1") + "/institutions/999/datasets?page=2"}
                if page == 1 else {}}
        faults.send(handler, 200, "application/json", json.dumps(body).encode())

    fault_server.route("/institutions/999/datasets", datasets)
    for number in (1, 2):
        fault_server.route(f"/datasets/{number}/resources",
                           faults.answer(200, "application/json", b'{"data": [], "links": {}}'))
    source = helpers.call_action("harvest_source_show", id="testowo-danegovpl")
    job = run_job(source["id"], factories.Sysadmin()["name"])
    assert len(job["gather_error_messages"]) == 1
    assert "refused: not a public address" in job["gather_error_messages"][0]
    assert changes(job)["added"] == 0
    assert not any("page=2" in r for r in fault_server.requests)
