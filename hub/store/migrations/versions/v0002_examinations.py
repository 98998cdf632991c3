"""Examinations: each declaration's current appointment or queue place, for office capacity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "examinations",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(32), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("over_capacity", sa.Boolean(), nullable=False),
        sa.CheckConstraint("state IN ('booked', 'waiting')", name="ck_examinations_state_known"),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name="fk_examinations_declaration_id_declarations",
        ),
        sa.PrimaryKeyConstraint("declaration_id", name="pk_examinations"),
    )
    op.create_index("ix_examinations_office_day_lane", "examinations", ["office", "day", "lane"])


def downgrade() -> None:
    op.drop_table("examinations")
