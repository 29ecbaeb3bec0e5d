"""The comment table (migration 0007_comment): one row per comment on a data set (any type: inventory record,
analysis, indicator data set) or on an indicator of the catalogue (by its code), moving pending → approved or
→ rejected; who moderated it and when."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid

from ckanext.urbanaudit.utils import utcnow

DATASET, INDICATOR = "dataset", "indicator"
SUBJECT_TYPES = (DATASET, INDICATOR)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)


def stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class Comment(tk.BaseModel):
    __tablename__ = "urbanaudit_comment"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    subject_type = sa.Column(sa.String(10), nullable=False)
    # the data set's id, or the indicator's catalogue code
    subject_id = sa.Column(sa.UnicodeText, nullable=False)
    author_id = sa.Column(sa.UnicodeText, nullable=False)
    text = sa.Column(sa.UnicodeText, nullable=False)
    status = sa.Column(sa.String(10), nullable=False, default=PENDING)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    moderated_by = sa.Column(sa.UnicodeText)
    moderated_at = sa.Column(sa.DateTime)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "subject_type": self.subject_type, "subject_id": self.subject_id,
                "author_id": self.author_id, "text": self.text, "status": self.status,
                "created_at": stamp(self.created_at), "moderated_by": self.moderated_by,
                "moderated_at": stamp(self.moderated_at)}
