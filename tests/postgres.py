"""A scratch schema on the machine's PostgreSQL, for the tests and the benchmarks.

Each test (or benchmark run) gets an empty schema of its own, reached by a
URL whose ``search_path`` names it, and the schema is dropped afterwards
whatever happens: runs never see each other's rows and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

__all__ = ["scratch_schema"]


@contextlib.contextmanager
def scratch_schema(database: str | URL, prefix: str) -> Iterator[str]:
    """A fresh schema named ``prefix_<random>`` in ``database``: its URL, dropped on exit.

    Connecting or creating fails with SQLAlchemy's error before anything is
    yielded, so a caller can skip or fail with its own words.
    """
    url = make_url(database)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
            yield scoped.render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        engine.dispose()
