"""name search keys: finding a person by name reads an index, not every participant

Revision ID: 0010_name_keys
Revises: 0009_sign_ins
Create Date: 2026-11-24 19:00:00

Fills the keys of existing participants with kiosk.services.name_search.name_keys.
"""

import sqlalchemy as sa
from alembic import op

from kiosk.services.name_search import name_keys

# revision identifiers, used by Alembic.
revision = "0010_name_keys"
down_revision = "0009_sign_ins"
branch_labels = None
depends_on = None

KEY = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")


def upgrade():
    keys = op.create_table(
        "name_keys",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_name_keys_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_name_keys_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", "key", name=op.f("pk_name_keys")),
    )
    op.create_index("ix_name_keys_event_key", "name_keys", ["event_id", "key", "participant_id"], unique=False)
    people = op.get_bind().execute(sa.text("SELECT id, event_id, given_name, family_name FROM participants"))
    rows = [
        {"participant_id": pid, "event_id": event_id, "key": key, "family": family}
        for pid, event_id, given, family_name in people
        for key, family in name_keys(given or "", family_name or "").items()
    ]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(keys, rows[start : start + 5000])


def downgrade():
    op.drop_index("ix_name_keys_event_key", table_name="name_keys")
    op.drop_table("name_keys")
