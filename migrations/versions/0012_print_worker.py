"""print worker: who holds a printer's lease, worker heartbeats, badges that may have printed

Revision ID: 0012_print_worker
Revises: 0011_print_job_language
Create Date: 2026-11-26 10:00:00

The job status "uncertain" needs no change to the schema: statuses are stored as plain strings
(length 10, no CHECK constraint). Leases taken before this revision have no holder: they expire
as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_print_worker"
down_revision = "0011_print_job_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("printers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_by", sa.String(length=100), nullable=True))
    op.create_table(
        "print_workers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_workers")),
    )
    op.create_index(op.f("ix_print_workers_last_seen"), "print_workers", ["last_seen"], unique=False)


def downgrade():
    # Badges left "uncertain" go back to "failed": the older code knows that status and never
    # reprints a failed job by itself.
    op.execute("UPDATE print_jobs SET status = 'failed' WHERE status = 'uncertain'")
    op.drop_index(op.f("ix_print_workers_last_seen"), table_name="print_workers")
    op.drop_table("print_workers")
    with op.batch_alter_table("printers", schema=None) as batch_op:
        batch_op.drop_column("leased_by")
