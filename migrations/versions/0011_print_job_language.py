"""print jobs: the language to print in (a kiosk's receipt in the language its delegate chose)

Revision ID: 0011_print_job_language
Revises: 0010_name_keys
Create Date: 2026-11-24 22:00:00

Jobs queued before keep NULL: their receipts stay in the participant's language, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_print_job_language"
down_revision = "0010_name_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_column("language")
