"""web servers: each gunicorn server's heartbeat, so a second one without Redis is refused

Revision ID: 0013_web_servers
Revises: 0012_print_worker
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_web_servers"
down_revision = "0012_print_worker"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_servers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("uses_redis", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_servers")),
    )
    op.create_index(op.f("ix_web_servers_last_seen"), "web_servers", ["last_seen"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_web_servers_last_seen"), table_name="web_servers")
    op.drop_table("web_servers")
