"""The content check of each tabular resource (created by migration 0010_content_check)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ckanext.urbanaudit.utils import utcnow


class ContentCheck(tk.BaseModel):
    """The latest check of one resource's file: its report and contents score (0-100)."""

    __tablename__ = "urbanaudit_content_check"

    resource_id = sa.Column(sa.UnicodeText, sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False)
    checked_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status = sa.Column(sa.String(20), nullable=False)  # checked | failed
    score = sa.Column(sa.Integer)
    file_hash = sa.Column(sa.String(64))
    report = sa.Column(JSONB, nullable=False)

    def as_dict(self) -> dict:
        return {"resource_id": self.resource_id, "package_id": self.package_id,
                "checked_at": self.checked_at.isoformat(), "status": self.status, "score": self.score,
                **{k: v for k, v in self.report.items() if k not in ("status", "score")}}
