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

import codecs
import csv
import io
import itertools
import re
import zipfile
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
from ckanext.urbanaudit.utils import spreadsheet_safe, spreadsheet_text

MULTI_SEPARATOR = ";"
MAX_ROWS = 5000                    # data rows after the header
MAX_COLUMNS = 100                  # the questionnaire has about 35
MAX_UNPACKED_BYTES = 64 * 2 ** 20  # everything inside an XLSX archive, unpacked (a zip bomb stops here)
EXCEL_ROWS = 1_048_576             # no row of an XLSX sheet lies below this one
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
    Column("contact_url", "Punkt kontaktowy – strona WWW", "Contact point – web page"),
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


Translate = Callable[[str], str]


def _same_text(text: str) -> str:
    return text


def read_table(filename: str, content: bytes, translate: Translate = _same_text) -> list[list[Any]]:
    """Rows of cells (header first) from an XLSX or CSV file, trailing empty cells and rows left out.

    Read lazily and bounded whatever the file declares: at most MAX_ROWS rows after the header and
    MAX_COLUMNS columns (a longer or wider file is refused), an XLSX's declared dimension ignored.
    """
    return list(iter_table(filename, content, translate))


def iter_table(filename: str, content: bytes, translate: Translate = _same_text) -> Iterator[list[Any]]:
    """``read_table``'s rows one by one, read from the file as they are asked for (a long file is never held
    as a table); the limits are checked as the rows come, so a refusal may come after the first rows."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _bounded(_xlsx_rows(content, translate), translate, last=EXCEL_ROWS)
    if name.endswith((".csv", ".txt")):
        return _csv_rows(content, translate)
    raise QuestionnaireError(translate("use an .xlsx or .csv file"))


def _bounded(rows: Iterable[tuple[Any, ...] | list[Any]], translate: Translate,
             last: int | None = None) -> Iterator[list[Any]]:
    """The rows as lists, each cut after its last value; refused when longer or wider than the limits.
    Below row MAX_ROWS + 1 only emptiness is checked, up to row ``last``. Empty rows are held back (as a count)
    until a row with a value follows them: trailing ones are left out."""
    held = 0
    for position, cells in enumerate(rows, start=1):
        width = len(cells) if cells.count(None) < len(cells) else 0  # count: fast on the gaps' padding
        while width and _blank(cells[width - 1]):
            width -= 1
        if width > MAX_COLUMNS:
            raise QuestionnaireError(translate("more than %s columns (row %s)") % (MAX_COLUMNS, position))
        if position > MAX_ROWS + 1:
            if width:
                raise QuestionnaireError(translate("more than %s rows") % MAX_ROWS)
            if last is not None and position >= last:
                break
            continue
        if not width:
            held += 1
            continue
        for _ in range(held):
            yield []
        held = 0
        yield list(cells[:width])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _xlsx_rows(content: bytes, translate: Translate) -> Iterator[tuple[Any, ...]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise QuestionnaireError(translate("not a readable XLSX file (%s)") % error.__class__.__name__) from error
    if unpacked > MAX_UNPACKED_BYTES:  # zipfile never unpacks more than an entry declares
        raise QuestionnaireError(translate("the XLSX file unpacks to more than %s MB") % (MAX_UNPACKED_BYTES >> 20))
    try:
        # data_only=False: a formula is read as its text ("=A1+1"), never as a value some program computed
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise QuestionnaireError(translate("not a readable XLSX file (%s)") % error.__class__.__name__) from error
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared <dimension> (up to A1:XFD1048576) would pad every row
        yield from sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
    except Exception as error:
        raise QuestionnaireError(translate("not a readable XLSX file (%s)") % error.__class__.__name__) from error
    finally:
        workbook.close()


def _csv_rows(content: bytes, translate: Translate) -> Iterator[list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or Windows-1250: the first of
    these that decodes the whole file (checked piecewise, keeping nothing) is the one the rows are read in."""
    if content.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif b"\x00" in content:
        encodings = []  # UTF-16 without its mark, or not text at all
    else:
        encodings = ["utf-8", "cp1250"]  # cp1250: Polish Windows Excel's "CSV"
    encoding = next((name for name in encodings if _decodes(content, name)), None)
    if encoding is None:
        raise QuestionnaireError(translate("the file is not text in UTF-8 or Windows-1250"))
    return _csv_checked(content, encoding, translate)


def _decodes(content: bytes, encoding: str, piece: int = 2 ** 16) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(content), piece):
            decoder.decode(content[start:start + piece])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_checked(content: bytes, encoding: str, translate: Translate) -> Iterator[list[str]]:
    try:
        yield from _bounded(_csv_lines(content, encoding), translate)
    except csv.Error as error:
        raise QuestionnaireError(translate("not a readable CSV file (%s)") % error) from error


