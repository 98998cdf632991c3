"""The outbox: the work an accepted declaration causes, kept until it is published.

Entries are written with the declaration (:meth:`~hub.store.Store.accept`)
and published by a relay, at least once; the hub finds declarations whose
assessment was published but never decided, to start them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from hub.store._statements import (
    BUMP_ATTEMPTS,
    DECISIONS,
    MARK_PUBLISHED,
    OUTBOX,
)
from hub.store._transactions import Transactions
from hub.store.records import OutboxRow

__all__ = ["OutboxMixin"]


class OutboxMixin(Transactions):
    """Reading what is still to publish, and recording publication and failed attempts."""

    def unpublished(
        self, limit: int = 100, *, settled_before: datetime | None = None
    ) -> list[OutboxRow]:
        """Up to ``limit`` entries not yet published, oldest first.

        With ``settled_before``, only entries already tried or created before
        that moment: younger ones are still being published by the process
        that accepted them.

        Publishing is at least once: an entry stays here until
        :meth:`mark_published`, so a relay that dies between publishing and
        marking publishes it again, and consumers must be idempotent (the
        store's writes are).
        """
        c = OUTBOX.c
        query = select(OUTBOX).where(c.published_at.is_(None))
        if settled_before is not None:
            query = query.where((c.attempts > 0) | (c.created_at < settled_before))
        with self._reading() as conn:
            rows = conn.execute(query.order_by(c.id).limit(limit)).mappings().all()
        return [
            OutboxRow(
                id=row["id"],
                declaration_id=row["declaration_id"],
                topic=row["topic"],
                payload=row["payload"],
                created_at=row["created_at"],
                published_at=row["published_at"],
                attempts=row["attempts"],
            )
            for row in rows
        ]

    def undecided(
        self,
        limit: int = 100,
        *,
        published_before: datetime | None = None,
        published_after: datetime | None = None,
    ) -> list[str]:
        """Declarations whose assessment was published but that have no decision yet.

        An embedded hub keeps its queued tasks in memory; after a restart these
        declarations would wait for ever, so the hub starts them again (the
        assessments are idempotent: agencies that answered are not asked twice).
        The bounds select those published in a window (the overdue sweep).
        """
        c = OUTBOX.c
        decided = select(DECISIONS.c.declaration_id).where(
            DECISIONS.c.declaration_id == c.declaration_id
        )
        query = (
            select(c.declaration_id)
            .where(c.topic == "assess", c.published_at.is_not(None), ~decided.exists())
            .order_by(c.id)
            .limit(limit)
        )
        if published_before is not None:
            query = query.where(c.published_at < published_before)
        if published_after is not None:
            query = query.where(c.published_at > published_after)
        with self._reading() as conn:
            rows = conn.scalars(query).all()
        return list(dict.fromkeys(rows))

    def mark_published(self, ids: Sequence[int], at: datetime) -> int:
        """Record that these entries were published at ``at``; how many were still unpublished.

        An entry already marked keeps its first ``published_at``.
        """
        if not ids:
            return 0
        with self._transaction() as conn:
            result = conn.execute(MARK_PUBLISHED, {"ids": list(ids), "at": at})
            return int(result.rowcount)

    def bump_attempts(self, ids: Sequence[int]) -> None:
        """Count one more failed publishing attempt for each entry (for backoff and alerts)."""
        if not ids:
            return
        with self._transaction() as conn:
            conn.execute(BUMP_ATTEMPTS, {"ids": list(ids)})
