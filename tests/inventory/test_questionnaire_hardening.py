"""Issue 13 (hardening) for the inventory questionnaire: hostile and broken files, the upload size cap,
formula injection in the exports, another department's private records, and several contact points."""
from __future__ import annotations

import csv
import io
import re
import time
import tracemalloc
import zipfile

import pytest
from ckan import model
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers
from openpyxl import Workbook, load_workbook

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.store import IndicatorValue
from ckanext.urbanaudit.inventory import questionnaire as q
from ckanext.urbanaudit.quality import store as quality_store
from tests.indicator_data import _sysadmin_upsert, _v
from tests.inventory.test_questionnaire import HEADER, ROWS, csv_bytes, records, run_import, steward, xlsx

__all__ = ["steward"]  # the fixture, used by name

EVIL = '=HYPERLINK("http://evil.example/","x")'
IMPORT_URL = "/api/3/action/urbanaudit_inventory_import"


def huge_dimension_xlsx(rows: list[list[str]]) -> bytes:
    """A valid small workbook whose sheet declares the whole grid A1:XFD1048576 (16,384 x 1,048,576 cells)
    and holds one more value at the grid's last row: openpyxl pads every row to the declared width."""
    book = Workbook()
    sheet = book.active
    sheet.title = q.DATA_SHEET
    for row in rows:
        sheet.append(row)
    sheet["A1048576"] = " "
    buffer = io.BytesIO()
    book.save(buffer)
    source, hostile = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                assert count == 1
            target.writestr(item.filename, data)
    return hostile.getvalue()


def api_import(app, token: str, content: bytes, filename: str, **form) -> tuple[int, dict]:
    response = app.post(IMPORT_URL, headers={"Authorization": token},
                        data={"upload": (io.BytesIO(content), filename), **form})
    return response.status_code, response.json


def upload_error(body: dict) -> str:
    assert body["success"] is False, body
    return " ".join(body["error"]["upload"])


# ------------------------------------------------------------------ item 1: hostile and broken files

