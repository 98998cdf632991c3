"""The AEO register: each certificate's history of states, as its administration sent them.

Insert-only like the rest of the store: a new state (a suspension, a
renewal) is a new row, and the current state is the latest one, so what a
decision relied on can still be shown after the certificate changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.store._audit_trail import AuditTrailMixin
from hub.store._statements import AEO

__all__ = ["AeoRegisterMixin"]


class AeoRegisterMixin(AuditTrailMixin):
    """Recording AEO certificates' states (audited) and reading the current ones."""

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
        current = {_aeo_key(c): c for c in self.aeo_certificates()}
        changed = [
            c
            for c in certificates
            if (_aeo_key(c) not in current if only_new else current.get(_aeo_key(c)) != c)
        ]
        if not changed:
            return 0
        with self._transaction() as conn:
            for c in changed:
                conn.execute(
                    insert(AEO),
                    {
                        "issued_by": c.issued_by,
                        "operator": c.operator,
                        "type": c.type.value,
                        "status": c.status.value,
                        "valid_from": c.valid_from,
                        "valid_to": c.valid_to,
                        "reference": c.reference,
                        "source": source,
                        "recorded_at": at,
                    },
                )
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
        c = AEO.c
        latest = select(func.max(c.id)).group_by(c.issued_by, c.operator, c.type).scalar_subquery()
        query = select(AEO).where(c.id.in_(latest)).order_by(c.issued_by, c.operator, c.type)
        if issued_by is not None:
            query = query.where(c.issued_by == issued_by)
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        return tuple(
            AeoCertificate(
                operator=row["operator"],
                type=AeoType(row["type"]),
                status=AeoStatus(row["status"]),
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
                issued_by=row["issued_by"],
                reference=row["reference"],
            )
            for row in rows
        )


def _aeo_key(certificate: AeoCertificate) -> tuple[str, str, str]:
    return (certificate.issued_by, certificate.operator, certificate.type.value)
