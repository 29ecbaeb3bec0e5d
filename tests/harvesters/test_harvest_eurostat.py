"""Eurostat Urban Audit harvester against the real urb_cpop1 answer (Kielce = PL012C) on a local server."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from ckan import model
from ckan.tests import factories, helpers
from ckanext.urbanaudit.harvesters.jsonstat import JsonStatError, decode

from ckanext.urbanaudit.cities.city_file import load
from tests.harvest_jobs import changes, run_job
from tests.source_server import fixture_path, load_json

CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
URB_CPOP1 = "eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
CODE = "EUROSTAT:urb_cpop1:DE1001V"


def _serve(server, document) -> None:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    server.route("/data/urb_cpop1", lambda query: (200, "application/json", body))


@pytest.fixture
def lublin_source(clean, source_server, ckan_config, monkeypatch):
    """Lublin's city file (peers Kielce and Białystok) with the Eurostat base URL on the local server."""
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", source_server.url)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    load(CITIES / "lublin.yaml")
    source = helpers.call_action("harvest_source_show", id="lublin-eurostat-urban-audit")
    return source, factories.Sysadmin()["name"]


def _series(city: str) -> dict[str, float]:
    rows = helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE, city=city)
    return {r["period"]: r["value"] for r in rows}


def test_decoder_reads_any_dimension_order_and_keeps_flags():
    document = load_json(URB_CPOP1)
    cells = {(c.coordinates["cities"], c.coordinates["time"]): c.value for c in decode(document)}
    assert cells[("PL012C", "2023")] == 182295
    assert ("PL012C", "2022") not in cells  # a gap in Kielce's series stays a gap
    assert len(cells) == 1072

    # the same cube with the dimensions in another order (time first, cities last), sparse keys recomputed,
    # and a status on one cell without a value
    order = ["time", "indic_ur", "freq", "cities"]
    position = {d: document["dimension"][d]["category"]["index"] for d in document["id"]}
    size = dict(zip(document["id"], document["size"], strict=True))
    reordered = dict(document, id=order, size=[size[d] for d in order], value={}, status={})
    for cell in decode(document):
        flat = 0
        for d in order:
            flat = flat * size[d] + position[d][cell.coordinates[d]]
        reordered["value"][str(flat)] = cell.value
    kielce_2022 = (position["time"]["2022"] * 75 * 1 * 965) + position["cities"]["PL012C"]
    reordered["status"] = {str(kielce_2022): "p"}
    again = {(c.coordinates["cities"], c.coordinates["time"]): (c.value, c.status) for c in decode(reordered)}
    assert again[("PL012C", "2023")] == (182295, None)
    assert again[("PL012C", "2022")] == (None, "p")
    assert len(again) == 1073

    with pytest.raises(JsonStatError, match="outside the cube"):
        list(decode(dict(document, value={"99999999": 1})))


def test_harvest_stores_values_for_the_city_and_peers_and_a_valid_inventory_record(lublin_source, source_server):
    source, user = lublin_source
    _serve(source_server, fixture_path(URB_CPOP1).read_bytes())
    job = run_job(source["id"], user)

    assert job["gather_error_messages"] == [] and job["object_error_messages"] == []
    assert changes(job) == {"added": 1, "updated": 0, "deleted": 0, "errored": 0}
    kielce = _series("kielce")
    assert kielce["2023"] == 182295 and kielce["2020"] == 187427
    assert "2022" not in kielce and len(kielce) == 28
    assert _series("lublin")["2023"] == 329565
    assert _series("bialystok")["2023"] == 291688
    # the request asked the API for exactly the three cities
    assert "cities=PL009C&cities=PL011C&cities=PL012C" in source_server.requests[0]

    record = helpers.call_action("package_search", q="identifier:*", fq="publication_status:published")["results"]
    assert len(record) == 1
    record = record[0]
    assert record["organization"]["name"] == "um-lublin"
    assert record["identifier"] == "eurostat:urb_cpop1:0663011"
    assert record["urban_audit_domain"] == ["demography"]
    assert record["temporal_coverage"] == [{"start": "1989", "end": "2023"}]
    values = helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE, city="kielce", limit=1)
    assert values[0]["source_ref"] == record["id"]


