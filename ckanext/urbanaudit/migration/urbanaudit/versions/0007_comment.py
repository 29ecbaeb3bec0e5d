"""Comments on data sets, indicators and analyses, with their moderation.

Revision ID: 0007_comment
Revises: 0006_data_request
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_comment"
down_revision = "0006_data_request"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_comment",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("subject_type", sa.String(10), nullable=False),
        sa.Column("subject_id", sa.UnicodeText, nullable=False),
        sa.Column("author_id", sa.UnicodeText, nullable=False),
        sa.Column("text", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("moderated_by", sa.UnicodeText),
        sa.Column("moderated_at", sa.DateTime),
        sa.CheckConstraint("subject_type IN ('dataset', 'indicator')", name="urbanaudit_comment_subject_type"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="urbanaudit_comment_status"),
    )
    op.create_index("urbanaudit_comment_subject", "urbanaudit_comment", ["subject_type", "subject_id", "status"])
    op.create_index("urbanaudit_comment_status", "urbanaudit_comment", ["status", "created_at"])


def downgrade():
    op.drop_table("urbanaudit_comment")
