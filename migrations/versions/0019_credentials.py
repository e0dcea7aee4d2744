"""credentials on file: documents per delegation, the participants they name, the event's accreditation rule

Revision ID: 0019_credentials
Revises: 0018_name_order
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_credentials"
down_revision = "0018_name_order"
branch_labels = None
depends_on = None


def upgrade():
    # Existing events keep accrediting as before: the rule is off. A constant default ("0" is false
    # on SQLite and PostgreSQL alike) lets SQLite add the column in place: a batch copy of the
    # events table would break the foreign keys that point at it.
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("credentials_required", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "credential_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "credentials",
                "note_verbale",
                "nomination",
                "other",
                name="documentkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column(
            "authority",
            sa.Enum(
                "head_of_state",
                "foreign_minister",
                "permanent_mission",
                "organisation",
                name="authority",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("original", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum("pending", "accepted", "returned", name="decision", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.String(length=30), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_credential_documents_delegation_id_delegations"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_credential_documents_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_documents")),
    )
    op.create_index(op.f("ix_credential_documents_delegation_id"), "credential_documents", ["delegation_id"])
    op.create_index(op.f("ix_credential_documents_event_id"), "credential_documents", ["event_id"])
    op.create_table(
        "credential_document_participants",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["credential_documents.id"],
            name=op.f("fk_credential_document_participants_document_id_credential_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_credential_document_participants_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "document_id", "participant_id", name=op.f("pk_credential_document_participants")
        ),
    )


def downgrade():
    op.drop_table("credential_document_participants")
    op.drop_index(op.f("ix_credential_documents_event_id"), table_name="credential_documents")
    op.drop_index(op.f("ix_credential_documents_delegation_id"), table_name="credential_documents")
    op.drop_table("credential_documents")
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of a referenced table would break its foreign keys.
    op.execute("ALTER TABLE events DROP COLUMN credentials_required")