@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_xlsx_declaring_a_huge_dimension_is_read_in_bounded_memory_and_time(app):
    hostile = huge_dimension_xlsx([["x"]])
    assert len(hostile) < 6000
    tracemalloc.start()
    try:
        table = q.read_table("ankieta.xlsx", hostile)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"read_table peak on the {len(hostile)}-byte hostile XLSX: {peak / 2**20:.2f} MiB")
    assert table == [["x"]]
    assert peak < 50 * 2**20

    run_import(xlsx(ROWS))
    before = records()
    token = factories.APIToken(user="steward")["token"]
    started = time.monotonic()
    status, body = api_import(app, token, hostile, "ankieta.xlsx")
    assert time.monotonic() - started < 20
    assert status == 409
    assert "unknown columns: x" in upload_error(body)
    # the same trap around a real questionnaire: its rows are read as they are, nothing else
    status, body = api_import(app, token, huge_dimension_xlsx([HEADER, *ROWS]), "ankieta.xlsx", dry_run="true")
    assert status == 200, body
    assert (body["result"]["errors"], sorted(body["result"]["unchanged"])) == ([], ["SR-001", "SR-002", "SR-003"])
    assert time.monotonic() - started < 40
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
@pytest.mark.ckan_config("ckanext.urbanaudit.inventory.max_upload_bytes", "4096")
def test_item_1_an_upload_over_the_size_limit_is_refused_before_it_is_read(app):
    small = csv_bytes(ROWS[:1], "utf-8")
    assert run_import(small, filename="ankieta.csv")["created"] == ["SR-001"]
    before = records()
    big = xlsx(ROWS)
    assert len(big) > 4096
    with pytest.raises(tk.ValidationError) as error:
        run_import(big)
    assert error.value.error_dict["upload"] == ["The file is larger than the limit of 0.00390625 MB"]
    token = factories.APIToken(user="steward")["token"]
    status, body = api_import(app, token, big + b"\0" * 10_000_000, "ankieta.xlsx")
    assert status == 409 and "0.00390625 MB" in upload_error(body)
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_more_rows_or_columns_than_the_limits_are_refused_with_the_limit_named():
    run_import(xlsx(ROWS))
    before = records()
    many = [[f"X-{n}", f"Zbiór {n}"] for n in range(q.MAX_ROWS + 1)]
    with pytest.raises(tk.ValidationError) as error:
        run_import(xlsx(many, HEADER[:2]))
    assert "more than 5000 rows" in error.value.error_dict["upload"][0]
    wide = [[*ROWS[0], *[""] * (q.MAX_COLUMNS - len(ROWS[0])), "za daleko"]]
    with pytest.raises(tk.ValidationError) as error:
        run_import(xlsx(wide))
    assert "more than 100 columns (row 2)" in error.value.error_dict["upload"][0]
    # the same in a CSV
    with pytest.raises(tk.ValidationError) as error:
        run_import(csv_bytes(many, "utf-8"), filename="ankieta.csv")
    assert "more than 5000 rows" in error.value.error_dict["upload"][0]
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_merged_cells_are_read_as_their_top_left_cell_and_an_emptied_row_is_an_error():
    run_import(xlsx(ROWS))
    before = records()
    book = Workbook()
    sheet = book.active
    sheet.title = q.DATA_SHEET
    sheet.append(HEADER)
    rows = [list(r) for r in ROWS]
    rows[0][0], rows[1][0] = "SR-010", "SR-011"
    for row in rows[:2]:
        sheet.append(row)
    sheet.merge_cells("D2:D3")  # the department typed once for two rows: row 3 has none
    sheet.merge_cells("B2:C2")  # title spread over the description: row 2 has no description
    buffer = io.BytesIO()
    book.save(buffer)
    report = run_import(buffer.getvalue())
    assert sorted((e["row"], e["field"], e["message"]) for e in report["errors"]) == [
        ("2", "notes", "Missing value"), ("3", "owner_org", "Missing value")]
    assert report["imported"] is False
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_formulas_are_read_as_their_text_never_evaluated():
    run_import(xlsx(ROWS))
    before = records()
    rows = [["SR-020", "=1+1", EVIL, "wydzial-srodowiska", "", "", "", "", "", "", "", ""]]
    report = run_import(xlsx(rows))  # openpyxl stores both as formulas with no computed value
    assert report["errors"] == [] and report["created"] == ["SR-020"]
    stored = records()["SR-020"]
    assert (stored["title"], stored["notes"]) == ("=1+1", EVIL)
    assert {k: v for k, v in records().items() if k != "SR-020"} == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_a_separator_inside_an_unquoted_csv_cell_is_an_error_of_that_row():
    run_import(xlsx(ROWS))
    before = records()
    lines = [";".join(HEADER)]
    lines.append(";".join(ROWS[2]))  # no cell of this row holds ";": valid without quotes
    lines.append("SR-001;Rejestr drzew;Drzewa w pasach drogowych – gatunek, obwód.;wydzial-srodowiska;drzewa,zieleń;"
                 "Środowisko;8;co roku;publiczny (otwarty);srodowisko@um.kielce.pl;https://dane.kielce.eu/drzewa.csv;"
                 "CSV;XLSX")  # "CSV;XLSX" unquoted: one cell more than the header
    report = run_import("\r\n".join(lines).encode("utf-8"), filename="ankieta.csv")
    assert [(e["row"], e["column"]) for e in report["errors"]] == [("3", "M")]
    assert "XLSX" in report["errors"][0]["message"]
    assert report["imported"] is False
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_1_a_file_in_the_wrong_encoding_is_read_honestly_or_refused_clearly():
    run_import(xlsx(ROWS[:1]))
    before = records()
    # Excel's "Unicode text": UTF-16 with its byte-order mark, tab-separated: read as it is
    text = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS[1:]])
    report = run_import(text.encode("utf-16"), filename="ankieta.txt", dry_run=True)
    assert report["errors"] == [] and sorted(report["created"]) == ["SR-002", "SR-003"]
    # UTF-16 without the mark, and Latin-1 text with bytes that are neither UTF-8 nor Windows-1250
    for garbage in (text.encode("utf-16-le"), ";".join(HEADER).encode() + b"\r\nSR-9;Caf\xe9 \x81\x98;x\r\n"):
        with pytest.raises(tk.ValidationError) as error:
            run_import(garbage, filename="ankieta.csv")
        assert "the file is not text in UTF-8 or Windows-1250" in error.value.error_dict["upload"][0]
    assert records() == before


# ------------------------------------------------------------------ item 9: formula injection in exports

@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.recompute_on_update", False)
def test_item_9_formula_injection_in_xlsx_and_csv_exports_is_neutralised(app):
    rows = [["SR-009", EVIL, "+48 41 367 00 00", "wydzial-srodowiska", "", "", "", "", "", "", "", ""]]
    assert run_import(csv_bytes(rows, "utf-8"), filename="ankieta.csv")["created"] == ["SR-009"]
    token = factories.APIToken(user="steward")["token"]
    response = app.get("/inventory/export.xlsx", headers={"Authorization": token})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))[q.DATA_SHEET]
    title, notes = sheet["B2"], sheet["C2"]
    assert (title.data_type, title.value) == ("s", "'" + EVIL)
    assert (notes.data_type, notes.value) == ("s", "'+48 41 367 00 00")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # and the export imports back unchanged: the protective quote is taken off again
    before = records()
    report = run_import(response.data)
    assert (report["errors"], report["updated"], report["unchanged"]) == ([], [], ["SR-009"])
    assert records() == before and before["SR-009"]["title"] == EVIL

    # /quality.csv: the public record's title (as harvested from another portal) starts with a quote
    record = before["SR-009"]
    helpers.call_action("package_patch", id=record["id"], private=False)
    quality_store.recompute()
    rows = list(csv.reader(io.StringIO(app.get("/quality.csv").get_data(as_text=True))))
    assert rows[1][2] == "'" + EVIL

    # the indicator CSV: a city and a source reference beginning with "=" / "@", numbers as they are
    helpers.call_action("organization_create", {"user": factories.Sysadmin()["name"]}, name="um-kielce")
    model.Session.add(City(teryt="2661011", slug="kielce", name="=cmd|' /C calc'!A0", peers=[],
                           config={"organization": "um-kielce"}))
    model.Session.commit()
    _sysadmin_upsert([_v("kielce", "ISO37120:2018:8.2", "2024", -3.5, source="gios", source_ref="@SUM(A1:A9)")])
    assert model.Session.query(IndicatorValue).count() == 1
    text = app.get("/indicator/iso37120-2018-8-2?city=kielce&format=csv").get_data(as_text=True).lstrip("\ufeff")
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["city"], row["source_ref"], row["value"]) == ("'=cmd|' /C calc'!A0", "'@SUM(A1:A9)", "-3.5")


