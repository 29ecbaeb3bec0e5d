"""Four eyes on a department's value: submitted → approved, or → returned with a comment, and back.

- :func:`submit` stores (or replaces) the value of a city, indicator and reporting year as *submitted*: the
  value is given directly, or as numerator and denominator from which the indicator's scale computes it
  (``inputs.py``). Plausibility warnings (``plausibility.py``) must be acknowledged by the submitter, or the
  submission is refused with the warnings listed.
- :func:`review` approves or returns it. Nobody reviews a value they submitted; a value with warnings is
  approved only when the analyst acknowledges them too; a return needs a comment. Approval publishes the value
  in the values table (source ``city``, the submission's flags) — the only way a department's value becomes
  public. A published value stays until a corrected one is approved.
- Every change is kept as a :class:`SubmissionEvent`: who, when, old and new value and status, comment.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.audit import inputs as audit_inputs
from ckanext.urbanaudit.audit import plausibility
from ckanext.urbanaudit.audit.model import APPROVED, RETURNED, SUBMITTED, Submission, SubmissionEvent
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue
from ckanext.urbanaudit.utils import utcnow

VALUE_SOURCE = "city"


@dataclass
class Entry:
    """One value as a department hands it in (validated: numbers are Decimals)."""

    city: str
    indicator: Indicator
    period: str
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    unit: str | None = None
    flags: tuple[str, ...] = ()
    source_note: str | None = None
    comment: str | None = None
    acknowledge: bool = False


class WorkflowError(tk.ValidationError):
    pass


def resolve(entry: Entry) -> tuple[Decimal, list[dict]]:
    """The value of ``entry`` (computed from its inputs for a ratio) and its plausibility warnings; raises
    ValidationError naming the field when the inputs do not make a value."""
    spec = audit_inputs.for_indicator(entry.indicator)
    value = entry.value
    if entry.numerator is not None or entry.denominator is not None:
        if not spec.ratio:
            raise WorkflowError({"numerator": [tk._("This indicator is entered as one value, not as a ratio.")]})
        if entry.numerator is None or entry.denominator is None:
            raise WorkflowError({"denominator": [tk._("Give both the numerator and the denominator.")]})
        if entry.denominator == 0:
            raise WorkflowError({"denominator": [tk._("The denominator must not be zero.")]})
        value = spec.compute(entry.numerator, entry.denominator)
    if value is None:
        raise WorkflowError({"value": [tk._("Give the value, or the numerator and denominator.")]})
    warnings = plausibility.check(entry.city, entry.indicator, spec, entry.period, value,
                                  numerator=entry.numerator, denominator=entry.denominator, unit=entry.unit)
    return value, warnings


def _event(sub: Submission, user_id: str, action: str, *, old_value: Any, old_status: str | None,
           comment: str | None) -> None:
    model.Session.add(SubmissionEvent(submission_id=sub.id, user_id=user_id, action=action, old_value=old_value,
                                      new_value=sub.value, old_status=old_status, new_status=sub.status,
                                      comment=comment, at=utcnow()))


def find(city: str, code: str, period: str) -> Submission | None:
    return model.Session.query(Submission).filter_by(city_teryt=city, indicator_code=code, period=period).first()


def _same(sub: Submission, entry: Entry, value: Decimal) -> bool:
    return (sub.value == value and sub.numerator == entry.numerator and sub.denominator == entry.denominator
            and list(sub.flags or []) == list(entry.flags) and (sub.unit or None) == (entry.unit or None))


def submit(entry: Entry, user_id: str) -> dict[str, Any]:
    """Store ``entry`` as submitted (the caller commits). Returns the submission with ``"result"``: created,
    updated or unchanged (an approved or waiting submission with the same figures is left as it is)."""
    value, warnings = resolve(entry)
    if warnings and not entry.acknowledge:
        raise WorkflowError({"warnings": [plausibility.describe(w) for w in warnings],
                             "acknowledge": [tk._("Check the warnings; submit again acknowledging them if the "
                                                  "value is right.")]})
    sub = find(entry.city, entry.indicator.code, entry.period)
    if sub is not None and sub.status != RETURNED and _same(sub, entry, value):
        return {**sub.as_dict(), "result": "unchanged"}
    result = "updated" if sub is not None else "created"
    old_value, old_status = (sub.value, sub.status) if sub is not None else (None, None)
    if sub is None:
        sub = Submission(city_teryt=entry.city, indicator_code=entry.indicator.code, period=entry.period)
        model.Session.add(sub)
    sub.value, sub.numerator, sub.denominator = value, entry.numerator, entry.denominator
    sub.unit = entry.unit or entry.indicator.unit
    sub.flags, sub.source_note, sub.comment = list(entry.flags), entry.source_note, entry.comment
    sub.status, sub.warnings, sub.acknowledged = SUBMITTED, warnings, bool(warnings)
    sub.submitted_by, sub.submitted_at = user_id, utcnow()
    sub.reviewed_by = sub.reviewed_at = sub.review_comment = None
    model.Session.flush()
    _event(sub, user_id, "submit", old_value=old_value, old_status=old_status, comment=entry.comment)
    return {**sub.as_dict(), "result": result}


def _published_value(sub: Submission) -> dict[str, Any]:
    method = None
    if sub.numerator is not None and sub.denominator is not None:
        indicator = catalogue().get(sub.indicator_code)
        scale = audit_inputs.for_indicator(indicator).scale if indicator else 1
        method = f"{sub.numerator} / {sub.denominator} × {scale}"
    return {"city": sub.city_teryt, "indicator_code": sub.indicator_code, "period": sub.period,
            "value": sub.value, "unit": sub.unit, "source": VALUE_SOURCE, "source_ref": f"submission:{sub.id}",
            "method": method, "flags": list(sub.flags or [])}


def review(sub: Submission, reviewer_id: str, *, approve: bool, comment: str | None, acknowledge: bool,
           context: dict) -> dict[str, Any]:
    """Approve (publish) or return ``sub``; the caller commits."""
    if sub.status != SUBMITTED:
        raise WorkflowError({"status": [tk._("Only a submitted value can be reviewed (this one is {status}).")
                                        .format(status=sub.status)]})
    if sub.submitted_by == reviewer_id:
        raise tk.NotAuthorized(tk._("Nobody approves or returns a value they submitted: another analyst must."))
    if approve and sub.warnings and not acknowledge:
        raise WorkflowError({"warnings": [plausibility.describe(w) for w in sub.warnings],
                             "acknowledge": [tk._("Acknowledge the warnings to approve this value.")]})
    if not approve and not (comment or "").strip():
        raise WorkflowError({"comment": [tk._("Say why the value is returned.")]})
    old_status = sub.status
    sub.status = APPROVED if approve else RETURNED
    sub.reviewed_by, sub.reviewed_at, sub.review_comment = reviewer_id, utcnow(), (comment or "").strip() or None
    if approve:
        tk.get_action("urbanaudit_indicator_value_upsert")(
            {**context, "ignore_auth": True, "defer_commit": True}, {"values": [_published_value(sub)]})
    _event(sub, reviewer_id, "approve" if approve else "return", old_value=sub.value, old_status=old_status,
           comment=sub.review_comment)
    return sub.as_dict()


def history(sub: Submission) -> list[dict[str, Any]]:
    events = model.Session.query(SubmissionEvent).filter_by(submission_id=sub.id).order_by(
        SubmissionEvent.at, SubmissionEvent.id)
    names = {}
    out = []
    for event in events:
        row = event.as_dict()
        if event.user_id not in names:
            user = model.User.get(event.user_id)
            names[event.user_id] = user.name if user else event.user_id
        row["user"] = names[event.user_id]
        out.append(row)
    return out