def _csv_lines(content: bytes, encoding: str) -> Iterator[list[str]]:
    with io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="") as text:
        first = text.readline()
        try:  # only the separator is guessed (from the header): quoting is Excel's, "" inside quotes included
            delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
        except csv.Error:
            delimiter = ","
        yield from csv.reader(itertools.chain([first], text), csv.excel, delimiter=delimiter)


@dataclass(slots=True)
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
    # the export quotes text a spreadsheet would take for a formula; that one quote is not part of the value
    return spreadsheet_text(str(value).strip()).strip()


def parse_rows(table: Iterable[list[Any]], translate: Translate = _same_text) -> Iterator[Row]:
    """Dataset dicts (only the columns present) from the rows of a table (header first), as they come."""
    cells_of = iter(table)
    header_row = next(cells_of, None)
    if header_row is None:
        raise QuestionnaireError(translate("the file is empty"))
    columns = _columns(header_row)
    index = VocabularyIndex()
    for offset, cells in enumerate(cells_of, start=2):
        if offset - 1 > MAX_ROWS:
            raise QuestionnaireError(translate("more than %s rows") % MAX_ROWS)
        texts = {columns[i].key: _cell(v) for i, v in enumerate(cells) if i in columns}
        beyond = [i for i, v in enumerate(cells) if i not in columns and _cell(v)]
        if not any(texts.values()) and not beyond:
            continue
        row = Row(offset, {})
        for i in beyond:  # in a CSV, most often a separator inside an unquoted cell
            row.error(get_column_letter(i + 1),
                      translate("A value in a column without a header (a separator inside an unquoted cell?): %s")
                      % _cell(cells[i]))
        for key, text in texts.items():
            _read_cell(row, COLUMN_BY_KEY[key], text, index, translate)
        if not row.data.get("identifier"):
            row.error("identifier", translate("Missing value"))
        if "title" in row.data and not row.data["title"]:  # CKAN would put the URL name in an empty title
            row.error("title", translate("Missing value"))
        _pseudo_columns(row.data)
        yield row


def _read_cell(row: Row, column: Column, text: str, index: VocabularyIndex, translate: Translate) -> None:
    key = column.key
    if looks_mis_encoded(text):
        row.error(key, translate("The text looks wrongly encoded (save the file as UTF-8): %s") % text)
    if column.vocabulary and text:
        parts = [p for p in (s.strip() for s in text.split(MULTI_SEPARATOR)) if p] if column.multiple else [text]
        values = []
        for part in parts:
            value = index.value(column, part)
            if value is None:
                row.error(key, translate("Not a value of the list: %s") % part)
            values.append(value)
        row.data[key] = values if column.multiple else values[0]
    else:
        row.data[key] = [] if column.multiple and not text else text


CONTACT_PARTS = {"contact_name": "name", "contact_email": "email", "contact_url": "url"}


def _pseudo_columns(data: dict[str, Any]) -> None:
    # several contact points: the n-th value of each contact column (separated by ";") is the n-th contact
    given = {part: [p.strip() for p in (data.pop(key) or "").split(MULTI_SEPARATOR)]
             for key, part in CONTACT_PARTS.items() if key in data}
    if given:
        count = max(len(values) for values in given.values())
        contacts = [{"name": "", "email": "", **{part: values[n] if n < len(values) else ""
                                                 for part, values in given.items()}} for n in range(count)]
        data["contact"] = [c for c in contacts if any(c.values())]
    start, end = data.pop("temporal_start", None), data.pop("temporal_end", None)
    if start is not None or end is not None:
        data["temporal_coverage"] = [{"start": start or "", "end": end or ""}] if (start or end) else []
    url, fmt = data.pop("resource_url", None), data.pop("resource_format", None)
    if url is not None or fmt is not None:
        data["__resource"] = {"url": url or "", "format": fmt or ""}


# ---------------------------------------------------------------------- writing

def _joined(items: list[dict], key: str) -> str:
    """One value per contact point, in order, separated by "; " (an empty value keeps its place)."""
    return f"{MULTI_SEPARATOR} ".join((item.get(key) or "").strip() for item in items).strip()


def row_from_dataset(dataset: dict[str, Any], index: VocabularyIndex, orgs: dict[str, str]) -> list[str]:
    contacts = [c for c in dataset.get("contact") or [] if isinstance(c, dict)]
    temporal = (dataset.get("temporal_coverage") or [{}])[0]
    resource = (dataset.get("resources") or [{}])[0]
    values = {
        **{key: dataset.get(key) for key in ROW_FIELDS},
        "owner_org": orgs.get(dataset.get("owner_org") or "", ""),
        "tag_string": ",".join(sorted(t["name"] for t in dataset.get("tags", []))),
        **{key: _joined(contacts, part) for key, part in CONTACT_PARTS.items()},
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
        # text only, never a formula: a title "=HYPERLINK(...)" is written as '=HYPERLINK(...) in a text cell
        sheet.append([spreadsheet_safe(value) for value in row_from_dataset(dataset, index, orgs)])
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
