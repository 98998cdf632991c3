"""The migrations are the one schema source: applied to an empty database they equal the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from typer.testing import CliRunner

from hub.cli import app
from hub.store import Store, upgrade
from hub.store.engine import open_engine
from hub.store.schema import Base

TABLES = {
    "aeo_certificates",
    "alembic_version",
    "audit_records",
    "control_results",
    "decisions",
    "declarations",
    "examinations",
    "exchange_deliveries",
    "exchange_messages",
    "exchange_refusals",
    "findings",
    "jtc_alerts",
    "messages",
    "outbox",
    "partner_aeo_lists",
    "partner_findings",
    "partners",
    "pre_arrivals",
    "profile_backtests",
    "profile_changes",
    "profile_versions",
    "rerouting_approvals",
    "rerouting_requests",
    "routes",
    "trader_ratings",
    "watches",
}


def test_the_upgraded_schema_equals_the_models(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # a second run has nothing to do
    engine = open_engine(database_url)
    try:
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == TABLES
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_hub_db_upgrade_creates_the_store(database_url: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", database_url])
    assert result.exit_code == 0, result.output
    assert "at revision head" in result.output
    with Store.open(database_url) as store:
        assert store.latest_decision("DEC-NONE") is None


def test_the_embedded_store_migrates_on_first_start(tmp_path: Path) -> None:
    path = tmp_path / "embedded" / "hub.db"
    path.parent.mkdir()
    with Store.embedded(path) as store:
        assert store.unpublished() == []
    with Store.embedded(path) as store:  # and opens an existing file as it is
        assert store.engine.dialect.name == "sqlite"


def test_hub_db_upgrade_reports_an_unreachable_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'hub.db'}"
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 1
