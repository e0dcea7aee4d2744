"""kiosks enrolled as devices; check-ins

Revision ID: 0008_kiosk
Revises: 0007_integrity
Create Date: 2026-11-24 07:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_kiosk"
down_revision = "0007_integrity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("badge_printer_id", sa.Integer(), nullable=True),
        sa.Column("receipt_printer_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("enrol_hash", sa.String(length=64), nullable=True),
        sa.Column("enrol_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_printer_id"], ["printers.id"], name=op.f("fk_kiosks_badge_printer_id_printers")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_kiosks_event_id_events")),
        sa.ForeignKeyConstraint(
            ["receipt_printer_id"], ["printers.id"], name=op.f("fk_kiosks_receipt_printer_id_printers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("enrol_hash", name=op.f("uq_kiosks_enrol_hash")),
        sa.UniqueConstraint("event_id", "name", name="uq_kiosks_event_name"),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_kiosks_secret_hash")),
    )
    with op.batch_alter_table("kiosks") as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosks_event_id"), ["event_id"], unique=False)
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "method",
            sa.Enum("code", "name", "desk", name="checkinmethod", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("badge_serial", sa.Integer(), nullable=False),
        sa.Column("print_job_ids", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_checkins_event_id_events")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_checkins_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_checkins_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_checkins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_checkins_participant_id")),
    )
    with op.batch_alter_table("checkins") as batch_op:
        batch_op.create_index("ix_checkins_event_at", ["event_id", "checked_in_at"], unique=False)


def downgrade():
    op.drop_table("checkins")
    op.drop_table("kiosks")
