"""Opening the database: one engine per store, configured for safe concurrent writers.

PostgreSQL runs at its default READ COMMITTED: correctness never rests on
isolation, only on constraints (primary keys, the unique message hash, the
foreign key from a decision to the version it supersedes). Two writers of the
same key meet at the unique index; the second waits for the first to commit,
gets a unique violation, and the store reads what the first wrote.

SQLite (embedded mode) is opened so several processes can share one file:
- WAL journal, so readers never block the writer;
- ``busy_timeout`` so a writer waits for the lock instead of failing at once;
- ``BEGIN IMMEDIATE`` on every transaction that may write: the write lock is
  taken at the start, so a transaction that read first cannot fail later on a
  stale snapshot (SQLITE_BUSY_SNAPSHOT, which ``busy_timeout`` does not
  retry). Writers are therefore serialised; the store's are short. A
  read-only transaction (execution option ``READ_ONLY``) begins deferred:
  WAL gives it a snapshot without waiting for writers.
- pooled connections, set up once (the PRAGMAs cost more than most queries);
  a forked child drops the pool it inherited rather than share its sockets.
- ``foreign_keys=ON``, off by default in SQLite;
- ``synchronous=FULL`` for a transaction run with the :data:`DURABLE`
  execution option (accepting a declaration: it is on disk, power cut
  included, before the trader is told so; that is the outbox's promise) and
  ``NORMAL`` otherwise. In WAL mode ``NORMAL`` loses no committed transaction
  when the process dies, only the last ones when the machine itself does;
  everything written that way (answers, decisions, outbox marks) is derived
  again from the accepted declaration after a restart (``Orchestrator.recover``).
  An fsync per commit cost 0.22 ms against 0.03 ms here, about a sixth of a
  declaration's time.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from hub.store.settings import normalise_url

__all__ = ["BUSY_TIMEOUT_MS", "DURABLE", "READ_ONLY", "open_engine"]

BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "hub_read_only"  # execution option: a transaction that only reads
DURABLE = "hub_durable"  # execution option: synced to disk before the commit returns


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (normalised: ``postgresql://`` means psycopg 3)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, pool_size=8, max_overflow=8)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    _drop_pool_after_fork(engine)
    return engine


def _drop_pool_after_fork(engine: Engine) -> None:
    reference = weakref.ref(engine)

    def after_fork_in_child() -> None:
        inherited = reference()
        if inherited is not None:
            inherited.dispose(close=False)  # the parent still owns those connections

    os.register_at_fork(after_in_child=after_fork_in_child)


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (pysqlite would
    # otherwise issue a deferred BEGIN of its own).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        record.info["synchronous"] = "NORMAL"
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get(READ_ONLY, False):
        connection.exec_driver_sql("BEGIN")
        return
    synchronous = "FULL" if options.get(DURABLE, False) else "NORMAL"
    if connection.info.get("synchronous") != synchronous:
        connection.exec_driver_sql(f"PRAGMA synchronous = {synchronous}")
        connection.info["synchronous"] = synchronous
    connection.exec_driver_sql("BEGIN IMMEDIATE")
