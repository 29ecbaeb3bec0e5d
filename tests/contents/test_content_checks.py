"""Content checks of tabular files: what a reader would stumble on, named by row and column, scored in the quality
score's separate "contents" part; a good file gets full points."""
from __future__ import annotations

import json

import pytest
import requests
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories, helpers
from openpyxl import Workbook

from ckanext.urbanaudit.cli import urbanaudit
from ckanext.urbanaudit.contents import checks, geo
from ckanext.urbanaudit.contents.jobs import check_resource
from ckanext.urbanaudit.contents.model import ContentCheck
from ckanext.urbanaudit.quality import metrics, store
from tests.contents.conftest import run_jobs
from tests.inventory_records import full_record

# A department's spreadsheet export as it really comes: Windows-1250, the header "rok" twice, a number column
# with "brak danych" in it, blank rows, a row entered twice, a column mostly empty.
BAD_ROWS = ["dzielnica;rok;wydatki_zl;rok;uwagi"] + [f"Dzielnica {i};2023;{1000 + 17 * i};2023;" for i in range(12)]
BAD_ROWS[4] = "Śródmieście;2023;brak danych;2023;"
BAD_ROWS[6] = ""
BAD_ROWS.insert(9, BAD_ROWS[8])
BAD_ROWS[11] = ";;;;"
BAD = ("\n".join(BAD_ROWS) + "\n").encode("cp1250")
GOOD = "dzielnica;rok;wydatki_zl\nCentrum;2023;1 250 000,50\nHerby;2023;310000\nSłowik;2024;45000.25\n".encode()


def rendered(report: dict) -> list[tuple]:
    return [(p["kind"], p["row"], p["column"], metrics.text(p["message"], p["params"], str))
            for p in report["problems"]]


def test_a_bad_csv_gets_every_problem_named_by_row_and_column(tmp_path):
    path = tmp_path / "budzet.csv"
    path.write_bytes(BAD)
    report = checks.check_file(path)
    found = rendered(report)
    assert found[0] == ("encoding", None, None,
                        "The file is encoded as cp1250, not UTF-8: Polish letters may show wrongly.")
    assert ("header", None, 4, "Column 4: the header “rok” repeats the header of column 2.") in found
    assert ("blank-row", 7, None, "Row 7 is blank.") in found
    assert ("blank-row", 12, None, "Row 12 is blank.") in found
    assert ("duplicate-row", 10, None, "Row 10 repeats row 9.") in found
    assert ("type", 5, "wydatki_zl",
            "Row 5, column “wydatki_zl”: “brak danych” is not a number like the column's other values.") in found
    assert ("missing-values", None, "uwagi",
            "Column “uwagi”: 11 of 11 values are missing (rows 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, … (+1))."
            ) in found
    assert len(found) == 7  # nothing else: no false alarm on the good rows
    assert report["counts"] == {"encoding": 1, "header": 1, "blank-row": 2, "duplicate-row": 1, "type": 1,
                                "missing-values": 1}
    assert report["score"] == 100 - 15 - 20 - 10 - 10 - 20 - 10


def test_a_good_csv_gets_full_points_polish_numbers_included(tmp_path):
    path = tmp_path / "budzet.csv"
    path.write_bytes(GOOD)
    report = checks.check_file(path)
    assert report["problems"] == [] and report["score"] == 100
    assert report["rows"] == 3 and report["encoding"] == "utf-8"


def test_an_xlsx_sheet_is_checked_the_same_way(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["szkoła", "uczniowie"])
    for n in range(10):
        sheet.append([f"SP {n + 1}", 300 + n])
    sheet.append(["SP 11", "ok. 250"])
    book.save(tmp_path / "szkoly.xlsx")
    report = checks.check_file(tmp_path / "szkoly.xlsx")
    assert rendered(report) == [("type", 12, "uczniowie",
                                 "Row 12, column “uczniowie”: “ok. 250” is not a number like the column's other "
                                 "values.")]
    assert report["score"] == 80


