"""Officers' acts on a decided declaration: control results, re-routings, examination moves.

Each act is kept with its audit record in one transaction. An act that makes
a new decision version (a re-routing, a move, a control result that releases
or holds the goods) makes it from the latest one under the declaration's
lock (:meth:`OfficersMixin._next_version`), so an answer saved meanwhile is
never lost and two acts never make one version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select

from hub.decision.capacity import CapacityState
from hub.decision.model import Decision
from hub.decision.rerouting import RaiseRequest
from hub.errors import ConflictingRecord, StoreError
from hub.feedback.result import ControlResult
from hub.store._audit_trail import AuditTrailMixin
from hub.store._decisions import check_follows, decision_row, latest_stored
from hub.store._examinations import book, books, office_capacity
from hub.store._statements import (
    APPROVALS,
    DECISIONS,
    LOCK_DECLARATION,
    LOCK_OFFICE,
    REQUESTS,
    RESULTS,
)

__all__ = ["NextVersion", "OfficersMixin"]

_CHUNK = 1000  # declaration ids per query: well under SQLite's limit of bound parameters

NextVersion = Callable[[Decision, Sequence[ControlResult]], Decision | None]
"""Makes the version a control result moves the decision on to (release after control)."""


class OfficersMixin(AuditTrailMixin):
    """Recording what officers did and decided, and reading it back."""

    def record_control_result(
        self,
        result: ControlResult,
        *,
        actor: str,
        next_version: NextVersion | None = None,
    ) -> int:
        """Keep what a control found (insert-only, audited); its id.

        ``next_version`` (release after control) is given the latest decision
        and every result on the declaration, this one last, inside the
        transaction and under the declaration's lock; the version it returns
        (``None``: nothing changes) is stored with the result and named in
        its audit record. Two results recorded at once are thus serialised:
        the second sees the first and its version, and never makes the same
        version again. Whatever it raises leaves nothing stored.
        """
        row = {
            "declaration_id": result.declaration_id,
            "decision_version": result.decision_version,
            "agency": result.agency,
            "outcome": result.outcome.value,
            "result_json": result.model_dump_json(),
            "recorded_at": result.recorded_at,
        }
        with self._transaction() as conn:
            if conn.scalar(LOCK_DECLARATION, {"id": result.declaration_id}) is None:
                raise StoreError(f"{result.declaration_id}: no such declaration")
            latest = latest_stored(conn, result.declaration_id)
            if latest is None or result.decision_version > latest.version:
                raise StoreError(
                    f"{result.declaration_id} has no decision version {result.decision_version}"
                )
            result_id = int(conn.scalar(insert(RESULTS).returning(RESULTS.c.id), row))
            made = None
            if next_version is not None:
                made = next_version(latest, _results_of(conn, result.declaration_id))
            detail: dict[str, Any] = {
                "id": result_id,
                "agency": result.agency,
                "outcome": result.outcome.value,
            }
            if made is not None:
                if made.declaration_id != result.declaration_id:
                    raise StoreError(
                        f"a decision on {made.declaration_id} given for {result.declaration_id}"
                    )
                check_follows(made, latest.version)
                conn.execute(insert(DECISIONS), decision_row(made))
                book(conn, made, booked_before=books(latest))
                detail |= {"version": made.version, "released": made.released}
            self._append_audit(
                conn,
                actor=actor,
                action="control-result",
                subject=result.declaration_id,
                detail=detail,
                at=result.recorded_at,
            )
        return result_id

    def control_results(self, declaration_id: str) -> list[ControlResult]:
        """Every control result recorded on a declaration, oldest first."""
        with self._reading() as conn:
            return _results_of(conn, declaration_id)

    def control_results_of(self, declaration_ids: Sequence[str]) -> dict[str, list[ControlResult]]:
        """The control results of each of ``declaration_ids`` that has one, oldest first."""
        found: dict[str, list[ControlResult]] = {}
        ids = list(dict.fromkeys(declaration_ids))
        with self._reading() as conn:
            for start in range(0, len(ids), _CHUNK):
                query = (
                    select(RESULTS.c.declaration_id, RESULTS.c.result_json)
                    .where(RESULTS.c.declaration_id.in_(ids[start : start + _CHUNK]))
                    .order_by(RESULTS.c.id)
                )
                for declaration_id, text in conn.execute(query):
                    found.setdefault(declaration_id, []).append(
                        ControlResult.model_validate_json(text)
                    )
        return found

    def request_raise(self, request: RaiseRequest, *, actor: str) -> int:
        """Keep a raise request until a second officer approves it (audited); its id."""
        with self._transaction() as conn:
            if conn.scalar(LOCK_DECLARATION, {"id": request.declaration_id}) is None:
                raise StoreError(f"{request.declaration_id}: no such declaration")
            request_id = int(
                conn.scalar(
                    insert(REQUESTS).returning(REQUESTS.c.id),
                    {
                        "declaration_id": request.declaration_id,
                        "request_json": request.model_dump_json(),
                        "requested_at": request.requested_at,
                    },
                )
            )
            self._append_audit(
                conn,
                actor=actor,
                action="rerouting.requested",
                subject=request.declaration_id,
                detail={
                    "request": request_id,
                    "agency": request.agency,
                    "to": request.to_channel.value,
                    "reason": request.reason,
                },
                at=request.requested_at,
            )
        return request_id

    def raise_requests(self, declaration_id: str) -> list[tuple[int, RaiseRequest, int | None]]:
        """A declaration's raise requests: (id, request, version its approval made or None)."""
        query = (
            select(REQUESTS.c.id, REQUESTS.c.request_json, APPROVALS.c.decision_version)
            .outerjoin(APPROVALS, APPROVALS.c.request_id == REQUESTS.c.id)
            .where(REQUESTS.c.declaration_id == declaration_id)
            .order_by(REQUESTS.c.id)
        )
        with self._reading() as conn:
            return [
                (int(i), RaiseRequest.model_validate_json(text), version)
                for i, text, version in conn.execute(query)
            ]

    def reroute(
        self,
        declaration_id: str,
        make: Callable[[Decision], Decision],
        *,
        actor: str,
        approving: int | None = None,
        approver: str | None = None,
    ) -> Decision:
        """Store the version an officer's re-routing makes from the latest one, audited.

        ``make`` gets the latest version inside the transaction (so a late
        answer saved meanwhile is not lost) and returns the next.
        ``approving`` names the raise request this approves: approved once
        only (:class:`~hub.errors.ConflictingRecord` the second time).
        """
        with self._transaction() as conn:

            def once(latest: Decision, _capacity: Callable[[], CapacityState]) -> Decision:
                # Checked under the declaration's lock: two approvals of one
                # request meet here, and the second is told, not stored.
                if approving is not None:
                    done = conn.scalar(
                        select(APPROVALS.c.decision_version).where(
                            APPROVALS.c.request_id == approving
                        )
                    )
                    if done is not None:
                        raise ConflictingRecord(
                            f"already approved: it made version {done}",
                            key=f"request {approving}",
                        )
                return make(latest)

            decision = self._next_version(conn, declaration_id, once)
            record = decision.reroutings[-1] if decision.reroutings else None
            if approving is not None:
                conn.execute(
                    insert(APPROVALS),
                    {
                        "request_id": approving,
                        "approved_by": approver or actor,
                        "decision_version": decision.version,
                        "approved_at": decision.made_at,
                    },
                )
            self._append_audit(
                conn,
                actor=actor,
                action="rerouting.approved" if approving is not None else "rerouting.lowered",
                subject=declaration_id,
                detail={
                    "version": decision.version,
                    "request": approving,
                    "agency": record.agency if record else None,
                    "reason": record.reason if record else None,
                    "channel": decision.channel.value,
                },
                at=decision.made_at,
            )
            return decision

    def revise(
        self,
        declaration_id: str,
        make: Callable[[Decision, Callable[[], CapacityState]], Decision],
        *,
        actor: str,
        action: str,
        office: str | None = None,
        since: date | None = None,
        detail: Callable[[Decision], dict[str, Any]] | None = None,
    ) -> Decision:
        """Store the version an officer's act makes from the latest one, audited as ``action``.

        ``make`` gets the latest version and a reader of ``office``'s capacity
        from ``since`` on, without this declaration's own booking (the one a
        move replaces), both inside the transaction: the office's bookings
        are serialised as in :meth:`decide`, so two moves never take the
        same last place in a lane. The examinations index follows the new
        version. The audit record's detail is the version and ``detail`` of
        the new version. Raises :class:`~hub.errors.StoreError` for an
        unknown or undecided declaration; whatever ``make`` raises leaves
        nothing stored.
        """
        with self._transaction() as conn:
            decision = self._next_version(conn, declaration_id, make, office=office, since=since)
            self._append_audit(
                conn,
                actor=actor,
                action=action,
                subject=declaration_id,
                detail={"version": decision.version, **(detail(decision) if detail else {})},
                at=decision.made_at,
            )
            return decision

    def _next_version(
        self,
        conn: Connection,
        declaration_id: str,
        make: Callable[[Decision, Callable[[], CapacityState]], Decision],
        *,
        office: str | None = None,
        since: date | None = None,
    ) -> Decision:
        """Inside ``conn``: lock the declaration, make the next version from the latest,
        store it and let the examinations index follow it."""
        if conn.scalar(LOCK_DECLARATION, {"id": declaration_id}) is None:
            raise StoreError(f"{declaration_id}: no such declaration")
        latest = latest_stored(conn, declaration_id)
        if latest is None:
            raise StoreError(f"{declaration_id} has no decision to revise yet")

        def capacity() -> CapacityState:
            if office is not None and self._postgres:
                conn.execute(LOCK_OFFICE, {"key": f"office {office}"})
            return office_capacity(conn, office, since, declaration_id)

        decision = make(latest, capacity)
        if decision.declaration_id != declaration_id:
            raise StoreError(f"a decision on {decision.declaration_id} given for {declaration_id}")
        check_follows(decision, latest.version)
        conn.execute(insert(DECISIONS), decision_row(decision))
        book(conn, decision, booked_before=books(latest))
        return decision


def _results_of(conn: Connection, declaration_id: str) -> list[ControlResult]:
    query = (
        select(RESULTS.c.result_json)
        .where(RESULTS.c.declaration_id == declaration_id)
        .order_by(RESULTS.c.id)
    )
    return [ControlResult.model_validate_json(t) for t in conn.scalars(query)]
