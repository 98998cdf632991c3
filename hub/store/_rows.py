"""Insert-once writes: how the exchange's rows are kept without aborting a caller's transaction.

A message from a partner and what it leaves behind are written in one
transaction (:meth:`~hub.store.Store.accept_exchange` and its ``effects``), so
a duplicate must not raise there: on PostgreSQL an ``IntegrityError`` would
abort the whole transaction. Each row is therefore inserted once on its
natural key (``ON CONFLICT DO NOTHING``, statements in
:data:`~hub.store._statements.INSERT_ONCE`), and a concurrent writer of the
same key waits for the first, like the rest of the store.

Shared by :mod:`hub.store._exchange` (messages, the replay guard) and
:mod:`hub.store._partner_data` (what accepted messages leave behind).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Executable, Table, select

from hub.store._statements import INSERT_ONCE

__all__ = ["insert_once", "insert_or_find"]


def insert_once(conn: Connection, table: Table, row: Mapping[str, Any]) -> int | None:
    """Insert ``row`` into ``table`` unless its natural key is kept; the new id, else ``None``."""
    statement: Executable = INSERT_ONCE[table.name][conn.dialect.name]
    inserted = conn.scalar(statement, dict(row))
    return None if inserted is None else int(inserted)


def insert_or_find(
    conn: Connection, table: Table, row: Mapping[str, Any], key: tuple[str, ...]
) -> int:
    """Insert ``row`` once; the id of the row kept under ``key`` either way."""
    inserted = insert_once(conn, table, row)
    if inserted is not None:
        return inserted
    query = select(table.c.id).where(*(table.c[k] == row[k] for k in key))
    return int(conn.scalar(query) or 0)