def test_reharvest_unchanged_creates_and_updates_nothing_and_a_change_updates_in_place(lublin_source,
                                                                                         source_server):
    source, user = lublin_source
    source_server.etags = True
    document = load_json(URB_CPOP1)
    _serve(source_server, document)
    run_job(source["id"], user)
    record = helpers.call_action("package_search", q="*:*")["results"][0]
    before = helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE)

    again = run_job(source["id"], user)
    assert changes(again) == {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    assert again["gather_error_messages"] == []
    # the second request was conditional and the server answered 304 Not Modified
    assert source_server.headers[-1].get("If-None-Match", "").startswith('"')
    assert helpers.call_action("package_show", id=record["id"])["metadata_modified"] == record["metadata_modified"]
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE) == before

    # Eurostat revises Kielce's 2023 figure: the same record is updated in place, one value changes
    document["value"][str(631 * 37 + 34)] = 182300
    _serve(source_server, document)
    time.sleep(0.01)
    changed = run_job(source["id"], user)
    assert changes(changed) == {"added": 0, "updated": 1, "deleted": 0, "errored": 0}
    assert helpers.call_action("package_search", q="*:*")["count"] == 1
    after = {(v["city"], v["period"]): v for v in helpers.call_action("urbanaudit_indicator_values",
                                                                       indicator_code=CODE)}
    assert after[("2661011", "2023")]["value"] == 182300
    unchanged = [b for b in before if (b["city"], b["period"]) != ("2661011", "2023")]
    assert all(after[(b["city"], b["period"])]["computed_at"] == b["computed_at"] for b in unchanged)


@pytest.mark.parametrize("failure", ["http500", "malformed", "timeout", "not-jsonstat"])
def test_a_broken_source_gives_a_clear_error_and_changes_nothing(lublin_source, source_server, ckan_config,
                                                                 monkeypatch, failure):
    source, user = lublin_source
    _serve(source_server, fixture_path(URB_CPOP1).read_bytes())
    run_job(source["id"], user)
    record = helpers.call_action("package_search", q="*:*")["results"][0]
    before = helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE)

    def slow(query):
        time.sleep(1.5)
        return 200, "application/json", b"{}"

    handlers = {
        "http500": lambda q: (500, "text/html", b"<h1>Internal Server Error</h1>"),
        "malformed": lambda q: (200, "application/json", fixture_path(URB_CPOP1).read_bytes()[:5000]),
        "timeout": slow,
        "not-jsonstat": lambda q: (200, "application/json", b'{"error": {"status": 400, "label": "bad"}}'),
    }
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.timeout", 0.5)
    source_server.route("/data/urb_cpop1", handlers[failure])
    job = run_job(source["id"], user)

    expected = {"http500": "HTTP 500", "malformed": "not valid JSON", "timeout": "no answer",
                "not-jsonstat": "expected structure"}[failure]
    assert len(job["gather_error_messages"]) == 1
    assert expected in job["gather_error_messages"][0]
    assert "Nothing in the catalogue was changed" in job["gather_error_messages"][0]
    # ckanext-harvest counts the gather error as the job's one error
    assert changes(job) == {"added": 0, "updated": 0, "deleted": 0, "errored": 1}
    kept = helpers.call_action("package_show", id=record["id"])
    assert kept["publication_status"] == "published" and kept["state"] == "active"
    assert kept["metadata_modified"] == record["metadata_modified"]
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code=CODE) == before
    assert model.Session.query(model.Package).filter_by(type="dataset", state="active").count() == 1


def test_a_mapped_indicator_whose_label_changed_stops_with_both_labels_and_writes_nothing(lublin_source,
                                                                                        source_server):
    """DE1001V is mapped (schemas/indicators/public_statistics.yaml) as "Population on the 1st of January,
    total": an answer in which Eurostat gives the code another meaning must not become population."""
    source, user = lublin_source
    document = load_json(URB_CPOP1)
    document["dimension"]["indic_ur"]["category"]["label"]["DE1001V"] = "Population on the 1st of January, male"
    _serve(source_server, document)
    job = run_job(source["id"], user)
    [error] = job["gather_error_messages"]
    assert CODE in error and "Population on the 1st of January, male" in error
    assert "Population on the 1st of January, total" in error
    assert _series("kielce") == {} and _series("lublin") == {}


def test_mapped_asks_each_dataset_for_the_verified_codes_of_the_public_statistics_mapping(lublin_source,
                                                                                        source_server):
    source, user = lublin_source
    helpers.call_action("harvest_source_patch", {"user": user}, id=source["id"], config=json.dumps(
        {"city": "0663011", "datasets": ["urb_cpop1"], "mapped": True}))
    _serve(source_server, fixture_path(URB_CPOP1).read_bytes())
    job = run_job(source["id"], user)
    assert job["gather_error_messages"] == []
    # DE1001V is the verified code of urb_cpop1 in schemas/indicators/public_statistics.yaml: only it is asked for
    assert source_server.requests[0].endswith("&indic_ur=DE1001V")
    assert _series("kielce")["2023"] == 182295
