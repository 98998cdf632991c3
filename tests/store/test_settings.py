"""The database URL: HUB_DATABASE_URL or the embedded SQLite file; PostgreSQL means psycopg 3."""

from __future__ import annotations

import pytest

from hub.store import DEFAULT_DATABASE_URL, database_url, normalise_url


def test_the_default_is_a_sqlite_file_in_the_working_directory() -> None:
    assert database_url({}) == DEFAULT_DATABASE_URL == "sqlite:///hub.db"
    assert database_url({"HUB_DATABASE_URL": ""}) == "sqlite:///hub.db"


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:p@db:5432/hub",
        "postgres://u:p@db:5432/hub",
        "postgresql+psycopg2://u:p@db:5432/hub",
        "postgresql+psycopg://u:p@db:5432/hub",
    ],
)
def test_postgresql_urls_name_psycopg_3(given: str) -> None:
    assert normalise_url(given) == "postgresql+psycopg://u:p@db:5432/hub"
    assert database_url({"HUB_DATABASE_URL": given}) == "postgresql+psycopg://u:p@db:5432/hub"


def test_other_urls_are_kept() -> None:
    assert normalise_url(" sqlite:////var/hub/hub.db ") == "sqlite:////var/hub/hub.db"
