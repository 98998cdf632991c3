"""What the store hands in and out: small frozen values, never ORM rows.

Rows stay inside :class:`~hub.store.Store` so a caller cannot hold one past
its transaction or change it in place; everything returned here is a plain
value that can cross a process boundary (a Celery task, an API response).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.decision.capacity import CapacityState
from hub.decision.model import Decision
from hub.model.finding import Finding

__all__ = [
    "Accepted",
    "Answer",
    "Decided",
    "DecisionBasis",
    "NewAnswer",
    "OutboxEntry",
    "OutboxRow",
    "RawMessage",
]


@dataclass(frozen=True)
class OutboxEntry:
    """Work to publish once the declaration is stored, e.g. ``topic='assess'``.

    ``payload`` must be JSON-ready; the relay publishes it as it is.
    """

    topic: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxRow:
    """An outbox entry as stored: ``published_at`` stays ``None`` until the relay publishes it."""

    id: int
    declaration_id: str
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    published_at: datetime | None
    attempts: int


@dataclass(frozen=True)
class Accepted:
    """The answer to :meth:`Store.accept`: ``created`` is false for bytes already stored."""

    declaration_id: str
    created: bool
    outbox_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RawMessage:
    """A message exactly as received, with what the hub noted on receipt."""

    data: bytes
    sha256: str
    wire_format: str
    submitter: str | None
    functional_reference: str | None
    received_at: datetime


@dataclass(frozen=True)
class Answer:
    """One agency's answer to one assessment request (``request_id``)."""

    declaration_id: str
    agency: str
    request_id: str
    findings: tuple[Finding, ...]
    answered_at: datetime
    late: bool


@dataclass(frozen=True)
class NewAnswer:
    """An answer to record, as :meth:`Store.decide` takes it."""

    agency: str
    request_id: str
    findings: tuple[Finding, ...]
    answered_at: datetime
    late: bool


@dataclass(frozen=True)
class DecisionBasis:
    """What a decision is made from, read inside the transaction that will store it.

    ``answers`` are every recorded answer in the order they came (the new
    one included); ``latest`` the current decision version. ``capacity()``
    reads what the declaration's office has booked and queued, this
    declaration's own appointment left out (a new version may keep or move
    it); a read, and on PostgreSQL a lock on the office's bookings, that
    only a decision needing an examination has to pay for.
    """

    answers: tuple[Answer, ...]
    latest: Decision | None
    capacity: Callable[[], CapacityState]


@dataclass(frozen=True)
class Decided:
    """What :meth:`Store.decide` did: whether the answer was new, and the versions it stored."""

    answer_created: bool
    saved: tuple[Decision, ...]
    latest: Decision | None
