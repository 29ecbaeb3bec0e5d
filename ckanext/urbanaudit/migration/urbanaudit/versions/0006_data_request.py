"""Residents' data requests and their history.

Revision ID: 0006_data_request
Revises: 0005_audit
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_data_request"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_data_request",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("contact_email", sa.UnicodeText),
        sa.Column("city_teryt", sa.String(7),
                  sa.ForeignKey("urbanaudit_city.teryt", ondelete="CASCADE", onupdate="CASCADE"), nullable=False),
        sa.Column("indicator_code", sa.UnicodeText),
        sa.Column("theme", sa.String(10)),
        sa.Column("status", sa.String(12), nullable=False, server_default="new"),
        sa.Column("answer_dataset_id", sa.UnicodeText),
        sa.Column("refusal_reason", sa.String(20)),
        sa.Column("refusal_text", sa.UnicodeText),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('new', 'under_review', 'answered', 'refused')",
                           name="urbanaudit_data_request_status"),
    )
    op.create_index("urbanaudit_data_request_city_status", "urbanaudit_data_request", ["city_teryt", "status"])
    op.create_table(
        "urbanaudit_data_request_event",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.BigInteger, sa.ForeignKey("urbanaudit_data_request.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("old_status", sa.String(12)),
        sa.Column("new_status", sa.String(12), nullable=False),
        sa.Column("comment", sa.UnicodeText),
    )
    op.create_index("urbanaudit_data_request_event_request", "urbanaudit_data_request_event", ["request_id"])


def downgrade():
    op.drop_table("urbanaudit_data_request_event")
    op.drop_table("urbanaudit_data_request")
