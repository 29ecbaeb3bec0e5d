"""City files: `ckan urbanaudit city load FILE` creates the city, its organizations and harvest sources once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.urbanaudit.cities.city_file import CityFileError, load, read
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.cli import urbanaudit
from tests.source_server import load_json

CITIES = Path(__file__).resolve().parents[2] / "schemas" / "cities"


def _snapshot() -> dict:
    sources = helpers.call_action("harvest_source_list")
    return {
        "cities": {c.teryt: (c.as_dict(), c.updated_at) for c in model.Session.query(City)},
        "orgs": {name: helpers.call_action("organization_show", id=name, include_datasets=False)
                 for name in helpers.call_action("organization_list")},
        "sources": {s["id"]: helpers.call_action("package_show", id=s["id"])["metadata_modified"] for s in sources},
    }


def test_every_shipped_city_file_is_valid_with_real_codes():
    files = {p.stem: read(p) for p in CITIES.glob("*.yaml")}
    assert {"kielce", "lublin", "bialystok"} <= set(files)
    kielce = files["kielce"]
    assert (kielce["teryt"], kielce["bdl_unit_id"], kielce["urban_audit_code"]) == ("2661011", "052615261000",
                                                                                   "PL012C")
    # every Urban Audit code is a city label of Eurostat's real urb_cpop1 answer, under the city's name

    labels = load_json("eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json")["dimension"]["cities"]["category"][
        "label"]
    for data in files.values():
        assert labels[data["urban_audit_code"]] == data["name"]
        assert all(peer in files for peer in data["peers"])


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_loading_kielce_twice_creates_once_and_then_changes_nothing(cli, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", "http://127.0.0.1:9/eurostat")

    first = cli.invoke(urbanaudit, ["city", "load", str(CITIES / "kielce.yaml")])
    assert first.exit_code == 0, first.output
    assert "cities: 3 created, 0 updated, 0 unchanged" in first.output
    assert "organizations: 2 created" in first.output
    assert "harvest_sources: 4 created" in first.output

    kielce = City.get("kielce")
    assert kielce.peers == ["0663011", "2061011"]
    assert City.get("lublin").urban_audit_code == "PL009C"
    eurostat = helpers.call_action("harvest_source_show", id="kielce-eurostat-urban-audit")
    assert eurostat["url"] == "http://127.0.0.1:9/eurostat"
    assert json.loads(eurostat["config"]) == {"city": "2661011", "datasets": ["urb_cpop1"], "indicators": ["DE1001V"]}
    assert eurostat["frequency"] == "MONTHLY"
    mapped = helpers.call_action("harvest_source_show", id="kielce-eurostat-public-statistics")
    assert json.loads(mapped["config"]) == {"city": "2661011", "datasets": ["urb_cenv", "urb_ctran"], "mapped": True}
    assert mapped["frequency"] == "MANUAL"
    gios = helpers.call_action("harvest_source_show", id="kielce-gios-powietrze")
    assert helpers.call_action("organization_show", id=gios["owner_org"])["name"] == "kielce-wydzial-srodowiska"
    before = _snapshot()

    second = cli.invoke(urbanaudit, ["city", "load", str(CITIES / "kielce.yaml")])
    assert second.exit_code == 0, second.output
    assert "cities: 0 created, 0 updated, 3 unchanged" in second.output
    assert "organizations: 0 created, 0 updated, 2 unchanged" in second.output
    assert "harvest_sources: 0 created, 0 updated, 4 unchanged" in second.output
    assert _snapshot() == before


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_changed_file_updates_in_place(tmp_path):
    for name in ("kielce", "lublin", "bialystok"):
        (tmp_path / f"{name}.yaml").write_text((CITIES / f"{name}.yaml").read_text("utf-8"), "utf-8")
    load(tmp_path / "kielce.yaml")
    source_id = helpers.call_action("harvest_source_show", id="kielce-gus-bdl")["id"]
    text = (tmp_path / "kielce.yaml").read_text("utf-8").replace("frequency: MONTHLY\n    # BDL",
                                                                 "frequency: WEEKLY\n    # BDL")
    (tmp_path / "kielce.yaml").write_text(text, "utf-8")
    report = load(tmp_path / "kielce.yaml")
    assert report["harvest_sources"] == {"created": 0, "updated": 1, "unchanged": 3}
    updated = helpers.call_action("harvest_source_show", id="kielce-gus-bdl")
    assert (updated["id"], updated["frequency"]) == (source_id, "WEEKLY")


@pytest.mark.usefixtures("clean_db")
def test_a_bad_city_file_is_refused_with_every_problem_named(tmp_path, cli):
    bad = tmp_path / "zle.yaml"
    bad.write_text("slug: Zle Miasto\nteryt: 26610\nname: Złe\nurban_audit_code: kielce\npeers: [nowhere]\n"
                   "organization: {title: bez nazwy}\nharvest_sources:\n  - {name: x, type: ckan, frequency: hourly}\n",
                   "utf-8")
    result = cli.invoke(urbanaudit, ["city", "load", str(bad)])
    assert result.exit_code != 0
    for problem in ("'slug'", "'teryt' = 26610", "'urban_audit_code'", "'organization' needs a 'name'",
                    "a 'ckan' source needs a 'url'", "'frequency' must be one of"):
        assert problem in result.output
    assert model.Session.query(City).count() == 0
    with pytest.raises(CityFileError, match="not valid YAML"):
        bad.write_text("slug: [", "utf-8")
        read(bad)
