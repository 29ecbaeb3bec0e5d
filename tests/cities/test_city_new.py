"""`ckan urbanaudit city new`: a city file from the registries of GUS BDL, Eurostat and GIOŚ, served by a local
HTTP server with recorded answers (BDL units, Eurostat urb_cpop1 labels, GIOŚ stations) and recorded-shape
answers where nothing was recorded for the city (marked SYNTHETIC below)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from ckan import model
from ckan.tests import helpers

from ckanext.urbanaudit.cities.city_file import read
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.cli import urbanaudit
from tests.source_server import bdl_paged, fixture_path, load_json

CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
RECORDED_UNITS = load_json("bdl/pybdl/samples_raw_units.json")
# SYNTHETIC values in the recorded shape of BDL's units (samples_raw_units.json): the ids are those the city
# files cite (Kielce: ../shared/DESIGN.md; Warszawa: public code, see schemas/cities/warszawa.yaml), the
# parents and kinds follow the id structure. Nothing for these cities was recorded from the live API.
SYNTHETIC_UNITS = [
    {"id": "052615261000", "name": "Powiat m. Kielce", "parentId": "052615200000", "level": 5, "kind": "0",
     "hasDescription": False},
    {"id": "052615261011", "name": "Kielce", "parentId": "052615261000", "level": 6, "kind": "1",
     "hasDescription": False},
    {"id": "071412865000", "name": "Powiat m. st. Warszawa", "parentId": "071412800000", "level": 5, "kind": "0",
     "hasDescription": False},
    {"id": "071412865011", "name": "Warszawa", "parentId": "071412865000", "level": 6, "kind": "1",
     "hasDescription": False},
]
UNITS = RECORDED_UNITS["list_units"] + RECORDED_UNITS["search_units"] + SYNTHETIC_UNITS


def _units_search(query: dict[str, list[str]]) -> list[dict]:
    """BDL units/search: every unit whose name contains ``name`` (case-insensitive) at ``level``."""
    name = query["name"][0].casefold()
    level = int(query["level"][0])
    return [u for u in UNITS if name in u["name"].casefold() and u["level"] == level]


def _recorded(relative: str):
    body = fixture_path(relative).read_bytes()
    return lambda query: (200, "application/json", body)


@pytest.fixture
def clean(clean_db, clean_index, clean_redis):
    """Empty database, search index and Redis."""


@pytest.fixture
def registries(clean, source_server, ckan_config, monkeypatch, tmp_path):
    """The three registries on the local server; the capitals' city files copied into tmp_path (peers)."""
    for source in ("bdl", "eurostat", "gios"):
        monkeypatch.setitem(ckan_config, f"ckanext.urbanaudit.source.{source}_url", source_server.url)
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
    source_server.route("/units/search", bdl_paged(source_server.url + "/units/search", _units_search))
    source_server.route("/data/urb_cpop1", _recorded("eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"))
    source_server.route("/station/findAll", _recorded("gios/v1-bieniu/stations.json"))
    for path in CITIES.glob("*.yaml"):
        if path.stem != "warszawa":
            shutil.copy(path, tmp_path / path.name)
    return source_server


