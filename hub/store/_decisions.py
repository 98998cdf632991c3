"""Decisions: the gapless versions of the coordinated decision on each declaration.

Version 1, then each next one supersedes the latest, so a version that does
not follow is a :class:`~hub.errors.VersionGap`, and two workers making the
same version meet on the key. Each version is audited as ``decision`` under
:data:`~hub.store.store.HUB_ACTOR`, and the examinations index follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from hub.decision.capacity import CapacityState
from hub.decision.model import Decision
from hub.errors import ConflictingRecord, StoreError, VersionGap
from hub.store._answers import answers_of, keep_answer
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._examinations import book, books, office_capacity
from hub.store._partner_data import partner_findings_of
from hub.store._statements import (
    DECIDED_AMONG,
    DECISION_HISTORY,
    DECISION_OF_VERSION,
    DECISIONS,
    DECLARATIONS,
    LATEST_DECISION,
    LATEST_VERSION,
    LOCK_DECLARATION,
    LOCK_OFFICE,
)
from hub.store.records import Decided, DecisionBasis, NewAnswer

__all__ = ["DecisionsMixin", "check_follows", "decision_row", "latest_stored", "stored_decision"]


class DecisionsMixin(AuditTrailMixin):
    """Deciding (answers in, versions out, in one transaction) and reading decisions back."""

    def decide(
        self,
        declaration_id: str,
        make: Callable[[DecisionBasis], Sequence[Decision]],
        *,
        answer: NewAnswer | None = None,
        office: str | None = None,
        since: date | None = None,
    ) -> Decided:
        """Record ``answer`` and the versions ``make`` derives from it, in one transaction.

        ``make`` is given the :class:`~hub.store.records.DecisionBasis` as it
        stands inside the transaction: every answer (``answer`` included),
        the latest version and ``office``'s capacity from ``since`` on. It
        returns the next versions in order (none: nothing to decide yet);
        they are stored, and the examination the last one books replaces the
        declaration's previous one. ``make`` must be pure: on a conflict
        nothing is kept and the caller may simply call again.

        One declaration's calls are serialised (a row lock on PostgreSQL,
        SQLite's single writer), so of several agencies answering at once
        exactly the last sees every answer and makes the decision; an office's
        bookings are serialised likewise, so two decisions never take the
        same last place in a lane.

        Raises :class:`~hub.errors.StoreError` for an unknown declaration,
        :class:`~hub.errors.ConflictingRecord` for other findings under the
        same request, :class:`~hub.errors.VersionGap` for a version that does
        not follow the latest.
        """
        with self._transaction() as conn:
            if conn.scalar(LOCK_DECLARATION, {"id": declaration_id}) is None:
                raise StoreError(f"{declaration_id}: no such declaration")
            created = False
            if answer is not None:
                created = keep_answer(conn, declaration_id, answer)

            def capacity() -> CapacityState:
                if office is not None and self._postgres:
                    conn.execute(LOCK_OFFICE, {"key": f"office {office}"})
                return office_capacity(conn, office, since, declaration_id)

            latest = latest_stored(conn, declaration_id)
            basis = DecisionBasis(
                answers=tuple(answers_of(conn, declaration_id)),
                latest=latest,
                capacity=capacity,
                partner_findings=partner_findings_of(conn, declaration_id),
            )
            made = tuple(make(basis))
            previous = basis.latest
            for decision in made:
                if decision.declaration_id != declaration_id:
                    raise StoreError(
                        f"a decision on {decision.declaration_id} given for {declaration_id}"
                    )
                check_follows(decision, previous.version if previous else 0)
                conn.execute(insert(DECISIONS), decision_row(decision))
                self._audit_decision(conn, decision)
                previous = decision
            if made:
                book(conn, made[-1], booked_before=books(latest))
            return Decided(answer_created=created, saved=made, latest=previous)

    def save_decision(self, decision: Decision) -> bool:
        """Store a decision version; ``False`` if this very version is already stored.

        Versions are gapless: the first is 1, each next one is the latest
        stored plus one and ``supersedes`` it; anything else raises
        :class:`~hub.errors.VersionGap`. Another decision under the same
        ``(declaration_id, version)`` raises :class:`~hub.errors.ConflictingRecord`
        (usually: another worker made that version first).
        """
        key = f"{decision.declaration_id} v{decision.version}"
        try:
            with self._transaction() as conn:
                # The latest version first: under READ COMMITTED a later statement
                # may see a version another process just committed, never lose one.
                latest = conn.scalar(LATEST_VERSION, {"declaration_id": decision.declaration_id})
                if 1 <= decision.version <= (latest or 0):
                    stored = stored_decision(conn, decision.declaration_id, decision.version)
                else:
                    check_follows(decision, latest or 0)
                    conn.execute(insert(DECISIONS), decision_row(decision))
                    book(conn, decision, booked_before=True)
                    self._audit_decision(conn, decision)
                    return True
        except IntegrityError as exc:
            with self._reading() as conn:
                stored = stored_decision(conn, decision.declaration_id, decision.version)
            if stored is None:
                raise StoreError(f"{key}: decision not stored: {exc.orig}") from exc
        if stored != decision:
            raise ConflictingRecord("another decision is already stored as this version", key=key)
        return False

    def latest_decision(self, declaration_id: str) -> Decision | None:
        """The current decision on a declaration: its highest version, or ``None``."""
        with self._reading() as conn:
            return latest_stored(conn, declaration_id)

    def decided_among(self, declaration_ids: Sequence[str]) -> set[str]:
        """Those of ``declaration_ids`` that have a decision."""
        if not declaration_ids:
            return set()
        with self._reading() as conn:
            return set(conn.scalars(DECIDED_AMONG, {"ids": list(declaration_ids)}))

    def decision_history(self, declaration_id: str) -> list[Decision]:
        """Every version of the decision on a declaration, first to latest."""
        with self._reading() as conn:
            texts = conn.scalars(DECISION_HISTORY, {"declaration_id": declaration_id}).all()
        return [Decision.model_validate_json(t) for t in texts]

    def latest_decisions(
        self,
        *,
        unreleased: bool = False,
        channel: str | None = None,
        accepted_from: datetime | None = None,
        accepted_until: datetime | None = None,
        decided_since: datetime | None = None,
        limit: int = 100,
    ) -> list[tuple[str, Decision | None]]:
        """Declarations with their latest decision (``None`` while assessing), newest first.

        For lists across declarations, which the per-declaration reads cannot
        give without one query each. ``unreleased`` keeps those still
        assessing or not released; ``channel`` those whose latest decision
        has it; ``accepted_from``/``accepted_until`` bound the acceptance
        (``until`` excluded); ``decided_since`` keeps those whose latest
        version was made then or later. No access policy here: the caller
        filters what its reader may see.
        """
        d, v = DECLARATIONS.c, DECISIONS.c
        latest = (
            select(v.declaration_id, func.max(v.version).label("version"))
            .group_by(v.declaration_id)
            .subquery()
        )
        query = (
            select(d.id, v.decision_json)
            .outerjoin(latest, latest.c.declaration_id == d.id)
            .outerjoin(DECISIONS, (v.declaration_id == d.id) & (v.version == latest.c.version))
            .order_by(d.accepted_at.desc(), d.id)
            .limit(limit)
        )
        if unreleased:
            query = query.where(v.released.is_not(True))
        if channel is not None:
            query = query.where(v.channel == channel)
        if accepted_from is not None:
            query = query.where(d.accepted_at >= accepted_from)
        if accepted_until is not None:
            query = query.where(d.accepted_at < accepted_until)
        if decided_since is not None:
            query = query.where(v.made_at >= decided_since)
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [
            (str(i), None if text is None else Decision.model_validate_json(text))
            for i, text in rows
        ]

    def _audit_decision(self, conn: Connection, decision: Decision) -> None:
        self._append_audit(
            conn,
            actor=HUB_ACTOR,
            action="decision",
            subject=decision.declaration_id,
            detail={
                "version": decision.version,
                "channel": decision.channel.value,
                "released": decision.released,
                "pending": list(decision.pending),
            },
            at=decision.made_at,
        )


def stored_decision(conn: Connection, declaration_id: str, version: int) -> Decision | None:
    text = conn.scalar(DECISION_OF_VERSION, {"declaration_id": declaration_id, "version": version})
    return None if text is None else Decision.model_validate_json(text)


def check_follows(decision: Decision, latest: int) -> None:
    expected = latest + 1
    key = f"{decision.declaration_id} v{decision.version}"
    if decision.version != expected:
        raise VersionGap(
            f"{key}: the latest stored version is {latest or 'none'}, so the next must be"
            f" {expected}"
        )
    supersedes = decision.version - 1 if decision.version > 1 else None
    if decision.supersedes != supersedes:
        raise VersionGap(f"{key} must supersede {supersedes}, not {decision.supersedes}")


def latest_stored(conn: Connection, declaration_id: str) -> Decision | None:
    text = conn.scalar(LATEST_DECISION, {"declaration_id": declaration_id})
    return None if text is None else Decision.model_validate_json(text)


def decision_row(decision: Decision) -> dict[str, Any]:
    return {
        "declaration_id": decision.declaration_id,
        "version": decision.version,
        "supersedes": decision.supersedes,
        "channel": decision.channel.value,
        "released": decision.released,
        "decision_json": decision.model_dump_json(),
        "made_at": decision.made_at,
    }
