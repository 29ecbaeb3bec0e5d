"""Indicators: provenance of computed values (the input values each one was computed from).

Revision ID: 0004_indicators
Revises: 0003_quality
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_indicators"
down_revision = "0003_quality"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("urbanaudit_indicator_value",
                  sa.Column("inputs", JSONB, nullable=False, server_default="[]"))
    op.create_index("urbanaudit_indicator_value_city_period", "urbanaudit_indicator_value",
                    ["city_teryt", "indicator_code", "period"])


def downgrade():
    op.drop_index("urbanaudit_indicator_value_city_period", "urbanaudit_indicator_value")
    op.drop_column("urbanaudit_indicator_value", "inputs")
