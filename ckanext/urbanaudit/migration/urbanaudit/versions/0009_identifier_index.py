"""An index for finding a data set by its ``identifier`` (an extra of CKAN's package_extra table).

The identifier is checked unique on every create and update (inventory/validators.py) and looked up for every
row of an imported questionnaire; without an index each lookup read the whole package_extra table, so a write
got slower with every data set in the catalogue (95 ms per package_create at 5,000 records against 60 ms at 40,
benchmarks/questionnaire_import.py).

Revision ID: 0009_identifier_index
Revises: 0008_harvest_run
Create Date: 2026-12-01
"""
from alembic import op

revision = "0009_identifier_index"
down_revision = "0008_harvest_run"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX IF NOT EXISTS urbanaudit_package_extra_identifier ON package_extra (value) "
               "WHERE key = 'identifier'")


def downgrade():
    op.execute("DROP INDEX IF EXISTS urbanaudit_package_extra_identifier")
