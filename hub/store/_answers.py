"""Agencies' answers: the findings each agency gave to each request, kept once.

An answer is identified by its findings, so a redelivered reply is a no-op
and other findings under the same request are a conflict. The functions
here run inside a caller's transaction: :meth:`~hub.store.Store.decide`
records an answer and reads them all in the one that decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy import Connection, insert
from sqlalchemy.exc import IntegrityError

from hub.errors import ConflictingRecord, StoreError
from hub.model.finding import Finding
from hub.store._statements import (
    ANSWERS,
    ANSWERS_OF,
    STORED_FINDINGS,
)
from hub.store._transactions import Transactions
from hub.store.records import Answer, NewAnswer

__all__ = ["AnswersMixin", "answers_of", "keep_answer", "stored_findings"]

_FINDINGS = TypeAdapter(tuple[Finding, ...])


class AnswersMixin(Transactions):
    """Recording an agency's answer on its own, and reading the answers kept."""

    def record_answer(
        self,
        declaration_id: str,
        agency: str,
        request_id: str,
        findings: Sequence[Finding],
        *,
        answered_at: datetime,
        late: bool,
    ) -> bool:
        """Keep an agency's answer to request ``request_id``; ``False`` if already kept.

        An answer is identified by its findings: the same findings again (a
        redelivered reply) are a no-op whatever ``answered_at`` says, and the
        first ``answered_at``/``late`` stand. Different findings for the same
        request raise :class:`~hub.errors.ConflictingRecord`.
        """
        answer = NewAnswer(agency, request_id, tuple(findings), answered_at, late)
        try:
            with self._transaction() as conn:
                return keep_answer(conn, declaration_id, answer)
        except IntegrityError as exc:
            with self._reading() as conn:
                stored = stored_findings(conn, declaration_id, agency, request_id)
            if stored is None:
                raise StoreError(
                    f"{declaration_id} {agency}/{request_id}: answer not stored: {exc.orig}"
                ) from exc
            if stored != answer.findings:
                raise ConflictingRecord(
                    "another answer is already recorded for this request",
                    key=f"{declaration_id} {agency}/{request_id}",
                ) from exc
            return False

    def answers(self, declaration_id: str) -> list[Answer]:
        """Every answer recorded for a declaration, in the order they came."""
        with self._reading() as conn:
            return answers_of(conn, declaration_id)

    def has_answer(self, declaration_id: str, agency: str, request_id: str) -> bool:
        """Whether ``agency``'s answer to ``request_id`` is recorded (ask it again or not)."""
        with self._reading() as conn:
            return stored_findings(conn, declaration_id, agency, request_id) is not None


def stored_findings(
    conn: Connection, declaration_id: str, agency: str, request_id: str
) -> tuple[Finding, ...] | None:
    text = conn.scalar(
        STORED_FINDINGS,
        {"declaration_id": declaration_id, "agency": agency, "request_id": request_id},
    )
    return None if text is None else _FINDINGS.validate_json(text)


def keep_answer(conn: Connection, declaration_id: str, answer: NewAnswer) -> bool:
    stored = stored_findings(conn, declaration_id, answer.agency, answer.request_id)
    if stored is None:
        conn.execute(
            insert(ANSWERS),
            {
                "declaration_id": declaration_id,
                "agency": answer.agency,
                "request_id": answer.request_id,
                "findings_json": _FINDINGS.dump_json(answer.findings).decode(),
                "answered_at": answer.answered_at,
                "late": answer.late,
            },
        )
        return True
    if stored != tuple(answer.findings):
        raise ConflictingRecord(
            "another answer is already recorded for this request",
            key=f"{declaration_id} {answer.agency}/{answer.request_id}",
        )
    return False


def answers_of(conn: Connection, declaration_id: str) -> list[Answer]:
    rows = conn.execute(ANSWERS_OF, {"declaration_id": declaration_id}).all()
    return [
        Answer(
            declaration_id=declaration_id,
            agency=agency,
            request_id=request_id,
            findings=_FINDINGS.validate_json(findings),
            answered_at=answered_at,
            late=late,
        )
        for agency, request_id, findings, answered_at, late in rows
    ]
