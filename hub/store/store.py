"""The store: what the hub accepted, what agencies answered, what it decided, what is owed.

Every method is one transaction, so a caller never sees half of a write.
Writes are insert-only and idempotent: the orchestrator's tasks may run twice
(``acks_late``, retries, a relay that publishes twice), and running one again
must neither duplicate a row nor overwrite history. A repeated write with the
same content returns ``False``; a different one under the same key raises
:class:`~hub.errors.ConflictingRecord`.

Concurrency rests on constraints, not on locks taken here: when two processes
write the same key at once, the database lets one commit and gives the other
an ``IntegrityError``, after which the store reads what the winner wrote and
answers as for a repeat. :meth:`Store.decide` adds one row lock, so that of
several answers arriving at once exactly one makes the decision. See
:mod:`hub.store.engine` for the PostgreSQL and SQLite settings this relies on.

SQLAlchemy Core, with every statement built once at import: the ORM's
session and per-call statement building cost more than the queries
themselves (bench/e2e.py measured ~11 ms of a declaration's 11 ms in them
before), and rows never leave the store anyway.

Open a store after forking: a store holds an engine whose connections must
not be shared between processes (with Celery's prefork pool, open it in
``worker_process_init``).

The methods are grouped by concept in private mixins that :class:`Store`
inherits (:mod:`hub.store` lists them); this module opens and closes it.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from hub.model.declaration import Declaration
from hub.store._aeo import AeoRegisterMixin
from hub.store._answers import AnswersMixin
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._decisions import DecisionsMixin
from hub.store._declarations import DeclarationsMixin
from hub.store._examinations import ExaminationsMixin
from hub.store._exchange import ExchangeMixin
from hub.store._officers import OfficersMixin
from hub.store._outbox import OutboxMixin
from hub.store._partner_data import PartnerDataMixin
from hub.store._ratings import RatingsMixin
from hub.store._reports import ReportsMixin
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.settings import database_url

__all__ = ["HUB_ACTOR", "Store"]


class Store(
    DeclarationsMixin,
    AeoRegisterMixin,
    AnswersMixin,
    DecisionsMixin,
    ExaminationsMixin,
    OfficersMixin,
    ExchangeMixin,
    PartnerDataMixin,
    RatingsMixin,
    ReportsMixin,
    AuditTrailMixin,
    OutboxMixin,
):
    """The hub's durable state, over one engine (SQLite file or PostgreSQL).

    Build one with :meth:`open` (a URL, ``HUB_DATABASE_URL`` by default) or
    :meth:`embedded` (a SQLite file, migrated on start); :meth:`close` it, or
    use it as a context manager.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Threads of this process queue on a
        # lock rather than in SQLite's busy handler, which sleeps in steps of
        # up to 100 ms and so turned contention into seconds of latency
        # (bench/e2e.py). Other processes still meet ``busy_timeout``.
        self._writer: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        self._postgres = engine.dialect.name == "postgresql"
        # A stored declaration never changes: read it once per process.
        self._declarations: dict[str, Declaration] = {}

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = False) -> Store:
        """A store at ``url`` (default: :func:`~hub.store.settings.database_url`).

        ``migrate`` applies pending migrations first; production runs
        ``hub db upgrade`` once instead, before starting API and workers.
        """
        store = cls(open_engine(url or database_url()))
        if migrate:
            try:
                upgrade(store.engine)
            except BaseException:
                store.close()
                raise
        return store

    @classmethod
    def embedded(cls, path: str | Path = "hub.db") -> Store:
        """The embedded store: a SQLite file at ``path``, created and migrated on first start."""
        return cls.open(f"sqlite:///{Path(path)}", migrate=True)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
