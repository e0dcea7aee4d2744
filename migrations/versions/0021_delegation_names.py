"""delegation names: an organisation's own names in the six languages and its words after "delegation"

Revision ID: 0021_delegation_names
Revises: 0020_identity
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_delegation_names"
down_revision = "0020_identity"
branch_labels = None
depends_on = None


def upgrade():
    # Existing delegations have no names of their own ({}): they keep being named from
    # organizations.json or as registered. A plain ADD COLUMN (no batch copy of the delegations
    # table, which other tables reference).
    op.add_column(
        "delegations", sa.Column("names", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of a referenced table would break its foreign keys.
    op.execute("ALTER TABLE delegations DROP COLUMN names")
