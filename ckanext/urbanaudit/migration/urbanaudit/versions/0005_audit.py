"""The yearly audit: who answers for each indicator, reporting years (campaigns) and what each expects,
department submissions with their four-eyes review and full history, and the city's targets.

Revision ID: 0005_audit
Revises: 0004_indicators
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_audit"
down_revision = "0004_indicators"
branch_labels = None
depends_on = None

CITY_FK = dict(ondelete="CASCADE", onupdate="CASCADE")


def upgrade():
    op.create_table(
        "urbanaudit_assignment",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("city_teryt", sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False),
        sa.Column("indicator_code", sa.UnicodeText, nullable=False),
        sa.Column("department_id", sa.UnicodeText),
        sa.Column("responsible_id", sa.UnicodeText),
        sa.Column("source_kind", sa.String(20), nullable=False, server_default="department"),
        sa.Column("source_ref", sa.UnicodeText),
        sa.Column("due", sa.String(5)),
        sa.Column("updated_by", sa.UnicodeText),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("city_teryt", "indicator_code", name="urbanaudit_assignment_key"),
    )
    op.create_table(
        "urbanaudit_campaign",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("city_teryt", sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("editions", JSONB, nullable=False, server_default="[]"),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("opened_by", sa.UnicodeText),
        sa.Column("opened_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("city_teryt", "year", name="urbanaudit_campaign_key"),
    )
    op.create_table(
        "urbanaudit_campaign_item",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.BigInteger, sa.ForeignKey("urbanaudit_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("indicator_code", sa.UnicodeText, nullable=False),
        sa.Column("department_id", sa.UnicodeText),
        sa.Column("responsible_id", sa.UnicodeText),
        sa.Column("source_kind", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date),
        sa.UniqueConstraint("campaign_id", "indicator_code", name="urbanaudit_campaign_item_key"),
    )
    op.create_table(
        "urbanaudit_submission",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("city_teryt", sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False),
        sa.Column("indicator_code", sa.UnicodeText, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Numeric),
        sa.Column("numerator", sa.Numeric),
        sa.Column("denominator", sa.Numeric),
        sa.Column("unit", sa.UnicodeText),
        sa.Column("flags", JSONB, nullable=False, server_default="[]"),
        sa.Column("source_note", sa.UnicodeText),
        sa.Column("comment", sa.UnicodeText),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("warnings", JSONB, nullable=False, server_default="[]"),
        sa.Column("acknowledged", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("submitted_by", sa.UnicodeText, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("reviewed_by", sa.UnicodeText),
        sa.Column("reviewed_at", sa.DateTime),
        sa.Column("review_comment", sa.UnicodeText),
        sa.UniqueConstraint("city_teryt", "indicator_code", "period", name="urbanaudit_submission_key"),
        sa.CheckConstraint("status IN ('submitted', 'returned', 'approved')", name="urbanaudit_submission_status"),
    )
    op.create_table(
        "urbanaudit_submission_event",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.BigInteger, sa.ForeignKey("urbanaudit_submission.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("old_value", sa.Numeric),
        sa.Column("new_value", sa.Numeric),
        sa.Column("old_status", sa.String(10)),
        sa.Column("new_status", sa.String(10), nullable=False),
        sa.Column("comment", sa.UnicodeText),
    )
    op.create_index("urbanaudit_submission_event_submission", "urbanaudit_submission_event", ["submission_id"])
    op.create_table(
        "urbanaudit_target",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("city_teryt", sa.String(7), sa.ForeignKey("urbanaudit_city.teryt", **CITY_FK), nullable=False),
        sa.Column("indicator_code", sa.UnicodeText, nullable=False),
        sa.Column("target_value", sa.Numeric, nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
        sa.Column("baseline_value", sa.Numeric),
        sa.Column("baseline_year", sa.Integer),
        sa.Column("policy_name", sa.UnicodeText, nullable=False),
        sa.Column("policy_url", sa.UnicodeText),
        sa.Column("updated_by", sa.UnicodeText),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("city_teryt", "indicator_code", name="urbanaudit_target_key"),
    )


def downgrade():
    for table in ("urbanaudit_target", "urbanaudit_submission_event", "urbanaudit_submission",
                  "urbanaudit_campaign_item", "urbanaudit_campaign", "urbanaudit_assignment"):
        op.drop_table(table)
