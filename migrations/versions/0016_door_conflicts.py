"""door conflicts: offline scans judged as of their time (holder changes), conflicts resolved

Revision ID: 0016_door_conflicts
Revises: 0015_kiosk_codes
Create Date: 2026-12-06 22:00:00

The history of badge serials and accreditation is rebuilt from the audit log, which has
recorded every reissue and status change with its time.
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_door_conflicts"
down_revision = "0015_kiosk_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holder_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("serial_before", sa.Integer(), nullable=False),
        sa.Column("accredited_before", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_holder_changes_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_changes")),
    )
    op.create_index("ix_holder_changes_participant_at", "holder_changes", ["participant_id", "at"])
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scans_resolved_by_id_users"),
            "users",
            ["resolved_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _history_from_the_audit_log()


def _history_from_the_audit_log():
    """One holder change per audited reissue or status change, walking back from today's state."""
    bind = op.get_bind()
    current = {
        pid: (serial, status)
        for pid, serial, status in bind.execute(sa.text("SELECT id, badge_serial, status FROM participants"))
    }
    entries = bind.execute(
        sa.text(
            "SELECT entity_id, at, changes FROM audit_log WHERE entity = 'participant' "
            "AND entity_id IS NOT NULL ORDER BY entity_id, at DESC, id DESC"
        )
    ).all()
    rows = []
    for pid, at, changes in entries:
        if pid not in current:
            continue
        if isinstance(changes, str):
            changes = json.loads(changes)
        changes = changes or {}
        serial, status = current[pid]
        moved = False
        if isinstance(changes.get("badge_serial"), list) and len(changes["badge_serial"]) == 2:
            serial, moved = int(changes["badge_serial"][0]), True
        if isinstance(changes.get("status"), list) and len(changes["status"]) == 2:
            status, moved = changes["status"][0], True
        if moved:
            rows.append({"pid": pid, "at": at, "serial": serial, "accredited": status == "accredited"})
            current[pid] = (serial, status)
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO holder_changes (participant_id, at, serial_before, accredited_before) "
                "VALUES (:pid, :at, :serial, :accredited)"
            ),
            rows,
        )


def downgrade():
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_scans_resolved_by_id_users"), type_="foreignkey")
        batch_op.drop_column("resolved_by_id")
        batch_op.drop_column("resolved_at")
    op.drop_index("ix_holder_changes_participant_at", table_name="holder_changes")
    op.drop_table("holder_changes")
