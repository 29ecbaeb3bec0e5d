"""Actions of the yearly audit: responsibilities, reporting years, submissions and their review.

Department values reach the public values table only through ``urbanaudit_value_review`` (approve); until then
they are drafts, seen by the analytic team, the submitter and the department answering for the indicator.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.urbanaudit.audit import campaign, plausibility, schema, team, workflow
from ckanext.urbanaudit.audit.model import Campaign, Submission
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility


def _city(teryt: str) -> City:
    return model.Session.get(City, teryt)


def _indicator(context: Context, code: str) -> Any:
    ind = visibility.for_context(context).indicator(code)
    if ind is None:
        raise tk.ValidationError({"indicator_code": [tk._("No indicator {code} in the catalogue.").format(code=code)]})
    return ind


def _described(sub: dict[str, Any]) -> dict[str, Any]:
    return {**sub, "warnings_text": [plausibility.describe(w) for w in sub.get("warnings") or []]}


@validate(schema.value_submit)
def urbanaudit_value_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Hand in the value of an indicator for a city and reporting year (status *submitted*).

    :param city: TERYT code or slug; :param indicator_code: catalogue code; :param period: the year
    :param value: the value, or :param numerator: and :param denominator: for a ratio (computed by the system)
    :param unit, flags, source_note, comment: optional
    :param acknowledge_warnings: true to submit a value with plausibility warnings (else refused, listing them)
    :returns: the submission with ``result`` (created, updated, unchanged) and ``warnings_text``
    """
    tk.check_access("urbanaudit_value_submit", context, data_dict)
    entry = workflow.Entry(
        city=data_dict["city"], indicator=_indicator(context, data_dict["indicator_code"]),
        period=str(data_dict["period"]), value=data_dict["value"], numerator=data_dict["numerator"],
        denominator=data_dict["denominator"], unit=data_dict["unit"], flags=tuple(data_dict["flags"]),
        source_note=data_dict["source_note"], comment=data_dict["comment"],
        acknowledge=data_dict["acknowledge_warnings"])
    result = workflow.submit(entry, team.user_id(context["user"]))
    if not context.get("defer_commit"):
        model.Session.commit()
    return _described(result)


def _submission(submission_id: int) -> Submission:
    sub = model.Session.get(Submission, submission_id)
    if sub is None:
        raise tk.ObjectNotFound(tk._("No such submitted value."))
    return sub


