"""The action of the department questionnaire: import (the workbook is written by ``questionnaire.py``).

Every filled row is checked as ``urbanaudit_value_submit`` checks a value — the same auth per row (asked once per
department and person answering), then ``workflow.submit`` with its inputs rule (numerator and denominator, zero
denominator) and plausibility warnings — in one transaction: a file with any error stores nothing, a file with
warnings stores nothing until the uploader acknowledges them, a dry run only reports (and rolls back).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator, ValidatorFactory

from ckanext.urbanaudit.audit import campaign as audit_campaign
from ckanext.urbanaudit.audit import inputs as audit_inputs
from ckanext.urbanaudit.audit import plausibility, questionnaire, team, workflow
from ckanext.urbanaudit.audit.model import CampaignItem
from ckanext.urbanaudit.audit.schema import MAX_TEXT, reporting_year
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import Indicator
from ckanext.urbanaudit.indicators.schema import city_teryt
from ckanext.urbanaudit.inventory.actions import _upload as read_upload
from ckanext.urbanaudit.inventory.questionnaire import QuestionnaireError


def _department(value: Any) -> str:
    """An active department (organization) given by name or id → its id."""
    org = model.Group.get(str(value).strip())
    if org is None or not org.is_organization or org.state != "active":
        raise tk.Invalid(tk._("No department {name}.").format(name=value))
    return org.id


@validator_args
def _import_schema(not_empty: Validator, default: ValidatorFactory, boolean_validator: Validator,
                  ignore: Validator) -> Schema:
    return {"city": [not_empty, city_teryt], "year": [not_empty, reporting_year],
            "department": [not_empty, _department], "acknowledge_warnings": [default(False), boolean_validator],
            "dry_run": [default(False), boolean_validator], "__extras": [ignore]}


@dataclass
class _Sheet:
    """What every row is checked against."""

    city: City
    year: int
    items: dict[str, CampaignItem]
    seen: visibility.Visibility
    user_context: dict[str, Any]
    allowed: dict[tuple[str | None, str | None], bool] = field(default_factory=dict)


@dataclass
class _Planned:
    row: questionnaire.Row
    spec: audit_inputs.Inputs
    entry: workflow.Entry


def _indicator(row: questionnaire.Row, sheet: _Sheet, first_row: dict[str, int]) -> Indicator | None:
    code = row.code
    if not code:
        row.error("code", tk._("Missing value"))
        return None
    ind = sheet.seen.indicator(code)
    if ind is None:
        row.error("code", tk._("Unknown indicator code: %s") % code)
        return None
    if ind.code not in sheet.items:
        row.error("code", tk._("The indicator %s is not in this department's questionnaire for this year (another "
                               "department answers for it, or the year does not expect it).") % ind.code)
        return None
    if ind.code in first_row:
        row.error("code", tk._("The indicator repeats row %s") % first_row[ind.code])
        return None
    first_row[ind.code] = row.number
    return ind


def _cells(row: questionnaire.Row, spec: audit_inputs.Inputs) -> tuple[dict[str, Decimal | None], list[str]]:
    numbers: dict[str, Decimal | None] = {}
    for key in ("numerator", "denominator", "value"):
        try:
            numbers[key] = questionnaire.number(row.texts.get(key, ""))
        except ValueError:
            row.error(key, tk._("Not a number: %s") % row.texts[key])
    try:
        flags = questionnaire.flags(row.texts.get("flags", ""))
    except ValueError as error:
        flags = []
        row.error("flags", tk._("Unknown flag: %s (use provisional, estimated or partial)") % error)
    for key in ("unit", "source_note", "comment"):
        if len(row.texts.get(key) or "") > MAX_TEXT:
            row.error(key, tk._("At most {n} characters.").format(n=MAX_TEXT))
    if spec.ratio and numbers.get("value") is not None:
        row.error("value", tk._("Give the numerator and the denominator: the system computes the ratio."))
    if not spec.ratio and (numbers.get("numerator") is not None or numbers.get("denominator") is not None):
        row.error("numerator", tk._("This indicator is entered as one value, not as a ratio."))
    return numbers, flags


def _warning(row: questionnaire.Row, spec: audit_inputs.Inputs, warning: dict[str, Any]) -> dict[str, Any]:
    key = "unit" if warning["code"] == "unit" else ("numerator" if spec.ratio else "value")
    return {"row": str(row.number), "column": questionnaire.header(questionnaire.column_of(key)), "field": key,
            "indicator_code": row.code, "code": warning["code"], "message": plausibility.describe(warning)}


def _may_submit(ind: Indicator, sheet: _Sheet) -> bool:
    """``urbanaudit_value_submit``'s auth for a row. It depends on the indicator only through the department and
    the person answering for it (``team.may_submit``), so it is asked once per such pair of the sheet."""
    key = (audit_campaign.department_for(sheet.city, ind.code), audit_campaign.responsible_for(sheet.city, ind.code))
    if key not in sheet.allowed:
        try:
            tk.check_access("urbanaudit_value_submit", dict(sheet.user_context),
                            {"city": sheet.city.teryt, "indicator_code": ind.code})
            sheet.allowed[key] = True
        except tk.NotAuthorized:
            sheet.allowed[key] = False
    return sheet.allowed[key]


def _entry(row: questionnaire.Row, sheet: _Sheet, first_row: dict[str, int]) -> _Planned | None:
    """The row as a workflow entry, or None with its errors on the row."""
    ind = _indicator(row, sheet, first_row)
    if ind is None:
        return None
    spec = audit_inputs.for_indicator(ind)
    numbers, flags = _cells(row, spec)
    if row.errors:
        return None
    if not _may_submit(ind, sheet):
        row.error("code", tk._("You may not submit the value of this indicator."))
        return None
    # acknowledged here so that workflow.submit reports the warnings instead of refusing the row: the import
    # rolls everything back when the uploader has not acknowledged them
    entry = workflow.Entry(
        city=sheet.city.teryt, indicator=ind, period=str(sheet.year), value=numbers["value"],
        numerator=numbers["numerator"], denominator=numbers["denominator"], unit=row.texts.get("unit") or None,
        flags=tuple(flags), source_note=row.texts.get("source_note") or None,
        comment=row.texts.get("comment") or None, acknowledge=True)
    return _Planned(row, spec, entry)


def _submit(planned: list[_Planned], user_id: str | None, report: dict) -> None:
    """Every checked row through ``workflow.submit`` in the current transaction (the caller commits or rolls
    back): inputs and plausibility are checked there, errors and warnings go on the rows."""
    for plan in planned:
        row, spec = plan.row, plan.spec
        try:
            result = workflow.submit(plan.entry, user_id)
        except tk.ValidationError as error:
            for key, messages in error.error_dict.items():
                column = "numerator" if key == "value" and spec.ratio else key
                for message in messages if isinstance(messages, list) else [messages]:
                    row.error(column, str(message))
            continue
        report[result["result"]].append(plan.entry.indicator.code)
        if result["result"] != "unchanged":
            row.warnings = [_warning(row, spec, w) for w in result["warnings"]]


def urbanaudit_questionnaire_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import a department's questionnaire (XLSX or CSV) of a reporting year: each filled row is a submitted value.

    :param city: TERYT code or slug; :param year: the reporting year (open); :param department: name or id
    :param upload: the file (multipart upload); or ``filename`` and ``content`` (bytes) when called in-process
    :param acknowledge_warnings: store rows with plausibility warnings (default false: a file with warnings
        stores nothing and lists them)
    :param dry_run: check and report only (default false)
    :returns: {rows (the filled rows), created, updated, unchanged (indicator codes), errors: [{row, column, field,
        indicator_code, message}], warnings: [{row, column, field, indicator_code, code, message}],
        needs_acknowledgement, imported, dry_run}
    """
    data, errors = tk.navl_validate(dict(data_dict), _import_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("urbanaudit_questionnaire_import", context, {**data_dict, "department": data["department"]})
    city = model.Session.get(City, data["city"])
    _, items = questionnaire.department_items(city, data["year"], data["department"])
    filename, content = read_upload(data_dict)
    try:
        rows = questionnaire.read(filename, content, tk._)
    except QuestionnaireError as error:
        raise tk.ValidationError({"upload": [tk._("The questionnaire cannot be read: %s") % error]}) from error
    user_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    sheet = _Sheet(city, data["year"], items, visibility.for_context(user_context), user_context)
    first_row: dict[str, int] = {}
    planned = [plan for row in rows if (plan := _entry(row, sheet, first_row)) is not None]
    report: dict[str, Any] = {"rows": len(rows), "created": [], "updated": [], "unchanged": [],
                              "dry_run": data["dry_run"]}
    # One transaction for the whole file: every row is submitted, then the transaction is committed, or rolled
    # back on a dry run, when a row has an error, or when warnings were not acknowledged.
    try:
        _submit(planned, team.user_id(context.get("user")), report)
        report["errors"] = [e for row in rows for e in row.errors]
        report["warnings"] = [w for row in rows for w in row.warnings]
        report["needs_acknowledgement"] = bool(report["warnings"]) and not data["acknowledge_warnings"]
        report["imported"] = not (report["errors"] or report["needs_acknowledgement"] or data["dry_run"])
    except Exception:
        model.Session.rollback()
        raise
    if not report["imported"]:
        model.Session.rollback()
        if not data["dry_run"] or report["errors"]:
            report.update(created=[], updated=[], unchanged=[])
        return report
    if not context.get("defer_commit"):
        model.Session.commit()
    return report
