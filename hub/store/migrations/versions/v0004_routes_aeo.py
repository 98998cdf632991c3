"""Routes as they were at acceptance, and the AEO register's certificates with their history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "routes",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("item_sequences_json", sa.Text(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name="fk_routes_declaration_id_declarations"
        ),
        sa.PrimaryKeyConstraint("declaration_id", "agency", name="pk_routes"),
    )
    op.create_table(
        "aeo_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issued_by", sa.String(2), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("type", sa.String(4), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('AEOC', 'AEOS', 'AEOF')", name="ck_aeo_certificates_type_known"
        ),
        sa.CheckConstraint(
            "status IN ('granted', 'suspended', 'revoked')",
            name="ck_aeo_certificates_status_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_aeo_certificates"),
    )
    op.create_index(
        "ix_aeo_certificates_issued_by_operator_type",
        "aeo_certificates",
        ["issued_by", "operator", "type"],
    )


def downgrade() -> None:
    op.drop_table("aeo_certificates")
    op.drop_table("routes")
