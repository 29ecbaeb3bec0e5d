"""The content checks of tabular resources (ckanext.urbanaudit.contents).

Revision ID: 0010_content_check
Revises: 0009_identifier_index
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_content_check"
down_revision = "0009_identifier_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_content_check",
        sa.Column("resource_id", sa.UnicodeText, sa.ForeignKey("resource.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("package_id", sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("file_hash", sa.String(64)),
        sa.Column("report", JSONB, nullable=False),
    )
    op.create_index("urbanaudit_content_check_package", "urbanaudit_content_check", ["package_id"])


def downgrade():
    op.drop_table("urbanaudit_content_check")
