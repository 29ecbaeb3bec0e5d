"""Who answers for what, as a file: the columns ``indicator_code``, ``department``, ``responsible``,
``source_kind``, ``source_ref``, ``due`` in an XLSX or CSV file, read with the inventory questionnaire's reader
and within its limits (``inventory.questionnaire.read_table``, ``inventory.max_upload_bytes``). The rows are
stored through ``urbanaudit_assignment_set``: all or nothing, errors named by row (the header is row 1) and
column. The same columns are written back as CSV (cells made safe against formula injection)."""
from __future__ import annotations

import csv
import io
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.inventory import questionnaire as q
from ckanext.urbanaudit.utils import spreadsheet_safe, spreadsheet_text

COLUMNS = ("indicator_code", "department", "responsible", "source_kind", "source_ref", "due")
# fields of the action's errors -> the file's column
FIELD_COLUMN = {"department_id": "department", "responsible_id": "responsible"}


class FileError(tk.ValidationError):
    """The file as a whole or some of its rows are wrong: ``error_dict["upload"]`` says why, and
    ``rows`` lists ``{row, column, message}``."""

    def __init__(self, message: str | None = None, rows: list[dict[str, str]] | None = None) -> None:
        self.rows = rows or []
        errors = [message] if message else [tk._("Row {row}, column {column}: {message}").format(**r)
                                            for r in self.rows]
        super().__init__({"upload": errors})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.strftime("%m-%d")  # a due day a spreadsheet turned into a date
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return spreadsheet_text(str(value).strip()).strip()


def read(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, {column: text}); blank rows left out."""
    if len(content) > config.inventory_max_upload_bytes():
        raise FileError(tk._("The file is larger than the limit of %s MB")
                        % f"{config.inventory_max_upload_bytes() / 2**20:g}")
    try:
        table = q.read_table(filename, content, tk._)
    except q.QuestionnaireError as error:
        raise FileError(tk._("The file cannot be read: %s") % error) from error
    if not table:
        raise FileError(tk._("The file is empty."))
    header = [_cell(c).lower() for c in table[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FileError(tk._("Unknown columns: {names}. The columns are: {columns}.").format(
            names=", ".join(unknown), columns=", ".join(COLUMNS)))
    if "indicator_code" not in header:
        raise FileError(tk._("The file needs the column indicator_code."))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        data = {key: _cell(cells[i]) if i < len(cells) else "" for i, key in enumerate(header) if key}
        if any(data.values()):
            rows.append((number, data))
    if not rows:
        raise FileError(tk._("The file has no rows below its header."))
    return rows


def _row_errors(rows: list[tuple[int, dict]], error: tk.ValidationError) -> list[dict[str, str]]:
    found = error.error_dict.get("assignments")
    if not isinstance(found, dict):
        return [{"row": "-", "column": "-", "message": "; ".join(str(m) for m in (found or error.error_dict))}]
    out = []
    for index, fields in sorted(found.items(), key=lambda kv: int(kv[0])):
        number = rows[int(index)][0]
        for field, messages in fields.items():
            for text in messages if isinstance(messages, list) else [messages]:
                out.append({"row": str(number), "column": FIELD_COLUMN.get(field, field).lstrip("_"),
                            "message": str(text)})
    return out


def apply(context: dict[str, Any], city: str, filename: str, content: bytes) -> dict[str, int]:
    """Store the file's assignments for ``city`` through ``urbanaudit_assignment_set`` (all or nothing)."""
    rows = read(filename, content)
    items = [{k: v or None for k, v in data.items()} for _number, data in rows]
    for item in items:
        item["source_kind"] = item.get("source_kind") or "department"
    try:
        return tk.get_action("urbanaudit_assignment_set")(dict(context), {"city": city, "assignments": items})
    except tk.ValidationError as error:
        if "assignments" not in error.error_dict:
            raise
        raise FileError(rows=_row_errors(rows, error)) from error


def _names(table: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    org_ids = {r["department_id"] for r in table if r["department_id"]}
    user_ids = {r["responsible_id"] for r in table if r["responsible_id"]}
    orgs = dict(model.Session.query(model.Group.id, model.Group.name).filter(model.Group.id.in_(org_ids))) \
        if org_ids else {}
    users = dict(model.Session.query(model.User.id, model.User.name).filter(model.User.id.in_(user_ids))) \
        if user_ids else {}
    return orgs, users


def with_names(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``urbanaudit_assignment_list`` with the department's and the person's URL names and titles."""
    orgs, users = _names(table)
    titles = dict(model.Session.query(model.Group.id, model.Group.title).filter(model.Group.id.in_(list(orgs)))) \
        if orgs else {}
    people = dict(model.Session.query(model.User.id, model.User.fullname).filter(model.User.id.in_(list(users)))) \
        if users else {}
    return [{**r, "department": orgs.get(r["department_id"]), "department_title": titles.get(r["department_id"]),
             "responsible": users.get(r["responsible_id"]), "responsible_name": people.get(r["responsible_id"])}
            for r in table]


def to_csv(table: list[dict[str, Any]]) -> str:
    """The table as CSV in the upload's columns (UTF-8 with BOM, so spreadsheets read the Polish letters)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in with_names(table):
        writer.writerow([spreadsheet_safe(row.get(key) or "") for key in COLUMNS])
    return "\ufeff" + buffer.getvalue()
