"""What accepted partner messages leave: pre-arrival data, watches, findings, AEO lists, alerts.

:meth:`~hub.store.Store.accept_exchange` keeps a partner's message and, in
the same transaction, what it causes: the caller's ``effects`` write it
through the methods here that take a ``conn`` (``None``: a transaction of
their own; never ``None`` inside ``effects``, where on SQLite the writer is
already held).

Those writes are insert-once on their natural key (:mod:`hub.store._rows`),
so a duplicate never aborts the caller's transaction on PostgreSQL and a
concurrent writer of the same key waits for the first, like the rest of the
store; no lock is taken here beyond the audit chain's. Only pre-arrival
matches and alert acknowledgements change rows; their history is the audit
trail.

Identifiers are kept and compared normalised
(:func:`hub.rules.screening.normalise_identifier`), as the matching in
:mod:`hub.exchange` compares them. :func:`partner_findings_of` reads a
declaration's partner findings inside :meth:`~hub.store.Store.decide`'s own
transaction.

:mod:`hub.exchange` builds on the store, so its models are imported here
only where a row is read back into one, not when :mod:`hub.store` loads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, RowMapping, select

from hub.decision.aeo import AeoCertificate
from hub.errors import ConflictingRecord
from hub.model.finding import Finding
from hub.rules.screening import normalise_identifier
from hub.store._audit_trail import AuditTrailMixin
from hub.store._rows import insert_once, insert_or_find
from hub.store._statements import (
    ACKNOWLEDGE_ALERT,
    AEO_LISTS,
    AEO_LISTS_OF,
    ALERT_OF,
    ALERTS,
    MARK_PRE_ARRIVAL_MATCHED,
    MARK_PRE_ARRIVALS_ALERTED,
    PARTNER_FINDINGS,
    PARTNER_FINDINGS_OF,
    PARTNER_FINDINGS_ON,
    PRE_ARRIVAL_CANDIDATES,
    PRE_ARRIVALS,
    UNMATCHED_PRE_ARRIVALS,
    UNMATCHED_PRE_ARRIVALS_NOT_ALERTED,
    WATCHES,
    WATCHES_MATCHING,
)
from hub.store.records import JtcAlert, PartnerAeoList, StoredPreArrival, StoredWatch

if TYPE_CHECKING:
    from hub.exchange.matching import MovementKeys
    from hub.exchange.messages import AeoList, PreArrival
    from hub.exchange.watches import Watch

__all__ = ["PartnerDataMixin", "partner_findings_of"]

_FINDINGS = TypeAdapter(tuple[Finding, ...])


def _identifier(value: str | None) -> str | None:
    normalised = None if value is None else normalise_identifier(value)
    return normalised or None


class PartnerDataMixin(AuditTrailMixin):
    """What the messages accepted from partners leave behind, each in its table.

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
            return insert_or_find(c, PRE_ARRIVALS, row, ("partner", "message_id"))

    def pre_arrival_candidates(
        self, keys: MovementKeys, departed_after: datetime, matched_to: Collection[str] = ()
    ) -> list[StoredPreArrival]:
        """Pre-arrival data an import declaration may match, latest departure first.

        Those not yet matched whose means of transport is among ``keys.means``
        and that departed after ``departed_after``; those whose declaration
        reference is among ``keys.references`` (matched or not: a reference
        names its pre-arrival, even one an earlier version of the declaration
        took); and those ``matched_to`` one of the given declarations (the
        ones an amendment amends). ``keys`` are normalised already
        (:func:`~hub.exchange.matching.movement_keys`, :meth:`MovementKeys.of`),
        as the rows are.
        """
        if not keys.means and not keys.references and not matched_to:
            return []
        params = {
            "means_ids": sorted(keys.means),
            "departed_after": departed_after,
            "references": sorted(keys.references),
            "matched_to": list(matched_to),
        }
        statement = PRE_ARRIVAL_CANDIDATES[bool(keys.means), bool(matched_to)]
        with self._reading() as conn:
            rows = conn.execute(statement, params).mappings().all()
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
            return insert_or_find(c, WATCHES, row, ("partner", "warning_message_id"))

    def watches_matching(self, keys: MovementKeys, *, on: date) -> list[StoredWatch]:
        """The watches valid on ``on`` that any of ``keys`` hits, in one query.

        Each identifier meets the watch's of its kind (a container with
        containers, a reference with transport documents and declaration
        references, ...); oldest watch first. ``keys`` are normalised already,
        as the rows are.
        """
        if not keys:
            return []
        params: dict[str, Any] = {
            "means_ids": sorted(keys.means),
            "containers": sorted(keys.containers),
            "transport_documents": sorted(keys.references),
            "references": sorted(keys.references),
            "party_ids": sorted(keys.parties),
            "on": on,
        }
        kept = _watches()
        with self._reading() as conn:
            rows = conn.execute(WATCHES_MATCHING, params).mappings().all()
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
            if insert_once(c, PARTNER_FINDINGS, {**row, "recorded_at": at}) is not None:
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
            "entries_json": _AEO_ENTRIES.dump_json(aeo_list.entries).decode(),
            "received_at": received_at,
        }
        with self._within(conn) as c:
            return insert_or_find(c, AEO_LISTS, row, ("partner", "message_id"))

    def partner_aeo_lists(self, partner: str) -> list[PartnerAeoList]:
        """The AEO lists ``partner`` sent, newest first."""
        entries = _AEO_ENTRIES
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
            return insert_once(c, ALERTS, row) is not None

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
    from hub.exchange.watches import Watch

    return TypeAdapter(Watch)


_AEO_ENTRIES = TypeAdapter(tuple[AeoCertificate, ...])
