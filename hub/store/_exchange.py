"""The exchange with partner administrations: who they are, and the messages received and sent.

Every message accepted from a partner is kept byte for byte as signed, and
its ``(partner, message id)`` once only: the same id again is a replay,
refused whole (:class:`~hub.errors.ReplayedMessage`). A message and what it
causes (pre-arrival data to match, a consignment to watch, a partner's AEO
list and the certificates it changes, an alert for the JTC) are one
transaction: the caller's ``effects`` write them on the connection of
:meth:`ExchangeMixin.accept_exchange`, through the methods of
:mod:`hub.store._partner_data` that take a ``conn``.

Messages are inserted once on their key (:mod:`hub.store._rows`), which is
the replay guard; a refused receipt is kept apart, never as accepted. Only
outbound status changes a row; its history is the deliveries table (every
attempt to deliver) and the audit trail.

:mod:`hub.exchange` builds on the store, so its models are imported here
only where a row is read back into one, not when :mod:`hub.store` loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, RowMapping, insert, select
from sqlalchemy.exc import IntegrityError

from hub.errors import ConflictingRecord, ReplayedMessage, StoreError
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._rows import insert_once
from hub.store._statements import (
    DELIVERIES,
    DELIVERIES_OF,
    EXCHANGE_MESSAGE_BY_ID,
    EXCHANGE_MESSAGE_BY_KEY,
    EXCHANGE_MESSAGES,
    PARTNERS,
    REFUSALS,
    SET_OUTBOUND_STATUS,
    UNDELIVERED,
    UPSERT_PARTNER,
)
from hub.store.records import Delivery, ExchangeRefusal, StoredExchangeMessage

if TYPE_CHECKING:
    from hub.exchange.messages import ExchangeMessage
    from hub.exchange.partners import Partner

__all__ = ["ExchangeMixin"]

Outcome = Literal["delivered", "failed", "retrying"]


class ExchangeMixin(AuditTrailMixin):
    """Partners, and the messages exchanged with them.

    Partners (``partners``): ``record_partner`` (audited ``partner.recorded``),
    ``partners``, ``partner``.

    Messages (``exchange_messages``, ``exchange_deliveries``,
    ``exchange_refusals``): ``accept_exchange`` (one inbound message and its
    effects, audited ``exchange.received``; a replay raises
    :class:`~hub.errors.ReplayedMessage`), ``record_refusal`` (audited
    ``exchange.refused``), ``exchange_refusals``; ``record_outbound``
    (queued, audited ``exchange.sent``), ``record_delivery`` (every attempt
    kept), ``outbound``, ``undelivered``, ``deliveries``;
    ``exchange_messages``, ``exchange_message``.

    What accepted messages leave behind (pre-arrival data, watches, partner
    findings, partners' AEO lists, JTC alerts) is
    :class:`~hub.store._partner_data.PartnerDataMixin`.
    """

    # -- partners -------------------------------------------------------------

    def record_partner(self, partner: Partner, *, actor: str, at: datetime) -> bool:
        """Keep ``partner`` (added, or replacing what was kept); ``False`` if unchanged.

        Audited as ``partner.recorded`` with a summary of its agreements and
        certificates, so the trail shows what was agreed when.
        """
        document = partner.model_dump_json()
        with self._transaction() as conn:
            stored = conn.scalar(select(PARTNERS.c.document).where(PARTNERS.c.code == partner.code))
            if stored == document:
                return False
            conn.execute(
                UPSERT_PARTNER[conn.dialect.name],
                {
                    "code": partner.code,
                    "name": partner.name,
                    "document": document,
                    "updated_at": at,
                },
            )
            self._append_audit(
                conn,
                actor=actor,
                action="partner.recorded",
                subject=partner.code,
                detail=_agreements(partner),
                at=at,
            )
        return True

    def partners(self) -> tuple[Partner, ...]:
        """Every partner kept, by code."""
        from hub.exchange.partners import Partner

        query = select(PARTNERS.c.document).order_by(PARTNERS.c.code)
        with self._reading() as conn:
            documents = conn.scalars(query).all()
        return tuple(Partner.model_validate_json(d) for d in documents)

    def partner(self, code: str) -> Partner | None:
        """The partner administration ``code`` (ISO country code), or ``None``."""
        from hub.exchange.partners import Partner

        query = select(PARTNERS.c.document).where(PARTNERS.c.code == code)
        with self._reading() as conn:
            document = conn.scalar(query)
        return None if document is None else Partner.model_validate_json(document)

    # -- messages -------------------------------------------------------------

    def accept_exchange(
        self,
        raw: bytes,
        message: ExchangeMessage,
        *,
        partner: str,
        received_at: datetime,
        actor: str,
        effects: Callable[[Connection], None] | None = None,
    ) -> int:
        """Keep a partner's message as received and what it causes, all or nothing; its row id.

        One transaction: the message (``raw``, the signed bytes, with its
        hash), then ``effects(conn)`` (the caller's derived rows, written with
        the ``conn``-taking methods), then the ``exchange.received`` audit
        record under ``actor``. An exception from ``effects`` keeps nothing.
        Durable before it returns: the partner is told it was accepted.

        The same ``partner`` and message id again raise
        :class:`~hub.errors.ReplayedMessage` and keep nothing (the caller
        records the refusal); of two processes accepting it at once, one
        does. Raises :class:`~hub.errors.StoreError` when ``partner`` did not
        send ``message``.
        """
        header = message.header
        if header.sender != partner:
            raise StoreError(f"{header.message_id} was sent by {header.sender}, not by {partner}")
        digest = hashlib.sha256(raw).hexdigest()
        key = {"direction": "in", "partner": partner, "message_id": header.message_id}
        try:
            with self._transaction(durable=True) as conn:
                row_id = insert_once(
                    conn, EXCHANGE_MESSAGES, _message_row(message, key, raw, received_at)
                )
                if row_id is None:
                    first = conn.execute(EXCHANGE_MESSAGE_BY_KEY, key).mappings().one()
                    raise ReplayedMessage(
                        partner=partner,
                        message_id=header.message_id,
                        first_received_at=first["recorded_at"],
                    )
                if effects is not None:
                    effects(conn)
                self._append_audit(
                    conn,
                    actor=actor,
                    action="exchange.received",
                    subject=f"{partner}/{header.message_id}",
                    detail={
                        "kind": message.kind.value,
                        "sha256": digest,
                        "refers_to": list(header.refers_to),
                        "created_at": header.created_at.isoformat(),
                    },
                    at=received_at,
                )
                return row_id
        except IntegrityError as exc:
            raise StoreError(f"{partner}/{header.message_id} not stored: {exc.orig}") from exc

    def record_refusal(
        self,
        *,
        partner: str | None,
        message_id: str | None,
        kind: str | None,
        reason: str,
        detail: str,
        sha256: str,
        at: datetime,
        actor: str = HUB_ACTOR,
    ) -> int:
        """Keep a refused receipt (never as accepted) and audit ``exchange.refused``; its id.

        ``partner``, ``message_id`` and ``kind`` are what the sender claimed,
        as far as it could be read (clipped to the columns: a refusal is
        always recorded); ``reason`` a short code (``signature``, ``replay``,
        ``agreement``, ...), ``detail`` the words; ``sha256`` the hash of
        the bytes refused.
        """
        row = {
            "partner": _clip(partner, 64),
            "message_id": _clip(message_id, 128),
            "kind": _clip(kind, 32),
            "reason": _clip(reason, 64) or "",
            "detail": detail,
            "sha256": sha256,
            "refused_at": at,
        }
        with self._transaction() as conn:
            refusal_id = int(conn.scalar(insert(REFUSALS).returning(REFUSALS.c.id), row) or 0)
            subject = f"{row['partner']}/{row['message_id']}" if partner and message_id else None
            self._append_audit(
                conn,
                actor=actor,
                action="exchange.refused",
                subject=_clip(subject, 128),
                detail={"reason": row["reason"], "kind": row["kind"], "sha256": sha256},
                at=at,
            )
        return refusal_id

    def exchange_refusals(self, limit: int = 100) -> list[ExchangeRefusal]:
        """The latest refused receipts, newest first."""
        query = select(REFUSALS).order_by(REFUSALS.c.id.desc()).limit(limit)
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            ExchangeRefusal(
                id=r["id"],
                partner=r["partner"],
                message_id=r["message_id"],
                kind=r["kind"],
                reason=r["reason"],
                detail=r["detail"],
                sha256=r["sha256"],
                refused_at=r["refused_at"],
            )
            for r in rows
        ]

    def record_outbound(
        self,
        raw: bytes,
        message: ExchangeMessage,
        *,
        partner: str,
        at: datetime,
        actor: str,
        subject: str | None = None,
    ) -> int:
        """Keep a signed message to send to ``partner``, queued; its row id.

        ``subject`` names what it came from (a profile id, a declaration id).

        Audited as ``exchange.sent``. The same message again (same id, same
        bytes: a retried task) returns the row already kept; other bytes
        under the same id raise :class:`~hub.errors.ConflictingRecord`.
        """
        header = message.header
        if header.receiver != partner:
            raise StoreError(
                f"{header.message_id} is addressed to {header.receiver}, not {partner}"
            )
        key = {"direction": "out", "partner": partner, "message_id": header.message_id}
        digest = hashlib.sha256(raw).hexdigest()
        with self._transaction() as conn:
            row_id = insert_once(
                conn,
                EXCHANGE_MESSAGES,
                _message_row(message, key, raw, at, status="queued", subject=subject),
            )
            if row_id is None:
                kept = conn.execute(EXCHANGE_MESSAGE_BY_KEY, key).mappings().one()
                if kept["sha256"] != digest:
                    raise ConflictingRecord(
                        "another message was sent under this id",
                        key=f"{partner}/{header.message_id}",
                    )
                return int(kept["id"])
            self._append_audit(
                conn,
                actor=actor,
                action="exchange.sent",
                subject=f"{partner}/{header.message_id}",
                detail={"kind": message.kind.value, "sha256": digest},
                at=at,
            )
            return row_id

    def record_delivery(
        self, message_row_id: int, *, attempt: int, at: datetime, outcome: Outcome, detail: str
    ) -> None:
        """Keep one attempt to deliver an outbound message; ``delivered``/``failed`` settle it.

        Every attempt is a row of its own. ``delivered`` sets the message's
        status and ``delivered_at`` (even after an earlier ``failed``: a
        message sent again by hand); ``failed`` (given up) marks a queued
        one; ``retrying`` leaves it queued. Raises
        :class:`~hub.errors.StoreError` for no such outbound message.
        """
        if outcome not in ("delivered", "failed", "retrying"):
            raise StoreError(f"an attempt is delivered, failed or retrying, not {outcome!r}")
        with self._transaction() as conn:
            kept = conn.execute(EXCHANGE_MESSAGE_BY_ID, {"id": message_row_id}).mappings().first()
            if kept is None or kept["direction"] != "out":
                raise StoreError(f"exchange message {message_row_id}: no such outbound message")
            conn.execute(
                insert(DELIVERIES),
                {
                    "message_row_id": message_row_id,
                    "attempt": attempt,
                    "outcome": outcome,
                    "detail": detail,
                    "attempted_at": at,
                },
            )
            if outcome == "delivered":
                settle = {"to_status": "delivered", "at": at, "from_status": ["queued", "failed"]}
            elif outcome == "failed":
                settle = {"to_status": "failed", "at": None, "from_status": ["queued"]}
            else:
                return
            conn.execute(SET_OUTBOUND_STATUS, {"row_id": message_row_id, **settle})

    def outbound(self, message_row_id: int) -> StoredExchangeMessage | None:
        """The outbound message with that row id, or ``None``."""
        with self._reading() as conn:
            row = conn.execute(EXCHANGE_MESSAGE_BY_ID, {"id": message_row_id}).mappings().first()
        return None if row is None or row["direction"] != "out" else _stored_message(row)

    def undelivered(self, older_than: datetime, limit: int = 100) -> list[StoredExchangeMessage]:
        """Outbound messages still queued, recorded before ``older_than``, oldest first.

        For a relay: younger ones are still being delivered by the process
        that queued them.
        """
        with self._reading() as conn:
            rows = conn.execute(UNDELIVERED, {"older_than": older_than, "limit": limit})
            return [_stored_message(r) for r in rows.mappings()]

    def deliveries(self, message_row_id: int) -> list[Delivery]:
        """Every attempt to deliver an outbound message, in order."""
        with self._reading() as conn:
            rows = conn.execute(DELIVERIES_OF, {"id": message_row_id}).mappings().all()
        return [
            Delivery(
                message_row_id=r["message_row_id"],
                attempt=r["attempt"],
                outcome=r["outcome"],
                detail=r["detail"],
                attempted_at=r["attempted_at"],
            )
            for r in rows
        ]

    def exchange_messages(
        self,
        partner: str | None = None,
        direction: Literal["in", "out"] | None = None,
        kind: str | None = None,
        limit: int = 100,
        *,
        subject: str | None = None,
        subject_prefix: str | None = None,
    ) -> list[StoredExchangeMessage]:
        """The latest messages exchanged, newest first, optionally of one partner, way, kind,
        or (outbound) made from one ``subject`` or subjects starting ``subject_prefix``."""
        c = EXCHANGE_MESSAGES.c
        query = select(EXCHANGE_MESSAGES).order_by(c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(c.subject == subject)
        if subject_prefix is not None:
            query = query.where(c.subject.startswith(subject_prefix, autoescape=True))
        if partner is not None:
            query = query.where(c.partner == partner)
        if direction is not None:
            query = query.where(c.direction == direction)
        if kind is not None:
            query = query.where(c.kind == kind)
        with self._reading() as conn:
            return [_stored_message(r) for r in conn.execute(query).mappings()]

    def exchange_message(
        self, direction: Literal["in", "out"], partner: str, message_id: str
    ) -> StoredExchangeMessage | None:
        """The message received from (``in``) or sent to (``out``) ``partner`` under that id."""
        key = {"direction": direction, "partner": partner, "message_id": message_id}
        with self._reading() as conn:
            row = conn.execute(EXCHANGE_MESSAGE_BY_KEY, key).mappings().first()
        return None if row is None else _stored_message(row)


def _message_row(
    message: ExchangeMessage,
    key: Mapping[str, str],
    raw: bytes,
    at: datetime,
    *,
    status: str = "accepted",
    subject: str | None = None,
) -> dict[str, Any]:
    return {
        **key,
        "kind": message.kind.value,
        "refers_to": list(message.header.refers_to),
        "created_at": message.header.created_at,
        "recorded_at": at,
        "raw": raw,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "status": status,
        "delivered_at": None,
        "subject": subject,
    }


def _stored_message(row: RowMapping) -> StoredExchangeMessage:
    return StoredExchangeMessage(
        row_id=row["id"],
        direction=row["direction"],
        partner=row["partner"],
        message_id=row["message_id"],
        kind=row["kind"],
        refers_to=tuple(row["refers_to"]),
        created_at=row["created_at"],
        recorded_at=row["recorded_at"],
        raw=bytes(row["raw"]),
        sha256=row["sha256"],
        status=row["status"],
        delivered_at=row["delivered_at"],
        subject=row["subject"],
    )


def _agreements(partner: Partner) -> dict[str, Any]:
    """What ``partner.recorded`` audits: the agreements and how many certificates."""
    return {
        "name": partner.name,
        "certificates": len(partner.certificates),
        "endpoint": partner.endpoint,
        "queue": partner.queue,
        "assistance": None
        if partner.assistance is None
        else partner.assistance.model_dump(mode="json"),
        "mra": None if partner.mra is None else partner.mra.model_dump(mode="json"),
    }


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]
