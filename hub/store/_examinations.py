"""The examinations index: per office, lane and day, what is booked and what waits.

One row per declaration, following its latest decision version (booked, or
queued for capacity), so an office's capacity is counted by the database
instead of by reading every decision of the day. Decisions and officers'
acts keep it in step inside their own transactions (:func:`book`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select

from hub.decision.capacity import CapacityState
from hub.decision.model import Decision, Lane
from hub.store._statements import (
    BOOKED_PER_DAY,
    EXAMINATIONS,
    UNBOOK,
    WAITING_SCORES,
)
from hub.store._transactions import Transactions

__all__ = ["ExaminationsMixin", "book", "books", "office_capacity"]


class ExaminationsMixin(Transactions):
    """Reading an office's capacity and the day's examinations from the index."""

    def capacity(self, office: str, since: date | None = None) -> CapacityState:
        """What ``office`` has booked and queued, per lane and day (from ``since`` on)."""
        with self._reading() as conn:
            return office_capacity(conn, office, since, None)

    def examinations_on(self, office: str, day: date) -> list[tuple[str, bool]]:
        """The declarations with a control at ``office`` on ``day``: (id, booked), booked
        ones by slot first, then those waiting for capacity by score (best first).

        Read from the examinations index, which follows each declaration's
        latest decision version.
        """
        c = EXAMINATIONS.c
        query = (
            select(c.declaration_id, c.state)
            .where(c.office == office, c.day == day)
            .order_by(c.state, c.slot_start, c.score.desc(), c.declaration_id)
        )
        with self._reading() as conn:
            return [(str(i), state == "booked") for i, state in conn.execute(query)]


def office_capacity(
    conn: Connection, office: str | None, since: date | None, leave_out: str | None
) -> CapacityState:
    """Bookings counted by the database (an office books thousands a day), and the
    scores of the selections waiting, per lane and day."""
    if office is None:
        return CapacityState()
    params = {"office": office, "since": since or date.min, "leave_out": leave_out or ""}
    booked = {
        (office, Lane(lane), day): int(count)
        for lane, day, count in conn.execute(BOOKED_PER_DAY, params)
    }
    waiting: defaultdict[tuple[str, Lane, date], list[int]] = defaultdict(list)
    for lane, day, score in conn.execute(WAITING_SCORES, params):
        waiting[(office, Lane(lane), day)].append(score)
    return CapacityState(booked=booked, waiting=dict(waiting))


def books(decision: Decision | None) -> bool:
    return decision is not None and (decision.examination is not None or bool(decision.queued))


def book(conn: Connection, decision: Decision, *, booked_before: bool) -> None:
    """Make the declaration's examination row say what ``decision`` booked or queued."""
    if booked_before:
        conn.execute(UNBOOK, {"declaration_id": decision.declaration_id})
    row: dict[str, Any] | None = None
    if decision.examination is not None:
        e = decision.examination
        row = {
            "office": e.office,
            "lane": e.lane.value,
            "day": e.slot.start.date(),
            "state": "booked",
            "score": 0,
            "slot_start": e.slot.start,
            "over_capacity": e.over_capacity,
        }
    elif decision.queued:
        q = decision.queued[0]
        row = {
            "office": q.office,
            "lane": q.lane.value,
            "day": q.day,
            "state": "waiting",
            "score": q.score,
            "slot_start": None,
            "over_capacity": False,
        }
    if row is not None:
        conn.execute(
            insert(EXAMINATIONS),
            {
                "declaration_id": decision.declaration_id,
                "decision_version": decision.version,
                **row,
            },
        )
