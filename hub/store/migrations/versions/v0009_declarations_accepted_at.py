"""An index on declarations.accepted_at: the reports, the ratings and back-tests over
stored history read the declarations accepted in a period.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_declarations_accepted_at", "declarations", ["accepted_at"])


def downgrade() -> None:
    op.drop_index("ix_declarations_accepted_at", table_name="declarations")
