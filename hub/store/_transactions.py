"""What every part of the store stands on: the engine and its two kinds of transaction.

Each public method of :class:`~hub.store.Store` is one of these transactions,
so a caller never sees half of a write. The store's concepts are mixins over
:class:`Transactions` (see :mod:`hub.store`); :class:`~hub.store.Store` sets
the attributes declared here when it opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine

from hub.store.engine import DURABLE, READ_ONLY

__all__ = ["Transactions"]


class Transactions:
    """The engine, and the read-write and read-only transactions the store's methods run in."""

    engine: Engine
    _writer: AbstractContextManager[object]
    _postgres: bool

    @contextmanager
    def _transaction(self, *, durable: bool = False) -> Iterator[Connection]:
        """A read-write transaction (on SQLite: BEGIN IMMEDIATE, see hub.store.engine).

        ``durable``: on disk before it returns, even through a power cut
        (see :data:`~hub.store.engine.DURABLE`); what the hub can derive again
        need not be.
        """
        with self._writer, self.engine.connect() as conn:
            if durable:
                conn = conn.execution_options(**{DURABLE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A read-only transaction: on SQLite a deferred BEGIN, which WAL never blocks."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn
