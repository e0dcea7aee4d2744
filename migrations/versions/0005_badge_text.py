"""badge text: the name on the badge and the event's badge language

Revision ID: 0005_badge_text
Revises: 0004_languages
Create Date: 2026-11-24 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_badge_text'
down_revision = '0004_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_name', sa.String(length=120), nullable=False, server_default=''))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_language', sa.String(length=5), nullable=False, server_default='en'))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of a referenced table would break its foreign keys.
    op.execute("ALTER TABLE events DROP COLUMN badge_language")
    op.execute("ALTER TABLE participants DROP COLUMN badge_name")
