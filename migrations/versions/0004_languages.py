"""six languages: an event's own mail sender; participants' functions stored as codes of the list

Revision ID: 0004_languages
Revises: 0003_live_counters
Create Date: 2026-11-24 07:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_languages"
down_revision = "0003_live_counters"
branch_labels = None
depends_on = None

#: Functions the forms used to offer as English text, and the codes of the list that replaced them.
FUNCTION_CODES = {
    "head of delegation": "head_of_delegation",
    "deputy head of delegation": "deputy_head_of_delegation",
    "delegate": "delegate",
    "adviser": "adviser",
    "expert": "expert",
}


def upgrade():
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("mail_sender", sa.String(length=200), nullable=False, server_default=""))
    participants = sa.table("participants", sa.column("function", sa.String))
    for text, code in FUNCTION_CODES.items():
        op.execute(
            participants.update().where(sa.func.lower(participants.c.function) == text).values(function=code)
        )


def downgrade():
    participants = sa.table("participants", sa.column("function", sa.String))
    for text, code in FUNCTION_CODES.items():
        op.execute(
            participants.update()
            .where(participants.c.function == code)
            .values(function=text[0].upper() + text[1:])
        )
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of events would break its foreign keys.
    op.execute("ALTER TABLE events DROP COLUMN mail_sender")
