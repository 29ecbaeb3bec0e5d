"""The inventory questionnaire: the spreadsheet departments fill in, read and written.

One row is one data set. Columns are fields of the inventory schema; a header
reads "Polish label [field]" (the key in brackets is what counts; a bare key or
the Polish or English label is accepted too). Vocabulary cells hold the Polish
label (what the drop-downs of the template offer), the English label or the
value itself; several values are separated by ";".

Reading (XLSX, or CSV in UTF-8 or CP1250, comma or semicolon) gives rows of
cells; ``parse_rows`` turns them into dataset dicts with errors per row and
column; the action ``urbanaudit_inventory_import`` validates and applies them.
Writing produces the template (empty, with one sheet per vocabulary) and the
export (the template filled with the catalogue), which imports back unchanged.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ckan import model
from ckanext.scheming.helpers import scheming_field_by_name, scheming_get_dataset_schema
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.urbanaudit import vocabularies

MULTI_SEPARATOR = ";"
MAX_ROWS = 5000
DATA_SHEET = "Inwentarz"


@dataclass(frozen=True)
class Column:
    key: str                       # field of the schema, or a pseudo-field (contact_*, temporal_*, resource_*)
    pl: str
    en: str
    vocabulary: str | None = None  # vocabulary file, or "choices:<field>" for inline schema choices
    multiple: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("identifier", "Identyfikator", "Identifier"),
    Column("title", "Tytuł", "Title"),
    Column("notes", "Opis", "Description"),
    Column("owner_org", "Wydział (skrót adresu)", "Department (URL name)"),
    Column("tag_string", "Słowa kluczowe", "Keywords"),
    Column("theme", "Kategoria (UE)", "Theme (EU)", "data-theme", multiple=True),
    Column("iso37120_theme", "Obszar ISO 37120", "ISO 37120 theme", "iso37120-theme", multiple=True),
    Column("urban_audit_domain", "Dziedzina Urban Audit", "Urban Audit domain", "urban-audit-domain", multiple=True),
    Column("publication_status", "Status publikacji", "Publication status", "choices:publication_status"),
    Column("data_steward", "Opiekun danych", "Data steward"),
    Column("data_steward_email", "E-mail opiekuna", "Data steward email"),
    Column("contact_name", "Punkt kontaktowy – nazwa", "Contact point – name"),
    Column("contact_email", "Punkt kontaktowy – e-mail", "Contact point – email"),
    Column("legal_basis", "Podstawa prawna", "Legal basis"),
    Column("source_system", "System źródłowy", "Source system"),
    Column("software", "Oprogramowanie", "Software"),
    Column("storage_location", "Miejsce przechowywania", "Storage location"),
    Column("access_rights", "Poziom dostępu", "Access level", "access-right"),
    Column("license_id", "Licencja", "Licence", "licences"),
    Column("personal_data", "Dane osobowe (RODO)", "Personal data (GDPR)", "choices:personal_data"),
    Column("openness_level", "Poziom otwartości", "Openness level", "choices:openness_level"),
    Column("frequency", "Częstotliwość aktualizacji", "Update frequency", "frequency"),
    Column("issued", "Data udostępnienia", "Release date"),
    Column("modified", "Data ostatniej aktualizacji", "Last data update"),
    Column("temporal_start", "Zakres czasowy – od", "Temporal coverage – start"),
    Column("temporal_end", "Zakres czasowy – do", "Temporal coverage – end"),
    Column("spatial_resolution", "Szczegółowość przestrzenna", "Spatial resolution", "choices:spatial_resolution"),
    Column("spatial_reference_unit", "Jednostka odniesienia przestrzennego", "Spatial reference unit"),
    Column("inspire_theme", "Temat INSPIRE", "INSPIRE theme", "inspire-theme"),
    Column("known_quality_issues", "Znane problemy z jakością", "Known quality issues"),
    Column("resource_url", "Adres danych (URL)", "Data URL"),
    Column("resource_format", "Format danych", "Data format"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# the schema fields a row sets (pseudo-columns map onto contact, temporal_coverage, resources)
ROW_FIELDS = [c.key for c in COLUMNS if not c.key.startswith(("contact_", "temporal_", "resource_"))]


def header(column: Column) -> str:
    return f"{column.pl} [{column.key}]"


# ----------------------------------------------------------------- vocabularies

def choices(column: Column) -> list[dict]:
    """[{value, label: {pl, en}}] for a vocabulary column."""
    if column.vocabulary is None:
        return []
    if column.vocabulary == "licences":
        register = model.Package.get_license_register()
        return [{"value": key, "label": {"pl": lic.title, "en": lic.title}} for key, lic in register.items()]
    if column.vocabulary.startswith("choices:"):
        schema = scheming_get_dataset_schema("dataset")
        schema_field = scheming_field_by_name(schema["dataset_fields"], column.vocabulary.split(":", 1)[1])
        return [
            {"value": c["value"], "label": c["label"] if isinstance(c["label"], dict) else {"pl": c["label"],
                                                                                             "en": c["label"]}}
            for c in schema_field["choices"]
        ]
    return vocabularies.choices(column.vocabulary)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


class VocabularyIndex:
    """Looks a cell's text up among a column's values and labels (pl, en), case- and space-insensitive."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[str, str]] = {}
        self._labels: dict[str, dict[str, str]] = {}

    def _map(self, column: Column) -> dict[str, str]:
        if column.key not in self._maps:
            lookup, labels = {}, {}
            for choice in choices(column):
                value = str(choice["value"])
                labels[value] = choice["label"]["pl"]
                for text in (value, choice["label"]["pl"], choice["label"]["en"], value.rsplit("/", 1)[-1]):
                    lookup.setdefault(_normal(str(text)), value)
            self._maps[column.key], self._labels[column.key] = lookup, labels
        return self._maps[column.key]

    def value(self, column: Column, text: str) -> str | None:
        return self._map(column).get(_normal(text))

    def label(self, column: Column, value: str) -> str:
        self._map(column)
        return self._labels[column.key].get(value, value)


