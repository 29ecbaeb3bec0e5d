"""Content checks of a tabular resource: what a reader of the file will stumble on, found by the frictionless
library (header, blank and duplicate rows, cells beyond or missing from the header, values not of their
column's type, and the Table Schema's constraints when the steward attached one) plus two checks of our own
(the encoding is UTF-8; how many values each column is missing).

Every problem names its row (the line of the file, the header being line 1, as a spreadsheet numbers it) and
its column, with a message id and parameters translated where it is shown. The contents score (0-100) starts
at 100 and loses the points of each kind of problem found once (:data:`DEDUCTIONS`), so a file is not scored
by its length; it is the quality score's "contents" part, kept apart from the MQA-compatible points.
"""
from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import frictionless
import numpy as np
from frictionless import Checklist, Detector, Dialect, Resource, Schema

from ckanext.urbanaudit.quality.metrics import N_

MAX_LISTED = 200  # problems listed in a report, and of each kind at most this many
MISSING_SHARE = 0.05  # a column missing more than this share of its values is a problem
# points lost, once per kind of problem found (documented in README.md "Quality score: contents")
DEDUCTIONS = {
    "encoding": 15,
    "header": 20,
    "blank-row": 10,
    "duplicate-row": 10,
    "structure": 20,
    "type": 20,
    "schema": 20,
    "missing-values": 10,
    "geojson": 50,
    "outside": 30,
}
KIND_LABELS = {
    "encoding": N_("encoding"), "header": N_("header"), "blank-row": N_("blank rows"),
    "duplicate-row": N_("duplicate rows"), "structure": N_("row length"), "type": N_("values of the wrong type"),
    "schema": N_("Table Schema"), "missing-values": N_("missing values"),
    "geojson": N_("not GeoJSON"), "outside": N_("outside the data set's area"),
}
KIND = {  # frictionless error types -> our kinds
    "duplicate-label": "header", "blank-label": "header", "missing-label": "header", "incorrect-label": "header",
    "blank-row": "blank-row", "duplicate-row": "duplicate-row",
    "extra-cell": "structure", "missing-cell": "structure",
    "type-error": "type",
    "constraint-error": "schema", "unique-error": "schema", "primary-key": "schema", "foreign-key": "schema",
    "required-error": "schema",
}
TYPE_NAMES = {"integer": N_("a whole number"), "number": N_("a number"), "date": N_("a date"),
              "datetime": N_("a date and time"), "year": N_("a year"), "boolean": N_("a yes/no value")}
MESSAGES = {
    "encoding": N_("The file is encoded as %(encoding)s, not UTF-8: Polish letters may show wrongly."),
    "duplicate-label": N_("Column %(position)s: the header “%(label)s” repeats the header of column %(other)s."),
    "blank-label": N_("Column %(position)s has no header."),
    "missing-label": N_("Column %(position)s has no header."),
    "incorrect-label": N_("Column %(position)s: the header “%(label)s” is not the schema's “%(expected)s”."),
    "blank-row": N_("Row %(row)s is blank."),
    "duplicate-row": N_("Row %(row)s repeats row %(other)s."),
    "extra-cell": N_("Row %(row)s, column %(position)s: a value beyond the header (“%(value)s”)."),
    "missing-cell": N_("Row %(row)s has no value for column “%(column)s” (the row is shorter than the header)."),
    "type-error": N_("Row %(row)s, column “%(column)s”: “%(value)s” is not %(type)s like the column's other "
                     "values."),
    "schema": N_("Row %(row)s, column “%(column)s”: “%(value)s” breaks the Table Schema (%(note)s)."),
    "missing-values": N_("Column “%(column)s”: %(missing)s of %(rows)s values are missing (rows %(where)s)."),
    "other": N_("%(note)s"),
    "geojson-json": N_("The file is not JSON: %(error)s"),
    "geojson-type": N_("The file is JSON but not GeoJSON (no FeatureCollection, Feature or geometry)."),
    "geojson-feature": N_("Feature %(row)s is not a GeoJSON feature with a geometry."),
    "geojson-coordinates": N_("Feature %(row)s has no coordinates."),
    "geojson-range": N_("Feature %(row)s has coordinates outside longitude -180…180 / latitude -90…90 "
                        "(swapped or not in degrees?)."),
    "geojson-outside": N_("Feature %(row)s lies outside the data set's area (%(box)s)."),
}
_OTHER_ROW = re.compile(r'(\d+)"?\s*$')
_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ \u00a0]\d{3})+|\d+)([.,]\d+)?$")
NUMERIC_SHARE = 0.8  # a column is numeric when at least this share of its filled values are numbers


