"""Tables of residents' data requests (migration 0006_data_request).

- ``DataRequest``: what data a resident asks for and what for, an optional contact e-mail (never public), the
  city, optionally the indicator or ISO 37120 theme it names; its status (new → under review → answered with a
  public data set, or refused with a reason) and who filed it (null: an anonymous visitor).
- ``DataRequestEvent``: every change (filed, edited, status changed): who, when, old and new status, comment.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.urbanaudit.utils import utcnow

NEW, UNDER_REVIEW, ANSWERED, REFUSED = "new", "under_review", "answered", "refused"
STATUSES = (NEW, UNDER_REVIEW, ANSWERED, REFUSED)
PERSONAL_DATA, NOT_HELD, OTHER = "personal_data", "not_held", "other"
REFUSAL_REASONS = (PERSONAL_DATA, NOT_HELD, OTHER)
CREATED, EDITED, STATUS = "created", "edited", "status"


def stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class DataRequest(tk.BaseModel):
    __tablename__ = "urbanaudit_data_request"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    title = sa.Column(sa.UnicodeText, nullable=False)
    purpose = sa.Column(sa.UnicodeText, nullable=False)
    contact_email = sa.Column(sa.UnicodeText)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", ondelete="CASCADE",
                                                       onupdate="CASCADE"), nullable=False)
    indicator_code = sa.Column(sa.UnicodeText)
    theme = sa.Column(sa.String(10))
    status = sa.Column(sa.String(12), nullable=False, default=NEW)
    answer_dataset_id = sa.Column(sa.UnicodeText)
    refusal_reason = sa.Column(sa.String(20))
    refusal_text = sa.Column(sa.UnicodeText)
    created_by = sa.Column(sa.UnicodeText)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    def public_dict(self) -> dict[str, Any]:
        """What anyone may see: no contact e-mail, no author."""
        return {"id": self.id, "title": self.title, "purpose": self.purpose, "city": self.city_teryt,
                "indicator_code": self.indicator_code, "theme": self.theme, "status": self.status,
                "answer_dataset_id": self.answer_dataset_id, "refusal_reason": self.refusal_reason,
                "refusal_text": self.refusal_text, "created_at": stamp(self.created_at),
                "updated_at": stamp(self.updated_at)}


class DataRequestEvent(tk.BaseModel):
    __tablename__ = "urbanaudit_data_request_event"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    request_id = sa.Column(sa.BigInteger, sa.ForeignKey("urbanaudit_data_request.id", ondelete="CASCADE"),
                           nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    user_id = sa.Column(sa.UnicodeText)
    action = sa.Column(sa.String(12), nullable=False)
    old_status = sa.Column(sa.String(12))
    new_status = sa.Column(sa.String(12), nullable=False)
    comment = sa.Column(sa.UnicodeText)

    def public_dict(self) -> dict[str, Any]:
        """Status changes and dates only: not who, not the team's comment."""
        return {"at": stamp(self.at), "action": self.action, "old_status": self.old_status,
                "new_status": self.new_status}

    def team_dict(self) -> dict[str, Any]:
        return {**self.public_dict(), "user_id": self.user_id, "comment": self.comment}
