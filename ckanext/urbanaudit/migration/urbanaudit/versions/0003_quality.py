"""Quality scores with history, and the latest link check of each URL.

Revision ID: 0003_quality
Revises: 0001_city
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_quality"
down_revision = "0002_indicator_value"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "urbanaudit_quality_score",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("confirmed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("latest", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("points_key", sa.String(64), nullable=False),
        sa.Column("dimensions", JSONB, nullable=False),
        sa.Column("metrics", JSONB, nullable=False),
        sa.Column("best_distribution", sa.UnicodeText),
        sa.CheckConstraint("score BETWEEN 0 AND 405", name="urbanaudit_quality_score_range"),
    )
    op.create_index("urbanaudit_quality_score_history", "urbanaudit_quality_score", ["package_id", "computed_at"])
    op.create_index("urbanaudit_quality_score_latest", "urbanaudit_quality_score", ["package_id"], unique=True,
                    postgresql_where=sa.text("latest"))
    op.create_table(
        "urbanaudit_link_check",
        sa.Column("url", sa.UnicodeText, primary_key=True),
        sa.Column("checked_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("status_code", sa.Integer),
        sa.Column("content_type", sa.UnicodeText),
        sa.Column("size", sa.BigInteger),
        sa.Column("final_url", sa.UnicodeText),
        sa.Column("error", sa.UnicodeText),
    )


def downgrade():
    op.drop_table("urbanaudit_link_check")
    op.drop_index("urbanaudit_quality_score_latest", table_name="urbanaudit_quality_score")
    op.drop_index("urbanaudit_quality_score_history", table_name="urbanaudit_quality_score")
    op.drop_table("urbanaudit_quality_score")