def test_a_city_by_teryt_alone_gets_every_code_from_the_registries_and_loads(cli, registries, tmp_path):
    out = tmp_path / "warszawa.yaml"
    result = cli.invoke(urbanaudit, ["city", "new", "--teryt", "1465011", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output

    data = read(out)
    assert (data["slug"], data["name"], data["teryt"]) == ("warszawa", "Warszawa", "1465011")
    assert data["bdl_unit_id"] == "071412865000"
    assert data["urban_audit_code"] == "PL001C"  # Eurostat's recorded label "Warszawa"
    assert data["gios"] == {"city_name": "Warszawa"}
    text = out.read_text("utf-8")
    assert "# BDL gmina unit: 071412865011" in text
    assert "stations found: 552 Warszawa, ul. Kondratowicza" in text  # the recorded GIOŚ station, not Żyrardów
    assert "562" not in text
    assert "GUS BDL units/search?name=Warszawa&level=5" in text and 'PL001C "Warszawa"' in text
    assert "TEMPLATE" in text and len(data["departments"]) >= 5
    # the other 17 capitals (their files are beside the new one) are the peers
    assert len(data["peers"]) == 17 and "kielce" in data["peers"] and "warszawa" not in data["peers"]
    types = {s["type"] for s in data["harvest_sources"]}
    assert types == {"urbanaudit_eurostat", "urbanaudit_bdl", "urbanaudit_gios"}
    assert any(r.startswith("/units/search?") and "level=5" in r for r in registries.requests)
    assert any(r.startswith("/units/search?") and "level=6" in r for r in registries.requests)

    loaded = cli.invoke(urbanaudit, ["city", "load", str(out)])
    assert loaded.exit_code == 0, loaded.output
    assert "harvest_sources: 3 created" in loaded.output
    city = model.Session.get(City, "1465011")
    assert (city.bdl_unit_id, city.urban_audit_code, len(city.peers)) == ("071412865000", "PL001C", 17)
    gios = helpers.call_action("harvest_source_show", id="warszawa-gios-powietrze")
    assert json.loads(gios["config"]) == {"city": "1465011"}
    again = cli.invoke(urbanaudit, ["city", "load", str(out)])
    assert "cities: 0 created, 0 updated" in again.output and "harvest_sources: 0 created, 0 updated" in again.output


def test_the_teryt_digits_decide_between_units_of_the_same_name(cli, registries, tmp_path):
    # recorded BDL units: Bochnia the town (011212001011, TERYT 1201011) and Bochnia the rural gmina (…022)
    out = tmp_path / "bochnia.yaml"
    result = cli.invoke(urbanaudit, ["city", "new", "--name", "Bochnia", "--teryt", "1201011", "--out", str(out),
                                     "--peers", "none"])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "# BDL gmina unit: 011212001011" in text and "011212001022" not in text
    data = yaml.safe_load(text)
    # no powiat "Powiat m. Bochnia" and no Urban Audit city Bochnia: null, marked to verify, and no such source
    assert data["bdl_unit_id"] is None and data["urban_audit_code"] is None
    assert text.count("# to verify") >= 3
    assert data["harvest_sources"] == [] and data["peers"] == []
    assert read(out)["teryt"] == "1201011"
    loaded = cli.invoke(urbanaudit, ["city", "load", str(out)])
    assert loaded.exit_code == 0, loaded.output
    assert model.Session.get(City, "1201011").bdl_unit_id is None


def test_kielce_without_a_recorded_station_gets_no_gios_source(cli, registries, tmp_path):
    out = tmp_path / "new" / "kielce.yaml"
    result = cli.invoke(urbanaudit, ["city", "new", "--name", "Kielce", "--teryt", "2661011", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = read(out)
    assert (data["bdl_unit_id"], data["urban_audit_code"]) == ("052615261000", "PL012C")
    assert "to verify: the GIOŚ station list names no station in this city" in out.read_text("utf-8")
    assert {s["type"] for s in data["harvest_sources"]} == {"urbanaudit_eurostat", "urbanaudit_bdl"}
    assert data["peers"] == []  # no capital's file beside it in new/


def test_an_unknown_city_is_a_clear_error_and_writes_nothing(cli, registries, tmp_path):
    out = tmp_path / "atlantyda.yaml"
    result = cli.invoke(urbanaudit, ["city", "new", "--name", "Atlantyda", "--teryt", "2699011", "--out", str(out)])
    assert result.exit_code != 0
    assert "No registry knows a city Atlantyda with TERYT 2699011" in result.output
    assert "Nothing was written" in result.output
    assert not out.exists() and not list(tmp_path.glob(".atlantyda-*"))

    # a TERYT that no shipped city file has needs the name
    alone = cli.invoke(urbanaudit, ["city", "new", "--teryt", "2699011", "--out", str(out)])
    assert alone.exit_code != 0 and "give the city's --name too" in alone.output
    assert not out.exists()


@pytest.mark.parametrize("down", ["/units/search", "/data/urb_cpop1", "/station/findAll"])
def test_a_source_down_is_a_clear_error_and_writes_nothing(cli, registries, tmp_path, down):
    registries.route(down, lambda query: (503, "application/json", b'{"error": "unavailable"}'))
    out = tmp_path / "kielce-new.yaml"
    result = cli.invoke(urbanaudit, ["city", "new", "--name", "Kielce", "--teryt", "2661011", "--out", str(out)])
    assert result.exit_code != 0
    assert "A source could not be read, nothing was written" in result.output
    assert "HTTP 503" in result.output and down in result.output
    assert not out.exists() and not list(tmp_path.glob(".kielce-*"))


def test_an_existing_file_is_kept_unless_forced(cli, registries, tmp_path):
    out = tmp_path / "kielce.yaml"  # the shipped Kielce file, copied by the fixture
    before = out.read_text("utf-8")
    refused = cli.invoke(urbanaudit, ["city", "new", "--name", "Kielce", "--teryt", "2661011", "--out", str(out)])
    assert refused.exit_code != 0 and "exists; give --force" in refused.output
    assert out.read_text("utf-8") == before
    assert not registries.requests  # refused before asking any source

    forced = cli.invoke(urbanaudit, ["city", "new", "--name", "Kielce", "--teryt", "2661011", "--out", str(out),
                                     "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text("utf-8") != before and read(out)["bdl_unit_id"] == "052615261000"
