"""Alembic environment for the hub store: online migrations only.

``hub.store.migrate.upgrade`` passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line passes a URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.store.engine import open_engine
from hub.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no sqlalchemy.url for the hub migrations")
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the hub migrations run online only")
run_migrations_online()