def problem(kind: str, message_id: str, **params: Any) -> dict:
    return {"kind": kind, "message": MESSAGES[message_id], "row": params.get("row"),
            "column": params.get("column") or params.get("position"), "params": params}


def _rows_text(rows: list[int], count: int, limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f", … (+{count - limit})" if count > limit else "")


def _from_error(error: Any) -> dict | None:  # noqa: PLR0911
    kind = KIND.get(error.type)
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None)
    position = getattr(error, "field_number", None)
    value = getattr(error, "cell", None)
    note = getattr(error, "note", "") or ""
    if error.type == "duplicate-label":
        labels = list(getattr(error, "labels", []) or [])
        label = getattr(error, "label", "")
        other = labels.index(label) + 1 if label in labels else "?"
        return problem(kind, error.type, position=position, label=label, other=other)
    if error.type in ("blank-label", "missing-label"):
        return problem(kind, error.type, position=position)
    if error.type == "incorrect-label":
        return problem(kind, error.type, position=position, label=getattr(error, "label", ""), expected=column)
    if error.type == "blank-row":
        return problem(kind, error.type, row=row)
    if error.type == "duplicate-row":
        match = _OTHER_ROW.search(note)
        return problem(kind, error.type, row=row, other=match.group(1) if match else "?")
    if error.type == "extra-cell":
        return problem(kind, error.type, row=row, position=position, value=value)
    if error.type == "missing-cell":
        return problem(kind, error.type, row=row, column=column)
    if error.type == "type-error":
        field_type = note.split('"')[1] if note.count('"') >= 2 else ""  # 'type is "integer/default"'
        field_type = field_type.split("/", 1)[0]
        return problem(kind, error.type, row=row, column=column, value=value,
                       type=TYPE_NAMES.get(field_type, field_type))
    if kind == "schema":
        return problem(kind, "schema", row=row, column=column, value=value, note=note)
    if kind is None and error.type not in ("source-error", "scheme-error", "format-error", "encoding-error",
                                           "hash-count", "byte-count", "field-count", "row-count"):
        return None
    return problem("structure", "other", row=row, column=column, note=error.message)


def is_number(value: str) -> bool:
    """A number as Polish and English files write it: 1250, -3.5, 1250,50, 1 250 000,5."""
    return bool(_NUMBER.match(value.strip()))


def _repeated_rows(digests: array, numbers: array) -> list[dict]:
    """The rows equal to an earlier one (same 64-bit digest of their cells), each named with the first of them;
    the first :data:`MAX_LISTED` in file order."""
    if not digests:
        return []
    keys = np.frombuffer(digests, dtype=np.uint64)
    rows = np.frombuffer(numbers, dtype=np.uint32 if numbers.itemsize == 4 else np.uint64)
    order = np.argsort(keys, kind="stable")  # equal rows stay in file order
    ordered = keys[order]
    starts_run = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    first_of_run = rows[order[np.nonzero(starts_run)[0]]]
    run = np.cumsum(starts_run) - 1
    repeated, original = rows[order[~starts_run]], first_of_run[run[~starts_run]]
    listed = np.argsort(repeated, kind="stable")[:MAX_LISTED]
    return [problem("duplicate-row", "duplicate-row", row=int(repeated[i]), other=int(original[i]))
            for i in listed.tolist()]