@validate(schema.value_review)
def urbanaudit_value_review(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Approve (publish) or return a submitted value. Nobody reviews their own value.

    :param id: the submission; :param decision: ``approve`` or ``return``
    :param comment: required to return; :param acknowledge_warnings: required to approve a value with warnings
    """
    tk.check_access("urbanaudit_value_review", context, data_dict)
    sub = _submission(data_dict["id"])
    result = workflow.review(sub, team.user_id(context["user"]), approve=data_dict["decision"] == "approve",
                             comment=data_dict["comment"], acknowledge=data_dict["acknowledge_warnings"],
                             context=context)
    if not context.get("defer_commit"):
        model.Session.commit()
    return _described(result)


@tk.side_effect_free
@validate(schema.submission_list)
def urbanaudit_submission_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Submitted values of a city (the team: all; others: those of their departments and their own).

    :param city: required; :param period, status, indicator_code: optional filters
    """
    tk.check_access("urbanaudit_submission_list", context, data_dict)
    query = model.Session.query(Submission).filter_by(city_teryt=data_dict["city"])
    for key, column in (("period", Submission.period), ("status", Submission.status),
                        ("indicator_code", Submission.indicator_code)):
        if data_dict.get(key) is not None:
            query = query.filter(column == str(data_dict[key]))
    user = context["user"]
    subs = query.order_by(Submission.indicator_code, Submission.period).all()
    if not team.is_analyst(user):
        subs = [s for s in subs if team.may_read_submission(user, s)]
    seen = visibility.for_context(context)
    return [_described(s.as_dict()) for s in subs if not seen.is_hidden(s.indicator_code)]


@tk.side_effect_free
@validate(schema.submission_show)
def urbanaudit_submission_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One submitted value with its full history (who, when, old and new value and status, comment)."""
    tk.check_access("urbanaudit_submission_show", context, data_dict)
    sub = _submission(data_dict["id"])
    return {**_described(sub.as_dict()), "history": workflow.history(sub)}


@validate(schema.campaign_open)
def urbanaudit_campaign_open(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Open (or extend) the reporting year of a city: what is expected of every indicator of the chosen editions
    (ISO 37120:2014 always) and from whom.

    :param city; :param year; :param editions: optional list of ISO37120:2018, ISO37122:2019, ISO37123:2019,
        urban-audit
    """
    tk.check_access("urbanaudit_campaign_open", context, data_dict)
    opened = campaign.open_campaign(_city(data_dict["city"]), data_dict["year"], data_dict["editions"],
                                    team.user_id(context["user"]))
    result = campaign.progress(opened)
    model.Session.commit()
    return result


@tk.side_effect_free
@validate(schema.campaign_show)
def urbanaudit_campaign_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Where a reporting year stands: each indicator's status (approved, submitted, returned, missing; overdue),
    counts per department, and who to remind."""
    tk.check_access("urbanaudit_campaign_show", context, data_dict)
    return campaign.progress(campaign.campaign_or_404(_city(data_dict["city"]), data_dict["year"]))


@tk.side_effect_free
@validate(schema.city_only)
def urbanaudit_campaign_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The reporting years of a city, newest first."""
    tk.check_access("urbanaudit_campaign_list", context, data_dict)
    return [c.as_dict() for c in model.Session.query(Campaign).filter_by(city_teryt=data_dict["city"])
            .order_by(Campaign.year.desc())]


def _assignment_refs(context: Context, row: dict, row_errors: dict) -> None:
    """Check the indicator, department and person a valid-looking row names; their ids go into ``row``."""
    code = row.get("indicator_code")
    if code and "indicator_code" not in row_errors and visibility.for_context(context).indicator(code) is None:
        row_errors["indicator_code"] = [tk._("No indicator {code} in the catalogue.").format(code=code)]
    if row.get("department") and "department" not in row_errors:
        org = model.Group.get(row["department"])
        if org is None or not org.is_organization or org.state != "active":
            row_errors["department"] = [tk._("No department {name}.").format(name=row["department"])]
        else:
            row["department_id"] = org.id
    if row.get("responsible") and "responsible" not in row_errors:
        row["responsible_id"] = team.user_id(row["responsible"])
        if row["responsible_id"] is None:
            row_errors["responsible"] = [tk._("No user {name}.").format(name=row["responsible"])]


def _assignment_rows(context: Context, items: list) -> tuple[list[dict], dict]:
    rows, errors = [], {}
    item_schema = schema.assignment()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = {"__type": [tk._("Each assignment must be an object.")]}
            continue
        row, row_errors = tk.navl_validate(dict(item), item_schema, context)
        _assignment_refs(context, row, row_errors)
        if row_errors:
            errors[str(index)] = row_errors
        else:
            rows.append(row)
    return rows, errors


def urbanaudit_assignment_set(context: Context, data_dict: DataDict) -> dict[str, int]:
    """Set who answers for indicators of a city, in bulk: nothing is stored if any row is bad.

    :param city: required
    :param assignments: list of objects with ``indicator_code`` and optionally ``department`` (name or id),
        ``responsible`` (user name or id), ``source_kind`` (department, inventory, harvest), ``source_ref``,
        ``due`` (MM-DD in the year after the reporting year)
    """
    tk.check_access("urbanaudit_assignment_set", context, data_dict)
    city = City.get(str(data_dict.get("city") or "").strip())
    items = data_dict.get("assignments")
    if city is None:
        raise tk.ValidationError({"city": [tk._("Unknown city: give the TERYT code or name of a city loaded from "
                                                "a city file.")]})
    if not isinstance(items, list) or not items or len(items) > schema.MAX_ASSIGNMENTS:
        raise tk.ValidationError({"assignments": [tk._("Give a list of 1 to {n} assignments.").format(
            n=schema.MAX_ASSIGNMENTS)]})
    rows, errors = _assignment_rows(context, items)
    if errors:
        raise tk.ValidationError({"assignments": errors})
    counts = campaign.set_assignments(city, rows, team.user_id(context["user"]))
    model.Session.commit()
    return counts


@tk.side_effect_free
@validate(schema.city_only)
def urbanaudit_assignment_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Who answers for each ISO 37120:2014 indicator (and every assigned one) of a city: department, person,
    source, due day; ``assigned`` false where the defaults apply."""
    tk.check_access("urbanaudit_assignment_list", context, data_dict)
    return campaign.assignment_table(_city(data_dict["city"]))
