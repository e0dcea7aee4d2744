"""the doors: checkpoints, scans, and who is inside each venue

Revision ID: 0006_door
Revises: 0005_badge_text
Create Date: 2026-11-24 06:26:52.887075

"""

import sqlalchemy as sa
from alembic import op

from kiosk.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0006_door"
down_revision = "0005_badge_text"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", "both", name="checkpointdirection", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("anti_passback", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_checkpoints_event_id_events")),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_checkpoints_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_event_id"), ["event_id"], unique=False)

    op.create_table(
        "checkpoint_meetings",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_checkpoint_meetings_checkpoint_id_checkpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_checkpoint_meetings_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "meeting_id", name=op.f("pk_checkpoint_meetings")),
    )
    op.create_table(
        "presence",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("inside", sa.Boolean(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"], ["checkpoints.id"], name=op.f("fk_presence_checkpoint_id_checkpoints")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_presence_event_id_events")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_presence_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("participant_id", "venue_id", name=op.f("pk_presence")),
    )
    with op.batch_alter_table("presence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_presence_event_venue_inside", ["event_id", "venue_id", "inside"], unique=False
        )

    op.create_table(
        "scans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.Enum("in", "out", name="direction", native_enum=False), nullable=False),
        sa.Column(
            "result",
            sa.Enum("accepted", "refused", name="scanresult", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "invalid_code",
                "not_a_badge",
                "revoked",
                "wrong_event",
                "not_valid_now",
                "not_accredited",
                "already_inside",
                "not_inside",
                name="reason",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("scanned_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("device", sa.String(length=120), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("badge_serial", sa.Integer(), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("server_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"], ["checkpoints.id"], name=op.f("fk_scans_checkpoint_id_checkpoints")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_scans_event_id_events")),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_scans_officer_id_users")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_scans_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
        sa.UniqueConstraint("nonce", name=op.f("uq_scans_nonce")),
    )
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index("ix_scans_event_conflict", ["event_id", "conflict"], unique=False)
        batch_op.create_index("ix_scans_event_scanned_at", ["event_id", "scanned_at"], unique=False)
        batch_op.create_index("ix_scans_participant", ["participant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_index("ix_scans_participant")
        batch_op.drop_index("ix_scans_event_scanned_at")
        batch_op.drop_index("ix_scans_event_conflict")

    op.drop_table("scans")
    with op.batch_alter_table("presence", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_event_venue_inside")

    op.drop_table("presence")
    op.drop_table("checkpoint_meetings")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_event_id"))

    op.drop_table("checkpoints")
