"""Tables of the quality score (created by migration 0003_quality)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ckanext.urbanaudit.utils import utcnow


class QualityScore(tk.BaseModel):
    """One data set's score from a computation on.

    A new row is written only when a metric's points change; otherwise the
    latest row is confirmed (``confirmed_at``) and its texts refreshed. So the
    rows of a data set are its score history, and ``latest`` marks the current one.
    """

    __tablename__ = "urbanaudit_quality_score"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False)
    computed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    confirmed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    latest = sa.Column(sa.Boolean, nullable=False, default=True)
    score = sa.Column(sa.Integer, nullable=False)
    band = sa.Column(sa.String(20), nullable=False)
    points_key = sa.Column(sa.String(64), nullable=False)
    dimensions = sa.Column(JSONB, nullable=False)
    metrics = sa.Column(JSONB, nullable=False)
    best_distribution = sa.Column(sa.UnicodeText)

    def as_dict(self) -> dict:
        return {
            "package_id": self.package_id,
            "score": self.score,
            "max": 405,
            "band": self.band,
            "computed_at": self.computed_at.isoformat(),
            "confirmed_at": self.confirmed_at.isoformat(),
            "dimensions": self.dimensions,
            "best_distribution": self.best_distribution,
            "metrics": self.metrics,
        }


class LinkCheck(tk.BaseModel):
    """The latest check of one access or download URL."""

    __tablename__ = "urbanaudit_link_check"

    url = sa.Column(sa.UnicodeText, primary_key=True)
    checked_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status_code = sa.Column(sa.Integer)
    content_type = sa.Column(sa.UnicodeText)
    size = sa.Column(sa.BigInteger)
    final_url = sa.Column(sa.UnicodeText)
    error = sa.Column(sa.UnicodeText)

    def as_dict(self) -> dict:
        return {"url": self.url, "checked_at": self.checked_at.isoformat(), "status_code": self.status_code,
                "content_type": self.content_type, "size": self.size, "final_url": self.final_url,
                "error": self.error}