def test_an_attached_table_schema_is_enforced(tmp_path):
    path = tmp_path / "budzet.csv"
    path.write_bytes(GOOD)
    schema = {"fields": [{"name": "dzielnica", "type": "string"},
                         {"name": "rok", "type": "integer", "constraints": {"maximum": 2023}},
                         {"name": "wydatki_zl", "type": "string"}]}
    found = rendered(checks.check_file(path, table_schema=schema))
    assert [(k, r, c) for k, r, c, _ in found] == [("schema", 4, "rok")]
    assert "“2024” breaks the Table Schema" in found[0][3]


def test_an_upload_is_checked_in_the_background_shown_on_its_page_and_scored_apart_from_mqa(portal):
    good_pkg = portal.dataset("budzet-dobry")
    good = portal.upload(good_pkg["id"], "budzet.csv", GOOD)
    bad_pkg = portal.dataset("budzet-zly")
    bad = portal.upload(bad_pkg["id"], "budzet.csv", BAD)
    assert store.latest(bad_pkg["id"]) is None or \
        store.latest(bad_pkg["id"]).dimensions["contents"]["max"] == 0  # not in the request
    run_jobs()

    page = BeautifulSoup(requests.get(f"{portal.url}/dataset/budzet-zly/resource/{bad['id']}", timeout=30).text,
                         "html.parser")
    section = page.select_one("#content-check")
    assert section.select_one(".urbanaudit-content-score")["data-score"] == "15"
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in section.select("tbody tr")]
    assert ["5", "wydatki_zl", "Wiersz 5, kolumna „wydatki_zl”: „brak danych” nie jest liczbą, jak pozostałe "
            "wartości kolumny."] in rows
    assert ["7", "", "Wiersz 7 jest pusty."] in rows
    assert "kodowanie −15" in section.select_one(".urbanaudit-content-deductions").get_text(" ", strip=True)

    good_page = requests.get(f"{portal.url}/dataset/budzet-dobry/resource/{good['id']}", timeout=30).text
    assert "Nie znaleziono problemów" in good_page

    good_score, bad_score = store.latest(good_pkg["id"]), store.latest(bad_pkg["id"])
    assert good_score.dimensions["contents"] == {"points": 100, "max": 100}
    assert bad_score.dimensions["contents"] == {"points": 15, "max": 100}
    # the MQA points do not move with the contents: the two records differ only in their files
    assert good_score.score == bad_score.score
    assert helpers.call_action("urbanaudit_quality_show", id=bad_pkg["id"])["dimensions"]["contents"]["points"] == 15


def test_a_link_to_a_non_public_address_is_not_read_and_says_why(portal):
    pkg = portal.dataset("budzet-link")
    status, body = portal.action("resource_create", portal.token, package_id=pkg["id"], name="wewnętrzny",
                                 url="http://10.0.0.7/budzet.csv", format="CSV")
    assert status == 200, body
    report = check_resource(body["result"]["id"])
    assert report["status"] == "failed" and report["error"] == "refused: not a public address"


@pytest.mark.ckan_config("ckanext.urbanaudit.contents.max_bytes", "10")
def test_the_check_reads_no_file_past_its_size_cap(portal):
    pkg = portal.dataset("budzet-duzy")
    res = portal.upload(pkg["id"], "budzet.csv", GOOD)
    report = check_resource(res["id"])
    assert report["status"] == "failed" and report["error"] == "larger than 10 bytes"


KIELCE = (20.52, 50.80, 20.72, 50.91)  # the box of tests/inventory_records.KIELCE_BOX


