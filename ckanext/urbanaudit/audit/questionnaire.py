"""The department questionnaire of a reporting year: one XLSX per city, year and department with only that
department's indicators (the campaign's items whose department is it), written and read back.

One row is one indicator. A ratio indicator (``inputs.py``) is answered with a numerator and a denominator (the
system computes the ratio, not the person); any other with one value. The cells a row does not use read "—" on
grey and are locked (the sheet is protected without a password: only the answer cells are editable). Beside
them: code, name, unit, definition, scale, the labels of the numerator and denominator, the published values of
the three previous years (the preferred source of each year, ``indicators/sources.py``), flags, source and
comment, and a hidden column with the code the import matches rows by.

Headers read "Polish label [key]" (the key in brackets is what counts, as in the inventory questionnaire), with
the English labels in a second header line. Reading uses the inventory questionnaire's reader and limits
(``inventory/questionnaire.py``: ``read_table``), so XLSX and CSV are accepted alike; the action
``urbanaudit_questionnaire_import`` (``questionnaire_actions.py``) checks and stores the rows.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import Context
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from ckanext.urbanaudit.audit import campaign as audit_campaign
from ckanext.urbanaudit.audit import inputs as audit_inputs
from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.audit.model import Campaign, CampaignItem, Submission
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import sources, store, visibility
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue
from ckanext.urbanaudit.inventory.questionnaire import QuestionnaireError, Translate, read_table
from ckanext.urbanaudit.utils import spreadsheet_safe, spreadsheet_text

SHEET = "Ankieta"
UNUSED = "—"  # the mark of a cell the row does not use
PREVIOUS_YEARS = 3
# flags a department may set, with the words accepted for them in a cell (several separated by ";")
FLAGS: dict[str, tuple[str, ...]] = {
    "provisional": ("provisional", "wstępna", "wstępne", "wstępny"),
    "estimated": ("estimated", "szacunkowa", "szacunkowe", "szacunkowy", "oszacowana"),
    "partial": ("partial", "niepełna", "niepełne", "niepełny", "częściowa", "częściowe"),
    # invented for a demonstration (the demo's reporting year): shown as such on every page with the value
    "synthetic": ("synthetic", "syntetyczna", "syntetyczne", "syntetyczny"),
}
FLAG_WORDS = {word: flag for flag, words in FLAGS.items() for word in words}
FLAG_LABELS = {"provisional": ("wstępna", "provisional"), "estimated": ("szacunkowa", "estimated"),
               "partial": ("niepełna", "partial"), "synthetic": ("syntetyczna", "synthetic")}
GREY = PatternFill("solid", fgColor="E7E6E6")
INPUT = PatternFill("solid", fgColor="FFF2CC")
HEAD = PatternFill("solid", fgColor="DDEBF7")
PUBLISHED = re.compile(r"^published_(\d{4})$")


@dataclass(frozen=True)
class Column:
    key: str
    pl: str
    en: str
    answer: bool = False  # a cell the department fills in (unlocked)
    width: int = 16


FIXED_BEFORE: tuple[Column, ...] = (
    Column("code", "Kod wskaźnika", "Indicator code", width=20),
    Column("name", "Nazwa wskaźnika", "Indicator name", width=40),
    Column("unit", "Jednostka", "Unit", answer=True, width=18),
    Column("definition", "Definicja", "Definition", width=40),
    Column("scale", "Mnożnik", "Scale", width=10),
    Column("numerator_label", "Licznik – co podać", "Numerator – what to give", width=32),
    Column("numerator", "Licznik", "Numerator", answer=True),
    Column("denominator_label", "Mianownik – co podać", "Denominator – what to give", width=32),
    Column("denominator", "Mianownik", "Denominator", answer=True),
    Column("value", "Wartość", "Value", answer=True),
)
FIXED_AFTER: tuple[Column, ...] = (
    Column("flags", "Oznaczenia (wstępna; szacunkowa; niepełna)", "Flags (provisional; estimated; partial)",
           answer=True, width=22),
    Column("source_note", "Źródło danych", "Source of the data", answer=True, width=30),
    Column("comment", "Komentarz", "Comment", answer=True, width=30),
    Column("key", "Klucz wiersza – nie zmieniać", "Row key – do not change", width=20),
)
ANSWERS = ("unit", "numerator", "denominator", "value", "flags", "source_note", "comment")
FILLED = ("numerator", "denominator", "value", "flags", "source_note", "comment")  # unit is prefilled


def columns(year: int) -> list[Column]:
    published = [Column(f"published_{y}", f"Wartość opublikowana {y}", f"Published value {y}", width=14)
                 for y in range(year - PREVIOUS_YEARS, year)]
    return [*FIXED_BEFORE, *published, *FIXED_AFTER]


def header(column: Column) -> str:
    return f"{column.pl} [{column.key}]"


KNOWN = {c.key: c for c in (*FIXED_BEFORE, *FIXED_AFTER)}


def column_of(key: str) -> Column | None:
    match = PUBLISHED.match(key)
    if match:
        year = match.group(1)
        return Column(key, f"Wartość opublikowana {year}", f"Published value {year}")
    return KNOWN.get(key)


# ------------------------------------------------------------------------------------------- what is asked

def may_answer_for(user: str | None, department: str | None) -> bool:
    """Whether ``user`` may fill in the questionnaire of ``department`` (name or id): analysts, and editors
    (``create_dataset``) of the department."""
    if not user:
        return False
    if team.is_analyst(user):
        return True
    org = model.Group.get(department) if department else None
    return (org is not None and org.is_organization and org.state == "active"
            and authz.has_user_permission_for_group_or_org(org.id, user, "create_dataset"))


def department_items(city: City, year: int, department_id: str) -> tuple[Campaign, dict[str, CampaignItem]]:
    """The open reporting year and its items answered by ``department_id``, by indicator code; ObjectNotFound
    when the year is not open."""
    camp = audit_campaign.campaign_or_404(city, year)
    if camp.status != "open":
        raise tk.ObjectNotFound(tk._("The reporting year {year} of this city is not open.").format(year=year))
    items = model.Session.query(CampaignItem).filter_by(campaign_id=camp.id, department_id=department_id).order_by(
        CampaignItem.id)
    return camp, {item.indicator_code: item for item in items}


def published(city: City, code: str, year: int) -> dict[str, float]:
    """The published values of the years before ``year`` (the preferred source of each), by period."""
    best: dict[str, dict] = {}
    for row in store.series(code, cities=[city.teryt], period_from=str(year - PREVIOUS_YEARS),
                            period_to=str(year - 1)):
        if row["value"] is not None and sources.preferred(best.get(row["period"]), row):
            best[row["period"]] = row
    return {period: row["value"] for period, row in best.items()}


def ordered(codes: list[str]) -> list[Indicator]:
    def clause(ind: Indicator) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.:]", ind.number or "")), ind.code

    cat = catalogue()
    return sorted((cat.get(code) for code in codes if cat.get(code) is not None), key=clause)


# ------------------------------------------------------------------------------------------------ writing

def _answer_cells(spec: audit_inputs.Inputs, sub: Submission | None) -> dict[str, Any]:
    def num(value: Decimal | None) -> Any:
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)

    if spec.ratio:
        return {"numerator": num(sub.numerator) if sub else None,
                "denominator": num(sub.denominator) if sub else None, "value": UNUSED}
    return {"numerator": UNUSED, "denominator": UNUSED, "value": num(sub.value) if sub else None}


def row_values(city: City, year: int, ind: Indicator, sub: Submission | None) -> dict[str, Any]:
    spec = audit_inputs.for_indicator(ind)
    values: dict[str, Any] = {
        "code": ind.code, "name": ind.name.get("pl") or ind.name.get("en") or "", "unit": ind.unit,
        "definition": ind.definition.get("pl") or ind.definition.get("en") or "",
        "scale": spec.scale if spec.ratio else UNUSED,
        "numerator_label": f"{spec.numerator['pl']} / {spec.numerator['en']}" if spec.ratio else UNUSED,
        "denominator_label": f"{spec.denominator['pl']} / {spec.denominator['en']}" if spec.ratio else UNUSED,
        **_answer_cells(spec, sub), "key": ind.code,
    }
    if sub is not None:
        values.update({"unit": sub.unit or ind.unit, "source_note": sub.source_note, "comment": sub.comment,
                       "flags": "; ".join(FLAG_LABELS.get(f, (f,))[0] for f in sub.flags or [])})
    for period, value in published(city, ind.code, year).items():
        values[f"published_{period}"] = value
    return values


def _style_header(sheet: Any, cols: list[Column]) -> None:
    sheet.append([header(c) for c in cols])
    sheet.append([c.en for c in cols])
    for row in (1, 2):
        for cell in sheet[row]:
            cell.font = Font(bold=row == 1, italic=row == 2)
            cell.fill = HEAD
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C3"
    for position, column in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.column_dimensions[get_column_letter(len(cols))].hidden = True  # the row key


def workbook(city: City, year: int, department: model.Group, codes: list[str]) -> bytes:
    """The questionnaire of ``department`` for ``codes`` (the department's items of the year) as XLSX."""
    cols = columns(year)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _style_header(sheet, cols)
    subs = {s.indicator_code: s for s in model.Session.query(Submission).filter(
        Submission.city_teryt == city.teryt, Submission.period == str(year), Submission.indicator_code.in_(codes))}
    for ind in ordered(codes):
        values = row_values(city, year, ind, subs.get(ind.code))
        sheet.append([spreadsheet_safe(values.get(c.key)) for c in cols])
        for position, column in enumerate(cols, start=1):
            cell = sheet.cell(row=sheet.max_row, column=position)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.value == UNUSED:
                cell.fill = GREY
            elif column.answer:
                cell.fill = INPUT
                cell.protection = Protection(locked=False)
    sheet.protection.sheet = True  # no password: it keeps the fixed cells from being overwritten by mistake
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    guide = book.create_sheet("Instrukcja")
    for line in (
        f"Miasto / city: {city.name} ({city.teryt}); rok sprawozdawczy / reporting year: {year}; "
        f"wydział / department: {department.title or department.name} ({department.name})",
        "Jeden wiersz = jeden wskaźnik. Dla wskaźników będących ilorazem podaj licznik i mianownik – system "
        "obliczy wartość (licznik / mianownik × mnożnik). Dla pozostałych podaj wartość. Komórki „—” nie są "
        "używane. Wiersze pozostawione puste są pomijane.",
        "Liczby bez jednostek; część dziesiętną oddziel przecinkiem lub kropką. Oznaczenia: wstępna, szacunkowa, "
        "niepełna (kilka rozdziel średnikiem). Nie zmieniaj kolumny klucza (ukrytej) ani kolejności nagłówków.",
        "One row = one indicator. For a ratio give the numerator and the denominator: the system computes the "
        "value (numerator / denominator × scale); for any other indicator give the value. Cells marked '—' are "
        "not used; rows left empty are skipped. Flags: provisional, estimated, partial (separate with ';').",
        "Wartości opublikowane z poprzednich lat służą do porównania; zmiana większa niż próg wskaźnika (domyślnie "
        "±30 %) daje ostrzeżenie, które trzeba potwierdzić przy wysyłce. / The published values of earlier years "
        "are for reference; a change beyond the indicator's threshold gives a warning to acknowledge on upload.",
    ):
        guide.append([spreadsheet_safe(line)])
    guide.column_dimensions["A"].width = 140
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_workbook(context: Context, city: City, year: int, department: model.Group) -> bytes:
    """The department's questionnaire for the caller (who may submit for that department)."""
    tk.check_access("urbanaudit_questionnaire_export", context, {"city": city.teryt, "year": year,
                                                                  "department": department.id})
    _, items = department_items(city, year, department.id)
    seen = visibility.for_context(context)
    return workbook(city, year, department, [code for code in items if not seen.is_hidden(code)])


# ------------------------------------------------------------------------------------------------ reading

@dataclass
class Row:
    number: int                                    # spreadsheet row number (the header is row 1)
    texts: dict[str, str]
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.texts.get("key") or self.texts.get("code") or ""

    def error(self, key: str, message: str) -> None:
        column = column_of(key)
        self.errors.append({"row": str(self.number), "column": header(column) if column else key, "field": key,
                            "indicator_code": self.code, "message": message})


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _columns(first: list[Any], translate: Translate) -> dict[int, str]:
    by_text = {_normal(t): c.key for c in KNOWN.values() for t in (c.key, c.pl, c.en, header(c))}
    found, unknown = {}, []
    for index, cell in enumerate(first):
        text = str(cell or "").strip()
        if not text:
            continue
        match = re.search(r"\[([a-z0-9_]+)\]\s*$", text)
        key = match.group(1) if match else by_text.get(_normal(text))
        if key is None or column_of(key) is None:
            unknown.append(text)
        else:
            found[index] = key
    if unknown:
        raise QuestionnaireError(translate("unknown columns: %s") % ", ".join(unknown))
    if not {"code", "key"} & set(found.values()):
        raise QuestionnaireError(translate("the header must have the column of the indicator code"))
    return found


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = spreadsheet_text(str(value).strip()).strip()
    return "" if text == UNUSED else text


def parse_rows(table: list[list[Any]], translate: Translate) -> Iterator[Row]:
    """The non-empty rows of a questionnaire table (header first; an English header line after it is
    skipped). A row whose answer cells are all empty is left out."""
    if not table:
        raise QuestionnaireError(translate("the file is empty"))
    found = _columns(table[0], translate)
    start = 1
    if len(table) > 1:
        second = {found[i]: str(v or "").strip() for i, v in enumerate(table[1]) if i in found}
        if any(column_of(k) and text == column_of(k).en for k, text in second.items() if text):
            start = 2
    for offset, cells in enumerate(table[start:], start=start + 1):
        texts = {found[i]: cell_text(v) for i, v in enumerate(cells) if i in found}
        if not any(texts.get(key) for key in FILLED):
            continue
        yield Row(offset, texts)


def number(text: str) -> Decimal | None:
    """A number as a department writes it: ``1 234,5``, ``1234.5``, ``12%`` not accepted (no units)."""
    if not text:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", cleaned):  # 1.234,5
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def flags(text: str) -> list[str]:
    """The flags of a cell (Polish or English words, separated by ';' or ','); ValueError naming an unknown one."""
    out = []
    for part in re.split(r"[;,]", text or ""):
        word = part.strip().casefold()
        if not word:
            continue
        if word not in FLAG_WORDS:
            raise ValueError(part.strip())
        out.append(FLAG_WORDS[word])
    return sorted(set(out))


def read(filename: str, content: bytes, translate: Translate) -> list[Row]:
    """The rows of an uploaded questionnaire, read as the inventory questionnaire is read (same limits)."""
    return list(parse_rows(read_table(filename, content, translate), translate))