# ------------------------------------------------------------------ item 13: another department's record

@pytest.mark.usefixtures("clean_db", "clean_index")
def test_item_13_import_never_confirms_another_departments_private_record():
    factories.User(name="steward-a")
    factories.User(name="steward-b")
    factories.Organization(name="wydzial-a", users=[{"name": "steward-a", "capacity": "editor"}])
    factories.Organization(name="wydzial-b", users=[{"name": "steward-b", "capacity": "editor"}])
    header = ["Identyfikator [identifier]", "Tytuł [title]", "Opis [notes]", "Wydział (skrót adresu) [owner_org]"]
    secret = ["A-TAJNE-7", "Rejestr wniosków o dostęp", "Wewnętrzny rejestr.", "wydzial-a"]
    assert run_import(xlsx([secret], header), user="steward-a")["created"] == ["A-TAJNE-7"]
    helpers.call_action("package_patch", id=records()["A-TAJNE-7"]["id"], private=True)
    before = records()
    for guess in (secret, [*secret[:3], "wydzial-b"], secret[:2]):  # exact values; own department; none
        report = run_import(xlsx([guess], header[:len(guess)]), user="steward-b", dry_run=True)
        assert report["unchanged"] == [] and report["updated"] == [] and report["created"] == []
        assert [(e["field"], e["message"]) for e in report["errors"]] == [
            ("identifier", "You may not edit the records of this department")]
    assert records() == before
    # the owner still gets "unchanged"; so does anyone for a public record (nothing to hide), but no change
    assert run_import(xlsx([secret], header), user="steward-a")["unchanged"] == ["A-TAJNE-7"]
    helpers.call_action("package_patch", id=before["A-TAJNE-7"]["id"], private=False)
    assert run_import(xlsx([secret], header), user="steward-b")["unchanged"] == ["A-TAJNE-7"]
    changed = run_import(xlsx([[*secret[:2], "Zmieniony opis.", secret[3]]], header), user="steward-b")
    assert [(e["field"], e["message"]) for e in changed["errors"]] == [
        ("owner_org", "You may not edit the records of this department")]


# ------------------------------------------------------------------ item 17: several contact points

@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_item_17_export_import_round_trip_keeps_every_contact_point_with_its_url():
    contacts = [
        {"name": "Wydział Środowiska", "email": "srodowisko@um.kielce.pl", "url": "https://um.kielce.pl/srodowisko",
         "uri": "https://um.kielce.pl/id/srodowisko"},
        {"name": "Referat Zieleni", "email": "", "url": "https://um.kielce.pl/zielen"},
        {"name": "", "email": "gis@um.kielce.pl", "url": ""},
    ]
    org = model.Group.get("wydzial-srodowiska")
    helpers.call_action("package_create", {"user": "steward"}, name="rejestr-drzew", identifier="SR-017",
                        title="Rejestr drzew", notes="Drzewa.", owner_org=org.id, contact=contacts)
    before = records()
    exported = q.workbook([before["SR-017"]], {org.id: "wydzial-srodowiska"})
    sheet = load_workbook(io.BytesIO(exported))[q.DATA_SHEET]
    by_key = {re.search(r"\[(\w+)\]", c.value).group(1): v.value for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert by_key["contact_name"] == "Wydział Środowiska; Referat Zieleni;"
    assert by_key["contact_url"] == "https://um.kielce.pl/srodowisko; https://um.kielce.pl/zielen;"
    report = run_import(exported)
    assert (report["errors"], report["updated"], report["unchanged"]) == ([], [], ["SR-017"])
    assert records() == before
    # a changed second contact is read back in its place; the first contact's URI (no column) is kept
    changed = [list(r) for r in sheet.iter_rows(values_only=True)]
    changed[1][list(by_key).index("contact_email")] = "srodowisko@um.kielce.pl; zielen@um.kielce.pl; gis@um.kielce.pl"
    book = Workbook()
    book.active.title = q.DATA_SHEET
    for row in changed:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert run_import(buffer.getvalue())["updated"] == ["SR-017"]
    assert records()["SR-017"]["contact"] == [
        contacts[0], {**contacts[1], "email": "zielen@um.kielce.pl"}, contacts[2]]
