"""The behavioural ratings of traders and carriers, one row per party and run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "trader_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("basis", _JSON, nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_trader_ratings_score_range"),
        sa.CheckConstraint(
            "band IN ('high', 'medium', 'low')", name="ck_trader_ratings_band_known"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_trader_ratings"),
    )
    op.create_index("ix_trader_ratings_party_id", "trader_ratings", ["party", "id"])
    op.create_index("ix_trader_ratings_rated_at", "trader_ratings", ["rated_at"])


def downgrade() -> None:
    op.drop_table("trader_ratings")