# ---------------------------------------------------------------------- reading

class QuestionnaireError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


def read_table(filename: str, content: bytes) -> list[list[Any]]:
    """Rows of cells (header first) from an XLSX or CSV file."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise QuestionnaireError(f"not a readable XLSX file ({error.__class__.__name__})") from error
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    if name.endswith((".csv", ".txt")):
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise QuestionnaireError("use an .xlsx or .csv file")


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1250")  # Polish Windows Excel's "CSV"


@dataclass
class Row:
    number: int                                   # spreadsheet row number (header is row 1)
    data: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        column = COLUMN_BY_KEY.get(key)
        self.errors.append({"row": str(self.number), "column": header(column) if column else key,
                            "field": key, "message": message})


def _columns(header_row: list[Any]) -> dict[int, Column]:
    by_text = {}
    for column in COLUMNS:
        for text in (column.key, column.pl, column.en, header(column)):
            by_text[_normal(text)] = column
    found, unknown = {}, []
    for index, cell in enumerate(header_row):
        text = str(cell or "").strip()
        if not text:
            continue
        match = re.search(r"\[([a-z0-9_]+)\]\s*$", text)
        column = COLUMN_BY_KEY.get(match.group(1)) if match else by_text.get(_normal(text))
        if column is None:
            unknown.append(text)
        else:
            found[index] = column
    if unknown:
        raise QuestionnaireError("unknown columns: " + ", ".join(unknown))
    if "identifier" not in {c.key for c in found.values()} or "title" not in {c.key for c in found.values()}:
        raise QuestionnaireError("the header must have the columns identifier and title")
    return found


def looks_mis_encoded(text: str) -> bool:
    """UTF-8 text read as Windows-1250 (or pasted so): re-encoding it gives valid UTF-8 back."""
    if text.isascii():
        return "\ufffd" in text
    try:
        repaired = text.encode("cp1250").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "\ufffd" in text
    return repaired != text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_rows(table: list[list[Any]], translate: Callable[[str], str] = lambda s: s) -> Iterator[Row]:
    """Dataset dicts (only the columns present) from the rows of a table."""
    if not table:
        raise QuestionnaireError("the file is empty")
    if len(table) - 1 > MAX_ROWS:
        raise QuestionnaireError(f"more than {MAX_ROWS} rows")
    columns = _columns(table[0])
    index = VocabularyIndex()
    for offset, cells in enumerate(table[1:], start=2):
        texts = {columns[i].key: _cell(v) for i, v in enumerate(cells) if i in columns}
        if not any(texts.values()):
            continue
        row = Row(offset, {})
        for key, text in texts.items():
            column = COLUMN_BY_KEY[key]
            if looks_mis_encoded(text):
                row.error(key, translate("The text looks wrongly encoded (save the file as UTF-8): %s") % text)
            if column.vocabulary and text:
                parts = [p for p in (s.strip() for s in text.split(MULTI_SEPARATOR)) if p] \
                    if column.multiple else [text]
                values = []
                for part in parts:
                    value = index.value(column, part)
                    if value is None:
                        row.error(key, translate("Not a value of the list: %s") % part)
                    values.append(value)
                row.data[key] = values if column.multiple else values[0]
            else:
                row.data[key] = [] if column.multiple and not text else text
        if not row.data.get("identifier"):
            row.error("identifier", translate("Missing value"))
        if "title" in row.data and not row.data["title"]:  # CKAN would put the URL name in an empty title
            row.error("title", translate("Missing value"))
        _pseudo_columns(row.data)
        yield row


def _pseudo_columns(data: dict[str, Any]) -> None:
    name, email = data.pop("contact_name", None), data.pop("contact_email", None)
    if name is not None or email is not None:
        data["contact"] = [{"name": name or "", "email": email or ""}] if (name or email) else []
    start, end = data.pop("temporal_start", None), data.pop("temporal_end", None)
    if start is not None or end is not None:
        data["temporal_coverage"] = [{"start": start or "", "end": end or ""}] if (start or end) else []
    url, fmt = data.pop("resource_url", None), data.pop("resource_format", None)
    if url is not None or fmt is not None:
        data["__resource"] = {"url": url or "", "format": fmt or ""}


# ---------------------------------------------------------------------- writing

def row_from_dataset(dataset: dict[str, Any], index: VocabularyIndex, orgs: dict[str, str]) -> list[str]:
    contact = (dataset.get("contact") or [{}])[0]
    temporal = (dataset.get("temporal_coverage") or [{}])[0]
    resource = (dataset.get("resources") or [{}])[0]
    values = {
        **{key: dataset.get(key) for key in ROW_FIELDS},
        "owner_org": orgs.get(dataset.get("owner_org") or "", ""),
        "tag_string": ",".join(sorted(t["name"] for t in dataset.get("tags", []))),
        "contact_name": contact.get("name"), "contact_email": contact.get("email"),
        "temporal_start": temporal.get("start"), "temporal_end": temporal.get("end"),
        "resource_url": resource.get("url"), "resource_format": resource.get("format"),
    }
    row = []
    for column in COLUMNS:
        value = values.get(column.key)
        if column.vocabulary and value:
            items = value if isinstance(value, list) else [value]
            value = f"{MULTI_SEPARATOR} ".join(index.label(column, str(v)) for v in items)
        row.append("" if value in (None, []) else str(value))
    return row


def workbook(datasets: Iterable[dict[str, Any]], orgs: dict[str, str]) -> bytes:
    """The questionnaire as XLSX: the data sheet (empty for the template), a sheet per vocabulary."""
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([header(c) for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.freeze_panes = "B2"
    index = VocabularyIndex()
    count = 0
    for dataset in datasets:
        sheet.append(row_from_dataset(dataset, index, orgs))
        count += 1
    last_row = max(count + 1, 1000)
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = 28
        if not column.vocabulary:
            continue
        vocab_sheet = book.create_sheet(column.pl[:31])
        vocab_sheet.append(["Etykieta (pl)", "Label (en)", "Wartość / value"])
        for choice in choices(column):
            vocab_sheet.append([choice["label"]["pl"], choice["label"]["en"], str(choice["value"])])
        if not column.multiple:  # a drop-down for single-valued columns; lists are typed with ";"
            rows = vocab_sheet.max_row
            rule = DataValidation(type="list", formula1=f"='{vocab_sheet.title}'!$A$2:$A${rows}",
                                  allow_blank=True, showErrorMessage=True)
            rule.error = "Wybierz wartość z listy / choose a value from the list"
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{last_row}")
    guide = book.create_sheet("Instrukcja")
    for line in (
        "Jeden wiersz = jeden zbiór danych. Kolumna [identifier] jest wymagana i stała: po niej import "
        "rozpoznaje rekord (ponowny import aktualizuje, nie duplikuje).",
        "Listy wartości są w osobnych arkuszach; kilka wartości w jednej komórce rozdziel średnikiem (;).",
        "Daty w formacie RRRR-MM-DD. Kolumna wydziału: skrót adresu wydziału w portalu.",
        "One row = one data set. The [identifier] column is required and stable: the import matches "
        "records by it. Vocabularies are on their own sheets; separate several values with ';'.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 140
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
