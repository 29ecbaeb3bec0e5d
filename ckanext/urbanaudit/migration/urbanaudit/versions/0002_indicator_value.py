"""Indicator values: one number per city, indicator, period and source.

Revision ID: 0002_indicator_value
Revises: 0001_city
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_indicator_value"
down_revision = "0001_city"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_indicator_value",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("city_teryt", sa.String(7),
                  sa.ForeignKey("urbanaudit_city.teryt", ondelete="CASCADE", onupdate="CASCADE"),
                  nullable=False),
        sa.Column("indicator_code", sa.UnicodeText, nullable=False),
        sa.Column("source_variable", sa.UnicodeText),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Numeric),
        sa.Column("unit", sa.UnicodeText),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("source_ref", sa.UnicodeText),
        sa.Column("method", sa.UnicodeText),
        sa.Column("flags", JSONB, nullable=False, server_default="[]"),
        sa.Column("computed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("city_teryt", "indicator_code", "period", "source",
                            name="urbanaudit_indicator_value_key"),
    )
    op.create_index("urbanaudit_indicator_value_series", "urbanaudit_indicator_value",
                    ["indicator_code", "city_teryt", "period"])
    op.create_index("urbanaudit_indicator_value_source_ref", "urbanaudit_indicator_value", ["source_ref"])


def downgrade():
    op.drop_table("urbanaudit_indicator_value")
