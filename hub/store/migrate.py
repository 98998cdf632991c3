"""Applying the schema: Alembic migrations are its one source, embedded mode included.

The embedded mode runs the same migrations on start as ``hub db upgrade``
does in production, rather than ``metadata.create_all``, so a laptop database
and a production one can never drift apart; a test checks that the migrated
schema equals :data:`hub.store.schema.Base.metadata`.

There is no ``alembic.ini``: the configuration is built here, so the
migrations ship inside the package and need no file in the working directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from hub.store.engine import open_engine
from hub.store.settings import normalise_url

__all__ = ["MIGRATIONS", "alembic_config", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` with the hub's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic reads options through configparser: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Migrate the database at ``target`` (a URL or an engine) to ``revision``.

    Given an engine, its connections (and their SQLite settings) are used and
    it stays open; given a URL, an engine is opened and disposed of here.
    """
    engine = open_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            config = alembic_config(engine.url.render_as_string(hide_password=False))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()
