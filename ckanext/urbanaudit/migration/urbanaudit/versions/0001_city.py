"""The cities the portal compares: one row per city (TERYT code).

Revision ID: 0001_city
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_city"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_city",
        sa.Column("teryt", sa.String(7), primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.UnicodeText, nullable=False),
        sa.Column("bdl_unit_id", sa.String(12)),
        sa.Column("urban_audit_code", sa.String(10)),
        sa.Column("peers", JSONB, nullable=False, server_default="[]"),
        sa.Column("config", JSONB, nullable=False, server_default="{}"),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("teryt ~ '^[0-9]{7}$'", name="urbanaudit_city_teryt_format"),
    )


def downgrade():
    op.drop_table("urbanaudit_city")
