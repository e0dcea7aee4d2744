"""counters for live figures; a short reference for each participant

Revision ID: 0003_live_counters
Revises: 0002_print_queue
Create Date: 2026-11-24 06:50:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_live_counters"
down_revision = "0002_print_queue"
branch_labels = None
depends_on = None

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def upgrade():
    op.create_table(
        "counters",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_counters_event_id_events")),
        sa.PrimaryKeyConstraint("event_id", "name", name=op.f("pk_counters")),
    )
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=9), nullable=True))
    connection = op.get_bind()
    participants = sa.table("participants", sa.column("id", sa.Integer), sa.column("reference", sa.String))
    for (participant_id,) in connection.execute(sa.select(participants.c.id)).all():
        connection.execute(
            participants.update().where(participants.c.id == participant_id).values(reference=_reference())
        )
    with op.batch_alter_table("participants") as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=9), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_participants_event_reference"), ["event_id", "reference"])
    # Counters of the participants already registered (services.counters keeps them from now on).
    for prefix, key in (
        ("'participants:' || p.status || ':' || d.category", "d.category"),
        ("'delegation:' || CAST(p.delegation_id AS VARCHAR) || ':' || p.status", "p.delegation_id"),
    ):
        connection.execute(
            sa.text(
                "INSERT INTO counters (event_id, name, value) "
                f"SELECT p.event_id, {prefix} || ':' || p.gender || ':' || p.mode, COUNT(*) "
                "FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                f"GROUP BY p.event_id, p.status, {key}, p.gender, p.mode"
            )
        )


def downgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_constraint(op.f("uq_participants_event_reference"), type_="unique")
        batch_op.drop_column("reference")
    op.drop_table("counters")
