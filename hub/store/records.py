"""What the store hands in and out: small frozen values, never ORM rows.

Rows stay inside :class:`~hub.store.Store` so a caller cannot hold one past
its transaction or change it in place; everything returned here is a plain
value that can cross a process boundary (a Celery task, an API response).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.model.finding import Finding

__all__ = ["Accepted", "Answer", "OutboxEntry", "OutboxRow", "RawMessage"]


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
