"""kiosk codes: one-time codes e-mailed to a participant who checks in by name at a kiosk

Revision ID: 0015_kiosk_codes
Revises: 0014_session_timeouts
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_kiosk_codes"
down_revision = "0014_session_timeouts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosk_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_request_id", sa.String(length=64), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_codes_kiosk_id_kiosks"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_kiosk_codes_mail_id_outgoing_mail"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_kiosk_codes_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_codes")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_kiosk_codes_participant_id")),
    )


def downgrade():
    op.drop_table("kiosk_codes")
