"""name order: a "family name first" choice per participant; Arabic search keys folded further

Revision ID: 0018_name_order
Revises: 0017_titles
Create Date: 2026-12-06 22:00:00

Fills `participants.family_name_first` from the conventions (badges.names.usually_family_first:
the name's script and letters, then the country of the person's delegation), and rewrites every
search key with kiosk.services.name_search.name_keys, which now folds Arabic (hamza forms, ta
marbuta, alef maqsura, tatweel, harakat) and also keys names without their article.
"""

import sqlalchemy as sa
from alembic import op

from badges.names import usually_family_first
from kiosk.services.name_search import name_keys

# revision identifiers, used by Alembic.
revision = "0018_name_order"
down_revision = "0017_titles"
branch_labels = None
depends_on = None

_participants = sa.table(
    "participants",
    sa.column("id", sa.Integer),
    sa.column("family_name_first", sa.Boolean),
)
_keys = sa.table(
    "name_keys",
    sa.column("participant_id", sa.Integer),
    sa.column("event_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("family", sa.Boolean),
)


def _people(bind):
    return bind.execute(
        sa.text(
            "SELECT p.id, p.event_id, p.given_name, p.family_name, d.country FROM participants p"
            " JOIN delegations d ON d.id = p.delegation_id ORDER BY p.id"
        )
    ).all()


def _rewrite_keys(bind, people) -> None:
    """Every participant's search keys as name_keys gives them now."""
    bind.execute(sa.delete(_keys))
    rows = [
        {"participant_id": pid, "event_id": event_id, "key": key, "family": family}
        for pid, event_id, given, family_name, _country in people
        for key, family in name_keys(given or "", family_name or "").items()
    ]
    for start in range(0, len(rows), 5000):
        bind.execute(sa.insert(_keys), rows[start : start + 5000])


def upgrade():
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("family_name_first", sa.Boolean(), nullable=True))
    bind = op.get_bind()
    people = _people(bind)
    first = [
        {"pid": pid, "first": usually_family_first(given or "", family or "", country)}
        for pid, _event, given, family, country in people
    ]
    if first:
        bind.execute(
            sa.update(_participants)
            .where(_participants.c.id == sa.bindparam("pid"))
            .values(family_name_first=sa.bindparam("first")),
            first,
        )
    _rewrite_keys(bind, people)


def downgrade():
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("family_name_first")
