"""The gathers of each harvest source: full comparison or only the records changed since a time.

Revision ID: 0008_harvest_run
Revises: 0007_comment
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_harvest_run"
down_revision = "0007_comment"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_harvest_run",
        sa.Column("job_id", sa.UnicodeText, primary_key=True),
        sa.Column("source_id", sa.UnicodeText, nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("since", sa.DateTime),
        sa.Column("started", sa.DateTime, nullable=False),
    )
    op.create_index("urbanaudit_harvest_run_source", "urbanaudit_harvest_run", ["source_id", "full", "started"])


def downgrade():
    op.drop_table("urbanaudit_harvest_run")
