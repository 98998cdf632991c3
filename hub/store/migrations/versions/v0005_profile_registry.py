"""The profile registry: every version of every risk profile, its change log and back-tests.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _version_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["profile_id", "version"],
        ["profile_versions.profile_id", "profile_versions.version"],
        name=f"fk_{table}_profile_id_version_profile_versions",
    )


def upgrade() -> None:
    op.create_table(
        "profile_versions",
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=False),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", _moment(), nullable=False),
        sa.CheckConstraint("version >= 1", name="ck_profile_versions_version_positive"),
        sa.CheckConstraint(
            "status IN ('draft', 'testing', 'active', 'retired')",
            name="ck_profile_versions_status_known",
        ),
        sa.PrimaryKeyConstraint("profile_id", "version", name="pk_profile_versions"),
    )
    op.create_table(
        "profile_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", _moment(), nullable=False),
        sa.CheckConstraint(
            "action IN ('publish', 'status', 'backtest')",
            name="ck_profile_changes_action_known",
        ),
        _version_key("profile_changes"),
        sa.PrimaryKeyConstraint("id", name="pk_profile_changes"),
    )
    op.create_index("ix_profile_changes_profile_id", "profile_changes", ["profile_id"])
    op.create_table(
        "profile_backtests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", _moment(), nullable=False),
        _version_key("profile_backtests"),
        sa.PrimaryKeyConstraint("id", name="pk_profile_backtests"),
    )
    op.create_index(
        "ix_profile_backtests_profile_id_version", "profile_backtests", ["profile_id", "version"]
    )


def downgrade() -> None:
    op.drop_table("profile_backtests")
    op.drop_table("profile_changes")
    op.drop_table("profile_versions")
