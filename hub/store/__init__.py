"""The hub's durable state: SQLite embedded, PostgreSQL in production, one schema.

:class:`Store` is the whole API; :mod:`hub.store.schema` the tables, applied
only through the Alembic migrations in ``migrations/`` (:func:`upgrade`, or
``hub db upgrade``).
"""

from hub.store.migrate import upgrade
from hub.store.records import (
    Accepted,
    Answer,
    Decided,
    DecisionBasis,
    NewAnswer,
    OutboxEntry,
    OutboxRow,
    RawMessage,
)
from hub.store.settings import DEFAULT_DATABASE_URL, database_url, normalise_url
from hub.store.store import Store

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Accepted",
    "Answer",
    "Decided",
    "DecisionBasis",
    "NewAnswer",
    "OutboxEntry",
    "OutboxRow",
    "RawMessage",
    "Store",
    "database_url",
    "normalise_url",
    "upgrade",
]
