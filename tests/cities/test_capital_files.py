"""The 18 voivodeship capitals ship as city files whose codes are the recorded sources' codes, and all of them
load with `ckan urbanaudit city load`, idempotently."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.urbanaudit.cities.city_file import read
from ckanext.urbanaudit.cities.city_new import CAPITALS, bdl_teryt
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.cli import urbanaudit
from tests.source_server import load_json

CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"
TERC = Path(__file__).resolve().parent / "recorded" / "terc_cities_with_powiat_rights.txt"
CAPITAL_NAMES = {"Białystok", "Bydgoszcz", "Gdańsk", "Gorzów Wielkopolski", "Katowice", "Kielce", "Kraków",
                 "Lublin", "Łódź", "Olsztyn", "Opole", "Poznań", "Rzeszów", "Szczecin", "Toruń", "Warszawa",
                 "Wrocław", "Zielona Góra"}


def _recorded_terc() -> dict[str, str]:
    """City name (as the recorded enum spells it, e.g. ZIELONA_GÓRA) -> TERC code."""
    text = TERC.read_text("utf-8")
    return dict(re.findall(r'^//\s+([A-ZĄĆĘŁŃÓŚŹŻ_]+)\("(\d{7})"\)', text, flags=re.MULTILINE))


def _capitals() -> dict[str, dict]:
    return {slug: read(CITIES / f"{slug}.yaml") for slug in CAPITALS}


def test_eighteen_capitals_ship_with_the_codes_of_the_recorded_sources():
    files = _capitals()
    assert {data["name"] for data in files.values()} == CAPITAL_NAMES
    terc = _recorded_terc()
    assert len(terc) == 66  # every city with powiat rights of the recorded enum was read
    voivodeships = {f["properties"]["JPT_KOD_JE"] for f in
                    load_json("geo/waszkiewiczja-prg-2025/wojewodztwa.json")["features"]}
    ua_labels = load_json("eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json")["dimension"]["cities"][
        "category"]["label"]
    for slug, data in files.items():
        assert data["teryt"] == terc[data["name"].upper().replace(" ", "_")], slug
        assert data["teryt"][:2] in voivodeships, slug
        assert " ".join(ua_labels[data["urban_audit_code"]].split()) == data["name"], slug
        # a BDL unit id is either absent (to verify) or carries the city's TERYT digits
        if data.get("bdl_unit_id"):
            assert bdl_teryt(data["bdl_unit_id"], 5) == data["teryt"][:4], slug
        else:
            assert "to verify" in (CITIES / f"{slug}.yaml").read_text("utf-8"), slug
            assert not any(s["type"] == "urbanaudit_bdl" for s in data["harvest_sources"]), slug
        assert all(peer in files for peer in data["peers"]), slug
    # the codes of the cities are different from each other
    for key in ("teryt", "urban_audit_code", "slug"):
        assert len({data[key] for data in files.values()}) == 18, key


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_all_capitals_load_and_a_second_load_changes_nothing(cli, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", "http://127.0.0.1:9/eurostat")
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.bdl_url", "http://127.0.0.1:9/bdl")
    files = _capitals()
    for slug in CAPITALS:
        result = cli.invoke(urbanaudit, ["city", "load", str(CITIES / f"{slug}.yaml")])
        assert result.exit_code == 0, (slug, result.output)

    rows = {c.slug: c for c in model.Session.query(City)}
    assert set(rows) == set(CAPITALS)
    for slug, data in files.items():
        row = rows[slug]
        assert (row.teryt, row.urban_audit_code, row.bdl_unit_id) == (
            data["teryt"], data["urban_audit_code"], data.get("bdl_unit_id")), slug
        assert sorted(row.peers) == sorted(files[p]["teryt"] for p in data["peers"]), slug
    sources = {helpers.call_action("package_show", id=s["id"])["name"]
               for s in helpers.call_action("harvest_source_list")}
    wanted = {s["name"] for data in files.values() for s in data["harvest_sources"]}
    assert sources == wanted
    assert "torun-gus-bdl" not in sources and "gdansk-gus-bdl" in sources

    for slug in CAPITALS:
        again = cli.invoke(urbanaudit, ["city", "load", str(CITIES / f"{slug}.yaml")])
        assert again.exit_code == 0, (slug, again.output)
        assert "cities: 0 created, 0 updated" in again.output, (slug, again.output)
        assert "organizations: 0 created, 0 updated" in again.output, (slug, again.output)
        assert "harvest_sources: 0 created, 0 updated" in again.output, (slug, again.output)
