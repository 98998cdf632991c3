"""The AEO register: each certificate's history of states, as its administration sent them.

Insert-only like the rest of the store: a new state (a suspension, a
renewal, a new operator name) is a new row, and the current state is the
latest one, so what a decision relied on can still be shown after the
certificate changed. A partner's AEO list and the certificates it changes
are one transaction with the message that carried it (:meth:`record_aeo_in`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.store._audit_trail import AuditTrailMixin
from hub.store._statements import AEO, AEO_HISTORY

__all__ = ["AeoRegisterMixin"]


class AeoRegisterMixin(AuditTrailMixin):
    """Recording AEO certificates' states (audited) and reading the current ones and history."""

    def record_aeo(
        self,
        certificates: Sequence[AeoCertificate],
        *,
        source: str,
        actor: str,
        at: datetime,
        only_new: bool = False,
    ) -> int:
        """Keep each certificate whose state differs from its current one; how many.

        A certificate is identified by issuing administration, operator and
        type; a new state is a new row (history kept), audited as
        ``aeo.recorded``. The same state again records nothing. With
        ``only_new``, certificates already known are left as they are (a
        seed file must not undo a suspension recorded since).
        """
        with self._reading() as conn:
            if not _changed(_current(conn, _issuers(certificates)), certificates, only_new):
                return 0  # the common case (a seed at start), without taking the writer
        with self._transaction() as conn:
            return self.record_aeo_in(
                conn, certificates, source=source, actor=actor, at=at, only_new=only_new
            )

    def record_aeo_in(
        self,
        conn: Connection,
        certificates: Sequence[AeoCertificate],
        *,
        source: str,
        actor: str,
        at: datetime,
        only_new: bool = False,
    ) -> int:
        """:meth:`record_aeo` inside the caller's transaction ``conn``.

        For a partner's AEO list: the message, the list and the states it
        changes commit together or not at all.
        """
        changed = _changed(_current(conn, _issuers(certificates)), certificates, only_new)
        if not changed:
            return 0
        conn.execute(insert(AEO), [_row(c, source, at) for c in changed])
        self._append_audit(
            conn,
            actor=actor,
            action="aeo.recorded",
            subject=None,
            detail={
                "source": source,
                "certificates": [f"{c.issued_by}/{c.operator}/{c.type.value}" for c in changed],
            },
            at=at,
        )
        return len(changed)

    def aeo_certificates(self, *, issued_by: str | None = None) -> tuple[AeoCertificate, ...]:
        """Each certificate's current state (its latest row), optionally of one administration."""
        with self._reading() as conn:
            current = _current(conn, None if issued_by is None else {issued_by})
        return tuple(current.values())

    def aeo_history(self, issued_by: str, since: datetime) -> list[tuple[datetime, AeoCertificate]]:
        """Every state of ``issued_by``'s certificates recorded at or after ``since``, in order.

        Each with the moment it was recorded: what an AEO delta to a partner
        carries (a certificate granted then suspended since appears twice).
        """
        with self._reading() as conn:
            rows = conn.execute(AEO_HISTORY, {"issued_by": issued_by, "since": since}).mappings()
            return [(row["recorded_at"], _certificate(row)) for row in rows]


def _aeo_key(certificate: AeoCertificate) -> tuple[str, str, str]:
    return (certificate.issued_by, certificate.operator, certificate.type.value)


def _issuers(certificates: Sequence[AeoCertificate]) -> set[str]:
    return {c.issued_by for c in certificates}


def _current(
    conn: Connection, issued_by: Collection[str] | None
) -> dict[tuple[str, str, str], AeoCertificate]:
    c = AEO.c
    latest = select(func.max(c.id)).group_by(c.issued_by, c.operator, c.type).scalar_subquery()
    query = select(AEO).where(c.id.in_(latest)).order_by(c.issued_by, c.operator, c.type)
    if issued_by is not None:
        query = query.where(c.issued_by.in_(sorted(issued_by)))
    certificates = (_certificate(row) for row in conn.execute(query).mappings())
    return {_aeo_key(cert): cert for cert in certificates}


def _changed(
    current: Mapping[tuple[str, str, str], AeoCertificate],
    certificates: Sequence[AeoCertificate],
    only_new: bool,
) -> list[AeoCertificate]:
    return [
        c
        for c in certificates
        if (_aeo_key(c) not in current if only_new else current.get(_aeo_key(c)) != c)
    ]


def _row(c: AeoCertificate, source: str, at: datetime) -> dict[str, Any]:
    return {
        "issued_by": c.issued_by,
        "operator": c.operator,
        "type": c.type.value,
        "name": c.name,
        "status": c.status.value,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "reference": c.reference,
        "source": source,
        "recorded_at": at,
    }


def _certificate(row: RowMapping) -> AeoCertificate:
    return AeoCertificate(
        operator=row["operator"],
        type=AeoType(row["type"]),
        name=row["name"],
        status=AeoStatus(row["status"]),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        issued_by=row["issued_by"],
        reference=row["reference"],
    )
