"""What the store hands in and out: small frozen values, never ORM rows.

Rows stay inside :class:`~hub.store.Store` so a caller cannot hold one past
its transaction or change it in place; everything returned here is a plain
value that can cross a process boundary (a Celery task, an API response).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from hub.decision.aeo import AeoCertificate
from hub.decision.capacity import CapacityState
from hub.decision.model import Decision
from hub.model.finding import Finding

if TYPE_CHECKING:  # hub.exchange builds on the store: no import cycle at run time
    from hub.exchange.messages import PreArrival
    from hub.exchange.watches import Watch

__all__ = [
    "Accepted",
    "Answer",
    "Decided",
    "DecisionBasis",
    "Delivery",
    "ExchangeRefusal",
    "JtcAlert",
    "NewAnswer",
    "OutboxEntry",
    "OutboxRow",
    "PartnerAeoList",
    "RawMessage",
    "StoredExchangeMessage",
    "StoredPreArrival",
    "StoredWatch",
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
    ``partner_findings`` are those the exchange added to the declaration (a
    pre-arrival mismatch, a partner's watch), in the order they were added.
    """

    answers: tuple[Answer, ...]
    latest: Decision | None
    capacity: Callable[[], CapacityState]
    partner_findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Decided:
    """What :meth:`Store.decide` did: whether the answer was new, and the versions it stored."""

    answer_created: bool
    saved: tuple[Decision, ...]
    latest: Decision | None


@dataclass(frozen=True)
class StoredExchangeMessage:
    """A message accepted from a partner (``direction='in'``) or sent to one (``'out'``).

    ``raw`` is the signed bytes exactly as received or sent. ``status`` is
    ``accepted`` inbound; outbound ``queued`` until delivered or given up
    (``failed``).
    """

    row_id: int
    direction: Literal["in", "out"]
    partner: str
    message_id: str
    kind: str
    refers_to: tuple[str, ...]
    created_at: datetime
    recorded_at: datetime
    raw: bytes
    sha256: str
    status: str
    delivered_at: datetime | None
    subject: str | None = None  # outbound: the profile or declaration it came from


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver an outbound message: ``delivered``, ``retrying`` or ``failed``."""

    message_row_id: int
    attempt: int
    outcome: str
    detail: str
    attempted_at: datetime


@dataclass(frozen=True)
class ExchangeRefusal:
    """A receipt refused, with what could be read of it (never stored as accepted)."""

    id: int
    partner: str | None
    message_id: str | None
    kind: str | None
    reason: str
    detail: str
    sha256: str
    refused_at: datetime


@dataclass(frozen=True)
class StoredPreArrival:
    """A partner's pre-arrival data, and whether (and to what) it was matched or alerted."""

    row_id: int
    partner: str
    message_id: str
    pre_arrival: PreArrival
    received_at: datetime
    matched_declaration: str | None
    matched_at: datetime | None
    alerted_at: datetime | None


@dataclass(frozen=True)
class StoredWatch:
    """A consignment a partner asked to be watched, as kept, with its row id."""

    row_id: int
    watch: Watch
    created_at: datetime


@dataclass(frozen=True)
class PartnerAeoList:
    """An AEO list (full or delta) a partner sent, as received."""

    id: int
    partner: str
    message_id: str
    scope: Literal["full", "delta"]
    as_of: date
    since: date | None
    entries: tuple[AeoCertificate, ...]
    received_at: datetime


@dataclass(frozen=True)
class JtcAlert:
    """Something the joint targeting centre must look at, open until acknowledged."""

    id: int
    kind: str
    subject: str
    summary: str
    detail: dict[str, Any]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
