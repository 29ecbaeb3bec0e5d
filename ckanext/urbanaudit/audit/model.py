"""Tables of the yearly audit (migration 0005_audit).

- ``Assignment``: who answers for an indicator in a city — department, responsible person, source, due day.
- ``Campaign`` and ``CampaignItem``: a reporting year of a city and, frozen when it opens, what is expected of
  each indicator and from whom.
- ``Submission`` and ``SubmissionEvent``: a department's value for a city, indicator and period, moving
  submitted → approved or → returned; every change kept (who, when, old and new value, comment). Only an
  approved submission reaches the public values table (source ``city``).
- ``Target``: the city's target for an indicator and the policy document that sets it.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ckanext.urbanaudit.utils import utcnow

SUBMITTED, RETURNED, APPROVED = "submitted", "returned", "approved"
STATUSES = (SUBMITTED, RETURNED, APPROVED)
# where an indicator's value comes from, as the team records it
SOURCE_KINDS = ("department", "inventory", "harvest")
CITY_FK = {"ondelete": "CASCADE", "onupdate": "CASCADE"}


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, Decimal) else value


def stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class Assignment(tk.BaseModel):
    __tablename__ = "urbanaudit_assignment"
    __table_args__ = (sa.UniqueConstraint("city_teryt", "indicator_code", name="urbanaudit_assignment_key"),)

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False)
    indicator_code = sa.Column(sa.UnicodeText, nullable=False)
    department_id = sa.Column(sa.UnicodeText)
    responsible_id = sa.Column(sa.UnicodeText)
    source_kind = sa.Column(sa.String(20), nullable=False, default="department")
    source_ref = sa.Column(sa.UnicodeText)
    # day of the yearly cycle by which the value is due, "MM-DD" (of the year after the reporting year)
    due = sa.Column(sa.String(5))
    updated_by = sa.Column(sa.UnicodeText)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class Campaign(tk.BaseModel):
    __tablename__ = "urbanaudit_campaign"
    __table_args__ = (sa.UniqueConstraint("city_teryt", "year", name="urbanaudit_campaign_key"),)

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False)
    year = sa.Column(sa.Integer, nullable=False)
    editions = sa.Column(JSONB, nullable=False, default=list)
    status = sa.Column(sa.String(10), nullable=False, default="open")
    opened_by = sa.Column(sa.UnicodeText)
    opened_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "city": self.city_teryt, "year": self.year, "editions": list(self.editions or []),
                "status": self.status, "opened_by": self.opened_by, "opened_at": stamp(self.opened_at)}


class CampaignItem(tk.BaseModel):
    __tablename__ = "urbanaudit_campaign_item"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "indicator_code", name="urbanaudit_campaign_item_key"),)

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    campaign_id = sa.Column(sa.BigInteger, sa.ForeignKey("urbanaudit_campaign.id", ondelete="CASCADE"),
                            nullable=False)
    indicator_code = sa.Column(sa.UnicodeText, nullable=False)
    department_id = sa.Column(sa.UnicodeText)
    responsible_id = sa.Column(sa.UnicodeText)
    source_kind = sa.Column(sa.String(20), nullable=False)
    due_date = sa.Column(sa.Date)

    def as_dict(self) -> dict[str, Any]:
        return {"indicator_code": self.indicator_code, "department_id": self.department_id,
                "responsible_id": self.responsible_id, "source_kind": self.source_kind,
                "due_date": stamp(self.due_date)}


class Submission(tk.BaseModel):
    __tablename__ = "urbanaudit_submission"
    __table_args__ = (
        sa.UniqueConstraint("city_teryt", "indicator_code", "period", name="urbanaudit_submission_key"),
    )

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False)
    indicator_code = sa.Column(sa.UnicodeText, nullable=False)
    period = sa.Column(sa.String(16), nullable=False)
    value = sa.Column(sa.Numeric)
    numerator = sa.Column(sa.Numeric)
    denominator = sa.Column(sa.Numeric)
    unit = sa.Column(sa.UnicodeText)
    flags = sa.Column(JSONB, nullable=False, default=list)
    source_note = sa.Column(sa.UnicodeText)
    comment = sa.Column(sa.UnicodeText)
    status = sa.Column(sa.String(10), nullable=False)
    warnings = sa.Column(JSONB, nullable=False, default=list)
    acknowledged = sa.Column(sa.Boolean, nullable=False, default=False)
    submitted_by = sa.Column(sa.UnicodeText, nullable=False)
    submitted_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    reviewed_by = sa.Column(sa.UnicodeText)
    reviewed_at = sa.Column(sa.DateTime)
    review_comment = sa.Column(sa.UnicodeText)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "city": self.city_teryt, "indicator_code": self.indicator_code, "period": self.period,
            "value": number(self.value), "numerator": number(self.numerator),
            "denominator": number(self.denominator), "unit": self.unit, "flags": list(self.flags or []),
            "source_note": self.source_note, "comment": self.comment, "status": self.status,
            "warnings": list(self.warnings or []), "acknowledged": self.acknowledged,
            "submitted_by": self.submitted_by, "submitted_at": stamp(self.submitted_at),
            "reviewed_by": self.reviewed_by, "reviewed_at": stamp(self.reviewed_at),
            "review_comment": self.review_comment,
        }


class SubmissionEvent(tk.BaseModel):
    __tablename__ = "urbanaudit_submission_event"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    submission_id = sa.Column(sa.BigInteger, sa.ForeignKey("urbanaudit_submission.id", ondelete="CASCADE"),
                              nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    action = sa.Column(sa.String(12), nullable=False)
    old_value = sa.Column(sa.Numeric)
    new_value = sa.Column(sa.Numeric)
    old_status = sa.Column(sa.String(10))
    new_status = sa.Column(sa.String(10), nullable=False)
    comment = sa.Column(sa.UnicodeText)

    def as_dict(self) -> dict[str, Any]:
        return {"at": stamp(self.at), "user_id": self.user_id, "action": self.action,
                "old_value": number(self.old_value), "new_value": number(self.new_value),
                "old_status": self.old_status, "new_status": self.new_status, "comment": self.comment}


class Target(tk.BaseModel):
    __tablename__ = "urbanaudit_target"
    __table_args__ = (sa.UniqueConstraint("city_teryt", "indicator_code", name="urbanaudit_target_key"),)

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False)
    indicator_code = sa.Column(sa.UnicodeText, nullable=False)
    target_value = sa.Column(sa.Numeric, nullable=False)
    target_year = sa.Column(sa.Integer, nullable=False)
    baseline_value = sa.Column(sa.Numeric)
    baseline_year = sa.Column(sa.Integer)
    policy_name = sa.Column(sa.UnicodeText, nullable=False)
    policy_url = sa.Column(sa.UnicodeText)
    updated_by = sa.Column(sa.UnicodeText)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return {"city": self.city_teryt, "indicator_code": self.indicator_code,
                "target_value": number(self.target_value), "target_year": self.target_year,
                "baseline_value": number(self.baseline_value), "baseline_year": self.baseline_year,
                "policy_name": self.policy_name, "policy_url": self.policy_url, "updated_by": self.updated_by,
                "updated_at": stamp(self.updated_at)}
