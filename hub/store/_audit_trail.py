"""The audit trail: a hash chain, appended inside the transaction of the fact it records.

A fact and its audit record commit together or not at all, so the trail never
claims what the store does not hold, nor misses what it does. Appends are
serialised (see :meth:`AuditTrailMixin._append_audit`), which is what makes
the chain a chain; :mod:`hub.audit.chain` seals and verifies it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.audit.chain import GENESIS, AuditEntry, seal
from hub.store._statements import (
    AUDIT,
    INSERT_AUDIT,
    LAST_AUDIT,
    LOCK_AUDIT,
)
from hub.store._transactions import Transactions

__all__ = ["HUB_ACTOR", "AuditTrailMixin"]

HUB_ACTOR = "hub"  # how the audit trail names the hub's own acts (decisions)


class AuditTrailMixin(Transactions):
    """Appending to the audit trail (inside another write, or on its own) and reading it."""

    def audit(
        self,
        *,
        actor: str,
        action: str,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime,
    ) -> AuditEntry:
        """Append a record of its own (a read of a confidential finding, a token's use)."""
        with self._transaction() as conn:
            return self._append_audit(
                conn, actor=actor, action=action, subject=subject, detail=detail or {}, at=at
            )

    def audit_trail(self, *, after: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every record after ``after``, in order, read ``batch`` at a time."""
        c = AUDIT.c
        while True:
            query = select(AUDIT).where(c.seq > after).order_by(c.seq).limit(batch)
            with self._reading() as conn:
                rows = conn.execute(query).mappings().all()
            for row in rows:
                yield AuditEntry(
                    seq=row["seq"],
                    at=row["at"],
                    actor=row["actor"],
                    action=row["action"],
                    subject=row["subject"],
                    detail=json.loads(row["detail_json"]),
                    prev_hash=row["prev_hash"],
                    hash=row["hash"],
                )
            if len(rows) < batch:
                return
            after = rows[-1]["seq"]

    def _append_audit(
        self,
        conn: Connection,
        *,
        actor: str,
        action: str,
        subject: str | None,
        detail: dict[str, Any],
        at: datetime,
    ) -> AuditEntry:
        """Append to the chain inside ``conn``'s transaction: one writer at a time.

        On PostgreSQL a transaction-scoped advisory lock serialises appends
        (SQLite's writer is alone anyway), held until the fact it records
        commits with it. The detail is stored as the JSON it was sealed over.
        """
        if self._postgres:
            conn.execute(LOCK_AUDIT)
        last = conn.execute(LAST_AUDIT).first()
        seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
        detail = json.loads(json.dumps(detail, default=str))
        digest = seal(
            prev, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
        )
        conn.execute(
            INSERT_AUDIT,
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "detail_json": json.dumps(detail, sort_keys=True),
                "prev_hash": prev,
                "hash": digest,
            },
        )
        return AuditEntry(seq, at, actor, action, subject, detail, prev, digest)
