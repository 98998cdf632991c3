"""The audit trail, control results and re-routing requests with their approvals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", _moment(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("seq >= 1", name="ck_audit_records_seq_positive"),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_records"),
        sa.UniqueConstraint("hash", name="uq_audit_records_hash"),
    )
    op.create_table(
        "control_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("recorded_at", _moment(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('no-finding', 'discrepancy', 'seizure', 'detention')",
            name="ck_control_results_outcome_known",
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_control_results_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_control_results"),
    )
    op.create_index("ix_control_results_declaration_id", "control_results", ["declaration_id"])
    op.create_index(
        "ix_control_results_agency_recorded_at", "control_results", ["agency", "recorded_at"]
    )
    op.create_table(
        "rerouting_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("requested_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_rerouting_requests_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rerouting_requests"),
    )
    op.create_index(
        "ix_rerouting_requests_declaration_id", "rerouting_requests", ["declaration_id"]
    )
    op.create_table(
        "rerouting_approvals",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("approved_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rerouting_requests.id"],
            name="fk_rerouting_approvals_request_id_rerouting_requests",
        ),
        sa.PrimaryKeyConstraint("request_id", name="pk_rerouting_approvals"),
    )


def downgrade() -> None:
    op.drop_table("rerouting_approvals")
    op.drop_table("rerouting_requests")
    op.drop_table("control_results")
    op.drop_table("audit_records")
