"""The inventory questionnaire as departments use it: template, import, re-import, export, errors."""
from __future__ import annotations

import csv
import io

import pytest
from ckan import model
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers
from openpyxl import Workbook, load_workbook
from sqlalchemy import event

from ckanext.urbanaudit.cli import urbanaudit
from ckanext.urbanaudit.inventory import actions, lookups
from ckanext.urbanaudit.inventory import questionnaire as q
from ckanext.urbanaudit.inventory.workbook import export_workbook

HEADER = ["Identyfikator [identifier]", "Tytuł [title]", "Opis [notes]", "Wydział (skrót adresu) [owner_org]",
          "Słowa kluczowe [tag_string]", "Kategoria (UE) [theme]", "Obszar ISO 37120 [iso37120_theme]",
          "Częstotliwość aktualizacji [frequency]", "Poziom dostępu [access_rights]",
          "Punkt kontaktowy – e-mail [contact_email]", "Adres danych (URL) [resource_url]",
          "Format danych [resource_format]"]
ROWS = [
    ["SR-001", "Rejestr drzew", "Drzewa w pasach drogowych – gatunek, obwód.", "wydzial-srodowiska",
     "drzewa,zieleń", "Środowisko", "8. Środowisko i zmiany klimatu", "co roku", "publiczny (otwarty)",
     "srodowisko@um.kielce.pl", "https://dane.kielce.eu/drzewa.csv", "CSV"],
    ["SR-002", "Pomiary hałasu – źródła", "Punkty pomiaru hałasu drogowego.", "wydzial-srodowiska",
     "hałas", "Środowisko; Zdrowie", "8; 11", "co dwa lata", "publiczny (otwarty)", "", "", ""],
    ["SR-003", "Żółta księga łąk", "Inwentaryzacja łąk kwietnych.", "wydzial-srodowiska",
     "", "Środowisko", "", "nieregularnie", "ograniczony (na wniosek)", "", "", ""],
]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = q.DATA_SHEET
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str, delimiter: str = ";") -> bytes:
    """What Excel writes: cells holding the delimiter are quoted."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerows([HEADER, *rows])
    return text.getvalue().encode(encoding)


@pytest.fixture
def steward():
    factories.User(name="steward")
    factories.Organization(name="wydzial-srodowiska", users=[{"name": "steward", "capacity": "editor"}])
    factories.Organization(name="wydzial-geodezji")
    return {"user": "steward"}


def run_import(content: bytes, filename: str = "ankieta.xlsx", user: str = "steward", **options) -> dict:
    return helpers.call_action("urbanaudit_inventory_import", {"user": user, "ignore_auth": False},
                               filename=filename, content=content, **options)


def records() -> dict[str, dict]:
    found = helpers.call_action("package_search", q="*:*", rows=100, include_private=True, include_drafts=True)
    return {d["identifier"]: d for d in found["results"]}


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_import_creates_records_with_vocabularies_resolved_and_polish_text_intact():
    report = run_import(xlsx(ROWS))
    assert report["errors"] == []
    assert sorted(report["created"]) == ["SR-001", "SR-002", "SR-003"]
    stored = records()
    assert stored["SR-003"]["title"] == "Żółta księga łąk"
    assert stored["SR-002"]["theme"] == ["http://publications.europa.eu/resource/authority/data-theme/ENVI",
                                         "http://publications.europa.eu/resource/authority/data-theme/HEAL"]
    assert stored["SR-002"]["iso37120_theme"] == ["8", "11"]
    assert stored["SR-001"]["frequency"] == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    assert stored["SR-001"]["contact"] == [{"name": "", "email": "srodowisko@um.kielce.pl"}]
    assert [(r["url"], r["format"]) for r in stored["SR-001"]["resources"]] == [
        ("https://dane.kielce.eu/drzewa.csv", "CSV")]
    assert {t["name"] for t in stored["SR-001"]["tags"]} == {"drzewa", "zieleń"}


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_reimport_creates_no_duplicates_and_updates_only_changed_rows():
    run_import(xlsx(ROWS))
    before = records()
    again = run_import(xlsx(ROWS))
    assert (again["created"], again["updated"], sorted(again["unchanged"])) == ([], [], ["SR-001", "SR-002", "SR-003"])
    changed = [list(r) for r in ROWS]
    changed[1][1] = "Pomiary hałasu drogowego"
    third = run_import(xlsx(changed))
    assert (third["created"], third["updated"]) == ([], ["SR-002"])
    after = records()
    assert len(after) == 3
    assert after["SR-002"]["title"] == "Pomiary hałasu drogowego"
    assert after["SR-001"]["metadata_modified"] == before["SR-001"]["metadata_modified"]


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
@pytest.mark.parametrize(("encoding", "delimiter"), [("cp1250", ";"), ("utf-8-sig", ";"), ("utf-8", ",")])
def test_csv_from_excel_in_cp1250_or_utf8(encoding, delimiter):
    report = run_import(csv_bytes(ROWS, encoding, delimiter), filename="ankieta.csv")
    assert report["errors"] == []
    assert records()["SR-003"]["title"] == "Żółta księga łąk"


def test_a_long_csv_is_read_in_the_encoding_its_last_rows_need():
    """The file is read row by row; its encoding is the first that decodes all of it, so a Windows-1250 letter
    far down an otherwise ASCII file (past the first pieces checked) still makes the whole file Windows-1250."""
    plain = [[f"AS-{n:04d}", f"Zbior {n}", "Opis bez polskich liter."] for n in range(3000)]
    content = csv_bytes([*plain, ["AS-LAST", "Żółta księga łąk", "Ostatni."]], "cp1250")
    assert len(content) > 2 ** 17
    table = q.read_table("ankieta.csv", content)
    assert len(table) == 3002 and table[-1][:2] == ["AS-LAST", "Żółta księga łąk"]
    assert table[1][:2] == ["AS-0000", "Zbior 0"]


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_rows_planned_in_chunks_find_repeats_and_existing_records_across_chunks(monkeypatch):
    """The import reads, plans and validates the file a chunk of rows at a time (memory flat however long the
    file): a repeated identifier, an existing record and an error in a later chunk count as in one pass."""
    monkeypatch.setattr(actions, "PLAN_CHUNK", 2)
    assert run_import(xlsx(ROWS[:1]))["created"] == ["SR-001"]
    changed = [list(r) for r in ROWS]
    changed[0][1] = "Rejestr drzew i krzewów"                    # row 2, chunk 1: an existing record, changed
    repeat = [*changed, list(ROWS[1])]                          # row 5, chunk 2: repeats row 3 (chunk 1)
    report = run_import(xlsx(repeat))
    assert [(e["row"], e["field"]) for e in report["errors"]] == [("5", "identifier")]
    assert "row 3" in report["errors"][0]["message"] and report["imported"] is False
    assert set(records()) == {"SR-001"} and records()["SR-001"]["title"] == "Rejestr drzew"
    report = run_import(xlsx(changed))
    assert (report["updated"], sorted(report["created"]), report["imported"]) == (["SR-001"], ["SR-002", "SR-003"],
                                                                                  True)
    found = records()
    assert found["SR-001"]["title"] == "Rejestr drzew i krzewów" and found["SR-003"]["title"] == "Żółta księga łąk"


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_new_records_get_url_names_no_record_and_no_other_row_has(monkeypatch):
    """A new record's URL name is its identifier's slug, numbered on when a record holds it (a deleted one
    too) or another row of the file got it first — also across the chunks the file is planned in."""
    monkeypatch.setattr(actions, "PLAN_CHUNK", 2)
    other = factories.Organization(name="inny")["id"]
    factories.Dataset(name="sr-001", owner_org=other)
    helpers.call_action("package_delete", id=factories.Dataset(name="sr-001-2", owner_org=other)["id"])
    rows = [list(r) for r in (ROWS[0], ROWS[0], ROWS[0])]
    rows[1][0], rows[2][0] = "sr.001", "SR_001"     # "sr-001" too; "sr_001" is a name of its own
    report = run_import(xlsx(rows))
    assert report["imported"] is True, report["errors"]
    found = helpers.call_action("package_search", q="*:*", rows=10, include_private=True, include_drafts=True)
    names = {record["identifier"]: record["name"] for record in found["results"] if record.get("identifier")}
    assert names == {"SR-001": "sr-001-3", "sr.001": "sr-001-4", "SR_001": "sr_001"}


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_a_file_with_errors_imports_nothing_and_names_row_and_column():
    bad = [list(r) for r in ROWS]
    bad[1][7] = "co tydzień albo dwa"       # not in the frequency list
    bad[2][9] = "Jan Kowalski"              # not an e-mail address
    bad.append(["SR-001", "Duplikat", "x", "wydzial-srodowiska", "", "", "", "", "", "", "", ""])
    report = run_import(xlsx(bad))
    assert report["imported"] is False
    problems = {(e["row"], e["field"]) for e in report["errors"]}
    assert problems == {("3", "frequency"), ("4", "contact_email"), ("5", "identifier")}
    frequency_error = next(e for e in report["errors"] if e["field"] == "frequency")
    assert frequency_error["column"] == "Częstotliwość aktualizacji [frequency]"
    assert "co tydzień albo dwa" in frequency_error["message"]
    assert records() == {}


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_valid_only_imports_the_good_rows_and_dry_run_saves_nothing():
    bad = [list(r) for r in ROWS]
    bad[1][7] = "co tydzień albo dwa"
    dry = run_import(xlsx(bad), dry_run=True, valid_only=True)
    assert dry["imported"] is False and sorted(dry["created"]) == ["SR-001", "SR-003"]
    assert records() == {}
    real = run_import(xlsx(bad), valid_only=True)
    assert real["imported"] is True
    assert sorted(records()) == ["SR-001", "SR-003"]


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_an_editor_cannot_write_into_another_department():
    rows = [list(ROWS[0])]
    rows[0][3] = "wydzial-geodezji"
    report = run_import(xlsx(rows))
    assert [(e["field"], e["message"]) for e in report["errors"]] == [
        ("owner_org", "You may not edit the records of this department")]
    outsider = factories.User(name="mieszkaniec")
    with pytest.raises(tk.NotAuthorized):
        run_import(xlsx(ROWS), user=outsider["name"])


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
@pytest.mark.parametrize(("filename", "content", "message"), [
    ("ankieta.xlsx", b"this is not a spreadsheet", "not a readable XLSX file"),
    ("ankieta.pdf", b"%PDF-1.4", "use an .xlsx or .csv file"),
    ("ankieta.csv", b"Kolumna;Inna\n1;2\n", "unknown columns: Kolumna, Inna"),
])
def test_an_unreadable_file_gets_a_clear_error_and_changes_nothing(filename, content, message):
    run_import(xlsx(ROWS))
    before = records()
    with pytest.raises(tk.ValidationError) as error:
        run_import(content, filename=filename)
    assert message in error.value.error_dict["upload"][0]
    assert records() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_export_then_import_changes_nothing():
    run_import(xlsx(ROWS))

    exported = export_workbook({"user": "steward"})
    sheet = load_workbook(io.BytesIO(exported))[q.DATA_SHEET]
    assert sheet.max_row == 4
    before = records()
    report = run_import(exported)
    assert report["errors"] == []
    assert (report["created"], report["updated"]) == ([], [])
    assert records() == before


@pytest.mark.usefixtures("clean_db")
def test_template_has_a_sheet_and_a_drop_down_per_vocabulary(app):
    response = app.get("/inventory/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == q.DATA_SHEET
    assert {"Kategoria (UE)", "Częstotliwość aktualizacji", "Temat INSPIRE", "Instrukcja"} <= set(book.sheetnames)
    frequency_labels = [row[0] for row in book["Częstotliwość aktualizacji"].iter_rows(min_row=2, values_only=True)]
    assert "co roku" in frequency_labels
    rules = {str(rule.formula1) for rule in book[q.DATA_SHEET].data_validations.dataValidation}
    assert "='Częstotliwość aktualizacji'!$A$2:$A$12" in rules


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_cli_import_dry_run_then_import(cli, tmp_path):
    path = tmp_path / "ankieta.xlsx"
    path.write_bytes(xlsx(ROWS))
    dry = cli.invoke(urbanaudit, ["inventory", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 created" in dry.output and "not saved" in dry.output
    assert records() == {}
    real = cli.invoke(urbanaudit, ["inventory", "import", str(path)])
    assert real.exit_code == 0 and len(records()) == 3
    bad = tmp_path / "zla.xlsx"
    bad.write_bytes(xlsx([[*ROWS[0][:7], "co tydzień albo dwa", *ROWS[0][8:]]]))
    failed = cli.invoke(urbanaudit, ["inventory", "import", str(bad)])
    assert failed.exit_code == 1
    assert "row 2, Częstotliwość aktualizacji [frequency]" in failed.output


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_steward_imports_through_the_web_page(app):
    token = factories.APIToken(user="steward")["token"]
    page = app.get("/inventory/import", headers={"Authorization": token})
    assert "Import ankiety inwentaryzacyjnej" in page.get_data(as_text=True)
    response = app.post("/inventory/import", headers={"Authorization": token},
                        data={"upload": (io.BytesIO(xlsx(ROWS)), "ankieta.xlsx")})
    text = response.get_data(as_text=True)
    assert "Zmiany zapisano." in text
    assert len(records()) == 3
    assert app.get("/inventory/import").status_code == 403


def questionnaire_200() -> tuple[list[str], list[list[str]]]:
    header = ["Identyfikator [identifier]", "Tytuł [title]", "Opis [notes]", "Wydział (skrót adresu) [owner_org]",
              "Częstotliwość aktualizacji [frequency]", "Data udostępnienia [issued]"]
    rows = [[f"SR-{n:03d}", f"Zbiór nr {n} – źródła łąk", f"Opis zbioru {n}.", "wydzial-srodowiska", "co roku",
             "2024-05-01"] for n in range(1, 201)]
    return header, rows


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_200_rows_with_broken_ones_report_each_by_row_and_column_and_change_nothing():
    header, rows = questionnaire_200()
    assert run_import(xlsx(rows[:20], header))["imported"] is True       # an earlier import
    before = records()
    rows = [list(r) for r in rows]
    for row in rows[:20]:
        row[2] = "Opis zmieniony, który nie może się zapisać."
    rows[9][4] = "co kwartał albo rzadziej"        # spreadsheet row 11: unknown vocabulary value
    rows[19][5] = "2024-02-31"                      # row 21: a date that does not exist
    rows[29][1] = ""                                # row 31: required title missing
    rows[39][0] = "SR-002"                          # row 41: duplicate identifier
    rows[49][1] = "Żółta łąka".encode().decode("cp1250")  # row 51: UTF-8 read as Windows-1250
    report = run_import(xlsx(rows, header))
    found = sorted((int(e["row"]), e["field"]) for e in report["errors"])
    assert found == [(11, "frequency"), (21, "issued"), (31, "title"), (41, "identifier"), (51, "title")]
    assert all(e["message"] for e in report["errors"])
    assert report["imported"] is False
    assert records() == before


def _statements_of_a_dry_run(content: bytes) -> tuple[dict, dict[str, int]]:
    """The import's report, and how many statements looked up an identifier, the user (by name), an organization
    (by id) and whether a URL name is taken."""
    seen = {"identifier": 0, "user": 0, "organization": 0, "name": 0}

    def count(conn, cursor, statement, parameters, *args):
        seen["identifier"] += "package_extra" in statement and "identifier" in (parameters or {}).values()
        seen["user"] += 'WHERE "user".name = ' in statement
        seen["organization"] += 'WHERE "group".id = ' in statement
        seen["name"] += "EXISTS" in statement and "package.name = " in statement

    event.listen(model.meta.engine, "before_cursor_execute", count)
    try:
        return run_import(content, dry_run=True), seen
    finally:
        event.remove(model.meta.engine, "before_cursor_execute", count)


@pytest.mark.usefixtures("clean_db", "clean_index", "steward")
def test_an_identifier_held_by_a_record_of_another_type_is_refused_and_the_rows_are_looked_up_per_chunk(monkeypatch):
    other = model.Package(name="analiza-sr-007", type="analysis", state="active")   # not an inventory record
    model.Session.add(other)
    model.Session.flush()
    model.Session.add(model.PackageExtra(package_id=other.id, key="identifier", value="SR-007", state="active"))
    model.repo.commit()
    header, rows = questionnaire_200()
    content = xlsx(rows[:30], header)
    report, hinted = _statements_of_a_dry_run(content)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [("8", "identifier")]
    assert "already has this identifier" in report["errors"][0]["message"]

    monkeypatch.setattr(lookups, "chunk_context", lambda identifiers, names: {})   # the validators on their own
    plain_report, plain = _statements_of_a_dry_run(content)
    assert plain_report["errors"] == report["errors"]
    # the identifier: two lookups for the chunk of 30 rows and the held one again, where it was one per row; the
    # URL name none (the chunk's names are found free together); owner_org_validator's user and department once
    # for the chunk (CKAN's authorization still looks the user up for its own checks, in both runs)
    assert (hinted["identifier"], plain["identifier"]) == (3, 31)
    assert (hinted["name"], plain["name"]) == (0, 30)
    assert plain["user"] - hinted["user"] == plain["organization"] - hinted["organization"] == 29
