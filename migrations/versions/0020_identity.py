"""identity details: the event setting and the encrypted identity details of participants

Revision ID: 0020_identity
Revises: 0019_credentials
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_identity"
down_revision = "0019_credentials"
branch_labels = None
depends_on = None


def upgrade():
    # Existing events keep not asking: the setting is off by default. A plain ADD COLUMN (no batch
    # copy of the events table, which other tables reference).
    op.add_column("events", sa.Column("identity_details", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "identity_details",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("nationality", sa.LargeBinary(), nullable=False),
        sa.Column("birth_date", sa.LargeBinary(), nullable=False),
        sa.Column("document_type", sa.LargeBinary(), nullable=False),
        sa.Column("document_number", sa.LargeBinary(), nullable=False),
        sa.Column("document_expiry", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_identity_details_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_identity_details")),
    )


def downgrade():
    op.drop_table("identity_details")
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of a referenced table would break its foreign keys.
    op.execute("ALTER TABLE events DROP COLUMN identity_details")