def point(lon, lat, name):
    return {"type": "Feature", "properties": {"nazwa": name}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_a_geojson_layer_is_checked_for_geojson_and_for_lying_in_the_data_sets_area(tmp_path):
    path = tmp_path / "przystanki.geojson"
    good = {"type": "FeatureCollection", "features": [point(20.63, 50.87, "A"), point(20.60, 50.85, "B")]}
    path.write_text(json.dumps(good), encoding="utf-8")
    assert geo.check_geojson(path, KIELCE)["score"] == 100

    swapped = {"type": "FeatureCollection", "features": [
        point(20.63, 50.87, "A"), point(50.85, 20.60, "B (współrzędne zamienione)"),
        point(200.0, 50.0, "C"), {"type": "Feature", "properties": {}, "geometry": None}]}
    path.write_text(json.dumps(swapped), encoding="utf-8")
    report = geo.check_geojson(path, KIELCE)
    assert rendered(report) == [
        ("outside", 2, None, "Feature 2 lies outside the data set's area (20.5200, 50.8000, 20.7200, 50.9100)."),
        ("geojson", 3, None, "Feature 3 has coordinates outside longitude -180…180 / latitude -90…90 "
                             "(swapped or not in degrees?)."),
        ("geojson", 4, None, "Feature 4 is not a GeoJSON feature with a geometry.")]
    assert report["score"] == 100 - 50 - 30

    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert rendered(geo.check_geojson(path, KIELCE))[0][0] == "geojson"
    path.write_text('{"nazwa": "to nie jest warstwa"}', encoding="utf-8")
    assert [p[3] for p in rendered(geo.check_geojson(path, None))] == [
        "The file is JSON but not GeoJSON (no FeatureCollection, Feature or geometry)."]


def test_an_uploaded_geojson_is_checked_against_its_data_sets_area(portal):
    pkg = portal.dataset("przystanki-testowe")  # spatial: the Kielce box
    layer = {"type": "FeatureCollection", "features": [point(20.63, 50.87, "A"), point(21.5, 52.2, "Warszawa")]}
    res = portal.upload(pkg["id"], "przystanki.geojson", json.dumps(layer).encode(), fmt="GeoJSON")
    run_jobs()
    page = BeautifulSoup(requests.get(f"{portal.url}/dataset/{pkg['name']}/resource/{res['id']}",
                                      timeout=30).text, "html.parser")
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.select("#content-check tbody tr")]
    assert rows == [["2", "", "Obiekt 2 leży poza obszarem zbioru (20.5200, 50.8000, 20.7200, 50.9100)."]]
    assert page.select_one(".urbanaudit-content-score")["data-score"] == "70"


def test_the_table_schema_a_steward_attaches_to_the_resource_is_enforced(portal):
    pkg = portal.dataset("budzet-ze-schematem")
    schema = {"fields": [{"name": "dzielnica", "type": "string"},
                         {"name": "rok", "type": "integer", "constraints": {"maximum": 2023}},
                         {"name": "wydatki_zl", "type": "string"}]}
    status, body = portal.action("resource_create", portal.token, files={"upload": ("budzet.csv", GOOD)},
                                 package_id=pkg["id"], name="budzet.csv", format="CSV", schema=json.dumps(schema))
    assert status == 200, body
    report = check_resource(body["result"]["id"])
    assert report["table_schema"] is True
    assert [(p["kind"], p["row"], p["column"]) for p in report["problems"]] == [("schema", 4, "rok")]


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.urbanaudit.contents.check_on_save", False)
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "127.0.0.1")  # the source server
def test_the_cli_checks_linked_files_and_scores_their_data_sets(cli, source_server):
    source_server.route("/budzet.csv", lambda _query: (200, "text/csv", BAD))
    org = factories.Organization()
    record = full_record(org["id"], resources=[{"url": source_server.url + "/budzet.csv", "format": "CSV",
                                                "name": "budzet.csv"}])
    pkg = helpers.call_action("package_create", {"user": factories.Sysadmin()["name"]}, **record)
    assert model.Session.query(ContentCheck).count() == 0  # not checked on save with check_on_save off
    result = cli.invoke(urbanaudit, ["contents", "check", "--all"])
    assert result.exit_code == 0, result.output
    assert f"{pkg['resources'][0]['id']}: checked, contents 15" in result.output
    assert "Checked 1 files of 1 data sets" in result.output
    assert store.latest(pkg["id"]).dimensions["contents"] == {"points": 15, "max": 100}
    assert cli.invoke(urbanaudit, ["contents", "check"]).exit_code != 0  # says which: --all or --resource

