"""The initial store: messages, declarations, decisions, findings, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("wire_format", sa.String(16), nullable=False),
        sa.Column("submitter", sa.String(64), nullable=True),
        sa.Column("functional_reference", sa.String(128), nullable=True),
        sa.Column("received_at", _moment(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_messages"),
    )
    op.create_table(
        "declarations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("message_sha256", sa.String(64), nullable=False),
        sa.Column("functional_reference", sa.String(128), nullable=True),
        sa.Column("submitter", sa.String(64), nullable=True),
        sa.Column("function", sa.String(16), nullable=True),
        sa.Column("declaration_json", sa.Text(), nullable=False),
        sa.Column("accepted_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_sha256"],
            ["messages.sha256"],
            name="fk_declarations_message_sha256_messages",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_declarations"),
        sa.UniqueConstraint("message_sha256", name="uq_declarations_message_sha256"),
    )
    op.create_index(
        "ix_declarations_submitter_functional_reference",
        "declarations",
        ["submitter", "functional_reference"],
    )
    op.create_table(
        "decisions",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.Column("made_at", _moment(), nullable=False),
        sa.CheckConstraint(
            "(version = 1 AND supersedes IS NULL) OR supersedes = version - 1",
            name="ck_decisions_supersedes_previous",
        ),
        sa.CheckConstraint("version >= 1", name="ck_decisions_version_positive"),
        sa.ForeignKeyConstraint(
            ["declaration_id", "supersedes"],
            ["decisions.declaration_id", "decisions.version"],
            name="fk_decisions_declaration_id_supersedes_decisions",
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_decisions_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("declaration_id", "version", name="pk_decisions"),
    )
    op.create_table(
        "findings",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("findings_json", sa.Text(), nullable=False),
        sa.Column("answered_at", _moment(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_findings_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("declaration_id", "agency", "request_id", name="pk_findings"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("published_at", _moment(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_attempts_not_negative"),
        sa.CheckConstraint("length(topic) > 0", name="ck_outbox_topic_not_empty"),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_outbox_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_declaration_id", "outbox", ["declaration_id"])
    op.create_index("ix_outbox_published_at_id", "outbox", ["published_at", "id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("findings")
    op.drop_table("decisions")
    op.drop_table("declarations")
    op.drop_table("messages")
