"""An index on decisions.made_at: metrics and the JTC's lists read recent decisions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_decisions_made_at", "decisions", ["made_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_made_at", table_name="decisions")
