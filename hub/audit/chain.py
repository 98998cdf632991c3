"""Sealing and checking the audit trail: a hash chain over canonical JSON.

Each record's ``hash`` is SHA-256 over the previous record's hash and the
record's own content (sequence number, moment, actor, action, subject,
detail) as canonical JSON (sorted keys, no spaces, UTF-8). Changing any
field of any record, deleting one, inserting one or reordering them breaks
the chain at that record, and :func:`verify` names it. The first record
follows :data:`GENESIS`.

What the chain cannot show alone is a trail cut short at its end; the count
and last hash ``hub audit verify`` prints are what an auditor notes down to
compare next time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["GENESIS", "AuditEntry", "Verification", "seal", "verify"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One record of the trail, as stored."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""


def seal(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str | None,
    detail: Mapping[str, Any],
) -> str:
    """The hash of a record following ``prev_hash``."""
    content = json.dumps(
        [seq, at.isoformat(), actor, action, subject, detail],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: ``broken_at`` is the first bad record's ``seq``."""

    checked: int
    last_hash: str
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(entries: Iterable[AuditEntry]) -> Verification:
    """Check ``entries`` (in ``seq`` order) link and hash correctly; the first break, if any."""
    previous, expected_seq, checked = GENESIS, 1, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return Verification(
                checked,
                previous,
                entry.seq,
                f"record {expected_seq} is missing (next is {entry.seq})",
            )
        if entry.prev_hash != previous:
            return Verification(
                checked, previous, entry.seq, "it does not follow the record before it"
            )
        recomputed = seal(
            previous,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            detail=entry.detail,
        )
        if recomputed != entry.hash:
            return Verification(
                checked, previous, entry.seq, "its content does not match its hash (altered)"
            )
        previous, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return Verification(checked, previous)
