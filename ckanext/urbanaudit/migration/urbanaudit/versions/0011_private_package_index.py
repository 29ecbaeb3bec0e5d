"""An index of the private data sets by type, for finding the private indicator data sets (indicators/visibility.py).

Every page and API call that shows indicator values (the home page's headline indicators, the dashboards, the
search page's count of matching indicators) first asks which indicators the caller may not see: the private
indicator data sets. CKAN's package table has no index on the data set type, so the question was asked by the
catalogue's ~230 URL names (an index probe each, 1.5-3 ms) or read the whole table (5 ms at 10,000 records).
A partial index on the private rows alone stays as small as the private data sets are few; the question then
costs one index scan (0.05 ms).

Revision ID: 0011_private_package_index
Revises: 0010_content_check
Create Date: 2026-12-02
"""
from alembic import op

revision = "0011_private_package_index"
down_revision = "0010_content_check"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX IF NOT EXISTS urbanaudit_package_private_type ON package (type, state) WHERE private")


def downgrade():
    op.execute("DROP INDEX IF EXISTS urbanaudit_package_private_type")