def _column_pass(resource: Resource, blank_rows: set[int], limit_rows: int, check_types: bool) -> list[dict]:
    """Per column, the rows with no value (blank rows aside) and, where the table has no Table Schema, the
    values that are not numbers in a column whose values are numbers (at least :data:`NUMERIC_SHARE` of them).

    Memory stays flat with the file's length: per column two counts and at most :data:`MAX_LISTED` rows of each
    kind are kept (a report lists no more)."""
    names = [f.name for f in resource.schema.fields]
    empty: dict[str, list[int]] = {n: [] for n in names}
    empty_count = dict.fromkeys(names, 0)
    text: dict[str, list[tuple[int, str]]] = {n: [] for n in names}
    text_count = dict.fromkeys(names, 0)
    digests, numbers = array("Q"), array("L")  # 12 bytes a row: what finding repeated rows keeps
    total = 0
    with Resource(path=resource.path, basepath=resource.basepath, detector=Detector(field_type="any"),
                  encoding=resource.encoding, dialect=resource.dialect, format=resource.format) as raw:
        for row in raw.row_stream:
            if row.row_number in blank_rows:
                continue
            total += 1
            cells = [row.get(name) for name in names]
            digests.append(int.from_bytes(hashlib.blake2b("\x1f".join(map(str, cells)).encode(),
                                                          digest_size=8).digest(), "big"))
            numbers.append(row.row_number)
            for name, value in zip(names, cells, strict=True):
                if value is None or str(value).strip() == "":
                    empty_count[name] += 1
                    if len(empty[name]) < MAX_LISTED:
                        empty[name].append(row.row_number)
                elif check_types and not is_number(str(value)):
                    text_count[name] += 1
                    if len(text[name]) < MAX_LISTED:
                        text[name].append((row.row_number, str(value)))
            if total >= limit_rows:
                break
    found = _repeated_rows(digests, numbers)
    for name in names:
        filled = total - empty_count[name]
        if check_types and filled and text_count[name] and (filled - text_count[name]) / filled >= NUMERIC_SHARE:
            found.extend(problem("type", "type-error", row=row, column=name, value=value, type=TYPE_NAMES["number"])
                         for row, value in text[name])
        if total and empty_count[name] / total > MISSING_SHARE:
            found.append(problem("missing-values", "missing-values", column=name, missing=empty_count[name],
                                 rows=total, where=_rows_text(empty[name], empty_count[name])))
    return found


def _delimiter(resource: Resource) -> str | None:
    if resource.format != "csv" or resource.dialect is None:
        return None
    try:
        return resource.dialect.get_control("csv").delimiter
    except frictionless.FrictionlessException:
        return None


def check_file(path: Path, *, table_schema: dict | None = None, limit_rows: int = 1_000_000) -> dict:
    """The content report of one CSV or XLSX file (see the module's docstring)."""
    options: dict[str, Any] = {"path": path.name, "basepath": str(path.parent),
                               "detector": Detector(sample_size=1000, field_confidence=0.8)}
    if path.suffix.lower() in (".csv", ".xlsx"):
        options["format"] = path.suffix.lower()[1:]
    if path.suffix.lower() == ".csv":
        options["dialect"] = Dialect(comment_char="#")  # a "# ..." line (e.g. a synthetic-data label) is a note
    if table_schema:
        options["schema"] = Schema.from_descriptor(table_schema)
    resource = Resource(**options)
    # repeated rows are found by the column pass (frictionless' own check keeps a 64-character hash per row)
    report = resource.validate(Checklist(), limit_rows=limit_rows, limit_errors=10_000)
    task = report.tasks[0] if report.tasks else None
    problems: list[dict] = []
    errors = list(task.errors if task else report.errors)
    blank_rows = {e.row_number for e in errors if e.type == "blank-row"}
    fatal = [e for e in errors if e.type in ("source-error", "scheme-error", "format-error", "encoding-error",
                                             "resource-error")]
    if fatal:
        return {"status": "failed", "error": fatal[0].message, "problems": [], "counts": {}, "score": 0,
                "deductions": {}}
    encoding = (resource.encoding or "utf-8").lower()
    if path.suffix.lower() != ".xlsx" and encoding.replace("_", "-") not in ("utf-8", "utf-8-sig", "ascii"):
        problems.append(problem("encoding", "encoding", encoding=resource.encoding))
    for error in errors:
        if error.type == "type-error" and not table_schema:
            continue  # frictionless' guessed types; the column pass checks numbers (see _column_pass)
        found = _from_error(error)
        if found:
            problems.append(found)
    problems.extend(_column_pass(resource, blank_rows, limit_rows, check_types=not table_schema))
    counts = Counter(p["kind"] for p in problems)
    deductions = {kind: DEDUCTIONS[kind] for kind in counts}
    return {
        "status": "checked",
        "encoding": resource.encoding,
        "delimiter": _delimiter(resource),
        "rows": (task.stats.get("rows") if task else None),
        "columns": [{"name": f.name, "type": f.type} for f in resource.schema.fields],
        "table_schema": bool(table_schema),
        "problems": problems[:MAX_LISTED],
        "counts": dict(counts),
        "deductions": deductions,
        "score": max(0, 100 - sum(deductions.values())),
        "frictionless": frictionless.__version__ if hasattr(frictionless, "__version__") else None,
    }
