"""The exchange with partner administrations, and the AEO operator's name.

Partners and their agreements; every message accepted from or sent to a
partner, byte for byte, with the replay guard (direction, partner, message
id) and the delivery attempts; refused receipts; what the messages leave
behind (pre-arrival data to match, consignments to watch, findings added to
declarations, partners' AEO lists) and the JTC's alerts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("aeo_certificates") as batch:
        batch.add_column(sa.Column("name", sa.String(200), nullable=True))
    op.create_table(
        "partners",
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        _moment("updated_at"),
        sa.PrimaryKeyConstraint("code", name="pk_partners"),
    )
    op.create_table(
        "exchange_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("message_id", sa.String(70), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("refers_to", _JSON, nullable=False),
        _moment("created_at"),
        _moment("recorded_at"),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _moment("delivered_at", nullable=True),
        sa.Column("subject", sa.String(70), nullable=True),
        sa.CheckConstraint(
            "(direction = 'in' AND status = 'accepted')"
            " OR (direction = 'out' AND status IN ('queued', 'delivered', 'failed'))",
            name="ck_exchange_messages_status_known",
        ),
        sa.CheckConstraint(
            "kind IN ('pre-arrival', 'risk-warning', 'risk-feedback', 'seizure-report',"
            " 'aeo-list')",
            name="ck_exchange_messages_kind_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_messages"),
        sa.UniqueConstraint(
            "direction",
            "partner",
            "message_id",
            name="uq_exchange_messages_direction_partner_message_id",
        ),
    )
    op.create_index(
        "ix_exchange_messages_status_recorded_at", "exchange_messages", ["status", "recorded_at"]
    )
    op.create_index("ix_exchange_messages_subject", "exchange_messages", ["subject"])
    op.create_table(
        "exchange_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_row_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        _moment("attempted_at"),
        sa.CheckConstraint(
            "outcome IN ('delivered', 'failed', 'retrying')",
            name="ck_exchange_deliveries_outcome_known",
        ),
        sa.CheckConstraint("attempt >= 1", name="ck_exchange_deliveries_attempt_positive"),
        sa.ForeignKeyConstraint(
            ["message_row_id"],
            ["exchange_messages.id"],
            name="fk_exchange_deliveries_message_row_id_exchange_messages",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_deliveries"),
    )
    op.create_index(
        "ix_exchange_deliveries_message_row_id", "exchange_deliveries", ["message_row_id"]
    )
    op.create_table(
        "exchange_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(64), nullable=True),
        sa.Column("message_id", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _moment("refused_at"),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_refusals"),
    )
    op.create_index("ix_exchange_refusals_refused_at", "exchange_refusals", ["refused_at"])
    op.create_table(
        "pre_arrivals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("message_id", sa.String(70), nullable=False),
        sa.Column("declaration_reference", sa.String(128), nullable=False),
        sa.Column("means_id", sa.String(64), nullable=False),
        _moment("departed_at"),
        sa.Column("document", sa.Text(), nullable=False),
        _moment("received_at"),
        sa.Column("matched_declaration", sa.String(64), nullable=True),
        _moment("matched_at", nullable=True),
        _moment("alerted_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["matched_declaration"],
            ["declarations.id"],
            name="fk_pre_arrivals_matched_declaration_declarations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pre_arrivals"),
        sa.UniqueConstraint("partner", "message_id", name="uq_pre_arrivals_partner_message_id"),
    )
    op.create_index(
        "ix_pre_arrivals_means_id_departed_at", "pre_arrivals", ["means_id", "departed_at"]
    )
    op.create_index(
        "ix_pre_arrivals_declaration_reference", "pre_arrivals", ["declaration_reference"]
    )
    op.create_index("ix_pre_arrivals_departed_at", "pre_arrivals", ["departed_at"])
    op.create_index("ix_pre_arrivals_matched_declaration", "pre_arrivals", ["matched_declaration"])
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("warning_message_id", sa.String(70), nullable=False),
        sa.Column("means_id", sa.String(64), nullable=True),
        sa.Column("container", sa.String(64), nullable=True),
        sa.Column("transport_document", sa.String(128), nullable=True),
        sa.Column("declaration_reference", sa.String(128), nullable=True),
        sa.Column("party_id", sa.String(64), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_watches"),
        sa.UniqueConstraint(
            "partner", "warning_message_id", name="uq_watches_partner_warning_message_id"
        ),
    )
    for column in _WATCHED:
        op.create_index(f"ix_watches_{column}", "watches", [column])
    op.create_table(
        "partner_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("basis", sa.String(128), nullable=False),
        sa.Column("findings_json", sa.Text(), nullable=False),
        _moment("recorded_at"),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_partner_findings_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_partner_findings"),
        sa.UniqueConstraint(
            "declaration_id", "basis", name="uq_partner_findings_declaration_id_basis"
        ),
    )
    op.create_table(
        "partner_aeo_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("message_id", sa.String(70), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("entries_json", sa.Text(), nullable=False),
        _moment("received_at"),
        sa.PrimaryKeyConstraint("id", name="pk_partner_aeo_lists"),
        sa.UniqueConstraint(
            "partner", "message_id", name="uq_partner_aeo_lists_partner_message_id"
        ),
    )
    op.create_table(
        "jtc_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        _moment("raised_at"),
        _moment("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jtc_alerts"),
        sa.UniqueConstraint("kind", "subject", name="uq_jtc_alerts_kind_subject"),
    )
    op.create_index(
        "ix_jtc_alerts_acknowledged_at_raised_at", "jtc_alerts", ["acknowledged_at", "raised_at"]
    )


_WATCHED = ("means_id", "container", "transport_document", "declaration_reference", "party_id")


def downgrade() -> None:
    for table in (
        "jtc_alerts",
        "partner_aeo_lists",
        "partner_findings",
        "watches",
        "pre_arrivals",
        "exchange_refusals",
        "exchange_deliveries",
        "exchange_messages",
        "partners",
    ):
        op.drop_table(table)
    with op.batch_alter_table("aeo_certificates") as batch:
        batch.drop_column("name")
