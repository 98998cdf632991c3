"""The exchange with partner administrations: what was received and sent, and what it left.

Every message accepted from a partner is kept byte for byte as signed, and
its ``(partner, message id)`` once only: the same id again is a replay,
refused whole (:class:`~hub.errors.ReplayedMessage`). A message and what it
causes (pre-arrival data to match, a consignment to watch, a partner's AEO
list and the certificates it changes, an alert for the JTC) are one
transaction: the caller's ``effects`` write them on the connection of
:meth:`ExchangeMixin.accept_exchange`, through the methods here that take a
``conn`` (``None``: a transaction of their own; never ``None`` inside
``effects``, where on SQLite the writer is already held).

Those writes are insert-once on their natural key (``ON CONFLICT DO
NOTHING``), so a duplicate never aborts the caller's transaction on
PostgreSQL and a concurrent writer of the same key waits for the first,
like the rest of the store; no lock is taken here beyond the audit chain's.
Only outbound status, pre-arrival matches and alert acknowledgements change
rows; their history is the deliveries table and the audit trail.

:mod:`hub.exchange` builds on the store, so its models are imported here
only where a row is read back into one, not when :mod:`hub.store` loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter
from sqlalchemy import Connection, Executable, RowMapping, insert, select
from sqlalchemy.exc import IntegrityError

from hub.errors import ConflictingRecord, ReplayedMessage, StoreError
from hub.model.finding import Finding
from hub.rules.screening import normalise_identifier
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._statements import (
    ACKNOWLEDGE_ALERT,
    AEO_LISTS,
    AEO_LISTS_OF,
    ALERT_OF,
    ALERTS,
    DELIVERIES,
    DELIVERIES_OF,
    EXCHANGE_MESSAGE_BY_ID,
    EXCHANGE_MESSAGE_BY_KEY,
    EXCHANGE_MESSAGES,
    INSERT_ONCE,
    MARK_PRE_ARRIVAL_MATCHED,
    MARK_PRE_ARRIVALS_ALERTED,
    PARTNER_FINDINGS,
    PARTNER_FINDINGS_OF,
    PARTNER_FINDINGS_ON,
    PARTNERS,
    PRE_ARRIVAL_CANDIDATES,
    PRE_ARRIVALS,
    REFUSALS,
    SET_OUTBOUND_STATUS,
    UNDELIVERED,
    UNMATCHED_PRE_ARRIVALS,
    UNMATCHED_PRE_ARRIVALS_NOT_ALERTED,
    UPSERT_PARTNER,
    WATCHES,
    WATCHES_MATCHING,
)
from hub.store.records import (
    Delivery,
    ExchangeRefusal,
    JtcAlert,
    PartnerAeoList,
    StoredExchangeMessage,
    StoredPreArrival,
    StoredWatch,
)

if TYPE_CHECKING:
    from hub.exchange.matching import Watch
    from hub.exchange.messages import AeoList, ExchangeMessage, PreArrival
    from hub.exchange.partners import Partner

__all__ = ["ExchangeMixin", "partner_findings_of"]

_FINDINGS = TypeAdapter(tuple[Finding, ...])
Outcome = Literal["delivered", "failed", "retrying"]
_BY_NAME = {t.name: t for t in (PRE_ARRIVALS, WATCHES, AEO_LISTS)}


def _identifier(value: str | None) -> str | None:
    normalised = None if value is None else normalise_identifier(value)
    return normalised or None


def _identifiers(values: Collection[str]) -> list[str]:
    return sorted({n for n in map(_identifier, values) if n})


class ExchangeMixin(AuditTrailMixin):
    """Partners, the messages exchanged with them, and what those messages leave behind.

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

    Pre-arrival data (``pre_arrivals``): ``add_pre_arrival``,
    ``pre_arrival_candidates``, ``unmatched_pre_arrivals``,
    ``mark_pre_arrival_matched``, ``mark_pre_arrival_alerted``.

    Watches (``watches``), from warnings about a consignment: ``add_watch``,
    ``watches_matching``.

    Partner findings (``partner_findings``), what the exchange adds to a
    declaration, read by :meth:`~hub.store.Store.decide` into
    :attr:`~hub.store.DecisionBasis.partner_findings`:
    ``add_partner_findings``, ``partner_findings``.

    Partners' AEO lists (``partner_aeo_lists``): ``add_partner_aeo_list``,
    ``partner_aeo_lists``; the states they change go through
    :meth:`~hub.store.Store.record_aeo_in` in the same transaction.

    JTC alerts (``jtc_alerts``): ``raise_alert`` (once per kind and
    subject), ``alerts``, ``acknowledge_alert`` (audited ``alert.acknowledged``).
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
                row_id = _insert_once(
                    conn, EXCHANGE_MESSAGES.name, _message_row(message, key, raw, received_at)
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
            row_id = _insert_once(
                conn,
                EXCHANGE_MESSAGES.name,
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

    # -- pre-arrival data -----------------------------------------------------

    def add_pre_arrival(
        self,
        conn: Connection | None,
        pre_arrival: PreArrival,
        *,
        partner: str,
        received_at: datetime,
    ) -> int:
        """Keep a partner's pre-arrival data to be matched; its row id (the same on a repeat).

        Means of transport and declaration reference are kept normalised
        (:func:`hub.rules.screening.normalise_identifier`, as the matching
        compares them).
        """
        row = {
            "partner": partner,
            "message_id": pre_arrival.header.message_id,
            "declaration_reference": normalise_identifier(pre_arrival.declaration_reference),
            "means_id": normalise_identifier(pre_arrival.means_id),
            "departed_at": pre_arrival.departed_at,
            "document": pre_arrival.model_dump_json(),
            "received_at": received_at,
        }
        with self._within(conn) as c:
            return _insert_or_find(c, PRE_ARRIVALS.name, row, ("partner", "message_id"))

    def pre_arrival_candidates(
        self,
        means_ids: Collection[str],
        references: Collection[str],
        departed_after: datetime,
        matched_to: Collection[str] = (),
    ) -> list[StoredPreArrival]:
        """Pre-arrival data an import declaration may match, latest departure first.

        Those not yet matched whose means of transport is among ``means_ids``
        and that departed after ``departed_after``; those whose declaration
        reference is among ``references`` (matched or not: a reference names
        its pre-arrival, even one an earlier version of the declaration
        took); and those ``matched_to`` one of the given declarations (the
        ones an amendment amends). Identifiers are compared normalised.
        """
        params = {
            "means_ids": _identifiers(means_ids),
            "departed_after": departed_after,
            "references": _identifiers(references),
            "matched_to": list(matched_to),
        }
        if not params["means_ids"] and not params["references"] and not matched_to:
            return []
        with self._reading() as conn:
            rows = conn.execute(PRE_ARRIVAL_CANDIDATES, params).mappings().all()
        return _pre_arrivals(rows)

    def unmatched_pre_arrivals(
        self, departed_before: datetime, not_alerted: bool = True
    ) -> list[StoredPreArrival]:
        """Pre-arrival data that departed before ``departed_before`` and found no declaration.

        Oldest first; with ``not_alerted`` only those the JTC was not yet
        alerted to (:meth:`mark_pre_arrival_alerted`).
        """
        query = UNMATCHED_PRE_ARRIVALS_NOT_ALERTED if not_alerted else UNMATCHED_PRE_ARRIVALS
        with self._reading() as conn:
            rows = conn.execute(query, {"departed_before": departed_before}).mappings().all()
        return _pre_arrivals(rows)

    def mark_pre_arrival_matched(
        self, conn: Connection | None, pre_arrival_row_id: int, declaration_id: str, at: datetime
    ) -> bool:
        """Record that declaration ``declaration_id`` matched the pre-arrival; ``False`` if
        it was already matched (the first match stands)."""
        params = {"row_id": pre_arrival_row_id, "declaration_id": declaration_id, "at": at}
        with self._within(conn) as c:
            return c.execute(MARK_PRE_ARRIVAL_MATCHED, params).rowcount == 1

    def mark_pre_arrival_alerted(self, row_ids: Sequence[int], at: datetime) -> int:
        """Record that the JTC was alerted to these unmatched pre-arrivals; how many were new."""
        if not row_ids:
            return 0
        with self._transaction() as conn:
            return conn.execute(
                MARK_PRE_ARRIVALS_ALERTED, {"ids": list(row_ids), "at": at}
            ).rowcount

    # -- watches ---------------------------------------------------------------

    def add_watch(self, conn: Connection | None, watch: Watch, *, at: datetime) -> int:
        """Keep a consignment a partner's warning asks to watch; its id (the same on a repeat).

        One watch per warning. Its identifiers are indexed normalised; it is
        valid until ``watch.valid_to`` (open-ended without).
        """
        row = {
            "partner": watch.partner,
            "warning_message_id": watch.warning_message_id,
            "means_id": _identifier(watch.means_id),
            "container": _identifier(watch.container),
            "transport_document": _identifier(watch.transport_document),
            "declaration_reference": _identifier(watch.declaration_reference),
            "party_id": _identifier(watch.party_id),
            "valid_to": watch.valid_to,
            "document": _watches().dump_json(watch).decode(),
            "created_at": at,
        }
        with self._within(conn) as c:
            return _insert_or_find(c, WATCHES.name, row, ("partner", "warning_message_id"))

    def watches_matching(
        self,
        means_ids: Collection[str] = (),
        containers: Collection[str] = (),
        transport_documents: Collection[str] = (),
        references: Collection[str] = (),
        party_ids: Collection[str] = (),
        *,
        on: date,
    ) -> list[StoredWatch]:
        """The watches valid on ``on`` that any of these identifiers hits, in one query.

        Each identifier is compared normalised with the watch's of its kind
        (a container with containers, ...); oldest watch first.
        """
        params: dict[str, Any] = {
            "means_ids": _identifiers(means_ids),
            "containers": _identifiers(containers),
            "transport_documents": _identifiers(transport_documents),
            "references": _identifiers(references),
            "party_ids": _identifiers(party_ids),
        }
        if not any(params.values()):
            return []
        kept = _watches()
        with self._reading() as conn:
            rows = conn.execute(WATCHES_MATCHING, {**params, "on": on}).mappings().all()
        return [
            StoredWatch(
                row_id=r["id"], watch=kept.validate_json(r["document"]), created_at=r["created_at"]
            )
            for r in rows
        ]

    # -- partner findings ------------------------------------------------------

    def add_partner_findings(
        self,
        conn: Connection | None,
        declaration_id: str,
        findings: Sequence[Finding],
        basis: str,
        at: datetime,
    ) -> bool:
        """Add findings to a declaration on ``basis`` (``"pre-arrival XK/MSG-1"``); ``False``
        if already added.

        One entry per declaration and basis: the same findings again add
        nothing, others raise :class:`~hub.errors.ConflictingRecord`.
        :meth:`~hub.store.Store.decide` reads them into its basis.
        """
        text = _FINDINGS.dump_json(tuple(findings)).decode()
        row = {"declaration_id": declaration_id, "basis": basis, "findings_json": text}
        with self._within(conn) as c:
            if _insert_once(c, PARTNER_FINDINGS.name, {**row, "recorded_at": at}) is not None:
                return True
            stored = c.scalar(
                PARTNER_FINDINGS_ON, {"declaration_id": declaration_id, "basis": basis}
            )
        if stored is None or _FINDINGS.validate_json(stored) != tuple(findings):
            raise ConflictingRecord(
                "other findings are already added on this basis", key=f"{declaration_id} {basis}"
            )
        return False

    def partner_findings(self, declaration_id: str) -> tuple[Finding, ...]:
        """Every finding the exchange added to a declaration, in the order added."""
        with self._reading() as conn:
            return partner_findings_of(conn, declaration_id)

    # -- partners' AEO lists ---------------------------------------------------

    def add_partner_aeo_list(
        self, conn: Connection | None, partner: str, aeo_list: AeoList, received_at: datetime
    ) -> int:
        """Keep an AEO list a partner sent, as received; its id (the same on a repeat).

        The certificate states it changes are recorded apart, with
        :meth:`~hub.store.Store.record_aeo_in` on the same ``conn``.
        """
        row = {
            "partner": partner,
            "message_id": aeo_list.header.message_id,
            "scope": aeo_list.scope,
            "as_of": aeo_list.as_of,
            "since": aeo_list.since,
            "entries_json": _aeo_entries().dump_json(aeo_list.entries).decode(),
            "received_at": received_at,
        }
        with self._within(conn) as c:
            return _insert_or_find(c, AEO_LISTS.name, row, ("partner", "message_id"))

    def partner_aeo_lists(self, partner: str) -> list[PartnerAeoList]:
        """The AEO lists ``partner`` sent, newest first."""
        entries = _aeo_entries()
        with self._reading() as conn:
            rows = conn.execute(AEO_LISTS_OF, {"partner": partner}).mappings().all()
        return [
            PartnerAeoList(
                id=r["id"],
                partner=r["partner"],
                message_id=r["message_id"],
                scope=r["scope"],
                as_of=r["as_of"],
                since=r["since"],
                entries=entries.validate_json(r["entries_json"]),
                received_at=r["received_at"],
            )
            for r in rows
        ]

    # -- JTC alerts --------------------------------------------------------------

    def raise_alert(
        self,
        conn: Connection | None,
        kind: str,
        subject: str,
        summary: str,
        detail: Mapping[str, Any],
        at: datetime,
    ) -> bool:
        """Alert the JTC to ``subject`` (``"XK/MSG-7"``) for ``kind``; ``False`` if already
        alerted (open or acknowledged: an alert is raised once)."""
        row = {
            "kind": kind,
            "subject": subject,
            "summary": summary,
            "detail": dict(detail),
            "raised_at": at,
            "acknowledged_at": None,
            "acknowledged_by": None,
        }
        with self._within(conn) as c:
            return _insert_once(c, ALERTS.name, row) is not None

    def alerts(self, open_only: bool = True, limit: int = 100) -> list[JtcAlert]:
        """The JTC's alerts, newest first; with ``open_only`` those not yet acknowledged."""
        c = ALERTS.c
        query = select(ALERTS).order_by(c.raised_at.desc(), c.id.desc()).limit(limit)
        if open_only:
            query = query.where(c.acknowledged_at.is_(None))
        with self._reading() as conn:
            return [_alert(r) for r in conn.execute(query).mappings()]

    def acknowledge_alert(self, alert_id: int, by: str, at: datetime) -> bool:
        """Close an alert, audited as ``alert.acknowledged``; ``False`` if it already was,
        or there is no such alert (either way there is no open alert to close)."""
        with self._transaction() as conn:
            row = conn.execute(ALERT_OF, {"id": alert_id}).mappings().first()
            if row is None:
                return False
            if (
                conn.execute(ACKNOWLEDGE_ALERT, {"row_id": alert_id, "by": by, "at": at}).rowcount
                == 0
            ):
                return False
            self._append_audit(
                conn,
                actor=by,
                action="alert.acknowledged",
                subject=row["subject"],
                detail={"alert": alert_id, "kind": row["kind"]},
                at=at,
            )
        return True

    @contextmanager
    def _within(self, conn: Connection | None) -> Iterator[Connection]:
        """``conn`` as given, or a transaction of its own."""
        if conn is not None:
            yield conn
            return
        with self._transaction() as own:
            yield own


def partner_findings_of(conn: Connection, declaration_id: str) -> tuple[Finding, ...]:
    """The findings added to a declaration, read in ``conn`` (one indexed query)."""
    texts = conn.scalars(PARTNER_FINDINGS_OF, {"declaration_id": declaration_id})
    return tuple(f for text in texts for f in _FINDINGS.validate_json(text))


def _insert_once(conn: Connection, table: str, row: Mapping[str, Any]) -> int | None:
    statement: Executable = INSERT_ONCE[table][conn.dialect.name]
    inserted = conn.scalar(statement, dict(row))
    return None if inserted is None else int(inserted)


def _insert_or_find(
    conn: Connection, table: str, row: Mapping[str, Any], key: tuple[str, ...]
) -> int:
    inserted = _insert_once(conn, table, row)
    if inserted is not None:
        return inserted
    kept = _BY_NAME[table]
    query = select(kept.c.id).where(*(kept.c[k] == row[k] for k in key))
    return int(conn.scalar(query) or 0)


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


def _pre_arrivals(rows: Sequence[RowMapping]) -> list[StoredPreArrival]:
    from hub.exchange.messages import PreArrival

    return [
        StoredPreArrival(
            row_id=r["id"],
            partner=r["partner"],
            message_id=r["message_id"],
            pre_arrival=PreArrival.model_validate_json(r["document"]),
            received_at=r["received_at"],
            matched_declaration=r["matched_declaration"],
            matched_at=r["matched_at"],
            alerted_at=r["alerted_at"],
        )
        for r in rows
    ]


def _alert(row: RowMapping) -> JtcAlert:
    return JtcAlert(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        summary=row["summary"],
        detail=dict(row["detail"]),
        raised_at=row["raised_at"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
    )


@cache
def _watches() -> TypeAdapter[Any]:
    from hub.exchange.matching import Watch

    return TypeAdapter(Watch)


@cache
def _aeo_entries() -> TypeAdapter[tuple[Any, ...]]:
    from hub.exchange.messages import AeoEntry

    return TypeAdapter(tuple[AeoEntry, ...])


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
