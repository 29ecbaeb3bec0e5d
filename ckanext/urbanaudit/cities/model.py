"""Tables of the extension (created by the alembic migrations in migration/urbanaudit)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from sqlalchemy.dialects.postgresql import JSONB

from ckanext.urbanaudit.utils import utcnow


class City(tk.BaseModel):
    """A city the portal describes or compares with (one per TERYT code)."""

    __tablename__ = "urbanaudit_city"

    teryt = sa.Column(sa.String(7), primary_key=True)
    slug = sa.Column(sa.String(100), nullable=False, unique=True)
    name = sa.Column(sa.UnicodeText, nullable=False)
    bdl_unit_id = sa.Column(sa.String(12))
    urban_audit_code = sa.Column(sa.String(10))
    peers = sa.Column(JSONB, nullable=False, default=list)
    config = sa.Column(JSONB, nullable=False, default=dict)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    def as_dict(self) -> dict:
        return {
            "teryt": self.teryt,
            "slug": self.slug,
            "name": self.name,
            "bdl_unit_id": self.bdl_unit_id,
            "urban_audit_code": self.urban_audit_code,
            "peers": list(self.peers or []),
        }

    @classmethod
    def all_by_name(cls) -> list[City]:
        return model.Session.query(cls).order_by(cls.name).all()

    @classmethod
    def get(cls, teryt_or_slug: str) -> City | None:
        return (
            model.Session.query(cls)
            .filter(sa.or_(cls.teryt == teryt_or_slug, cls.slug == teryt_or_slug))
            .one_or_none()
        )
