"""Examination capacity: book a slot in a lane, or queue the selection by its score.

An office examines only so many consignments a day per lane. The scheduler
is pure: the caller passes what is already booked and what is already
waiting (:class:`CapacityState`, read from the store by the orchestrator),
and gets back a :class:`Booking` or a :class:`Waiting`.

When a lane is full, a *non-mandatory* selection waits in a queue ranked by
score (highest first); it is never silently dropped, and the decision says
so, with its position. A *mandatory* control (the law requires it) always
stands: it is booked even over capacity, into the day's last slot, and
marked so the office can find the extra hands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from hub.decision.model import Lane, Slot
from hub.decision.offices import OfficeCalendar

__all__ = ["Booking", "CapacityState", "Waiting", "schedule"]

Key = tuple[str, Lane, date]  # office code, lane, the office's local day


@dataclass(frozen=True)
class CapacityState:
    """What is booked and what waits, per office, lane and day, when the decision is made.

    ``booked`` counts controls already given a slot; ``waiting`` holds the
    scores of selections already queued. Missing keys mean none.
    """

    booked: Mapping[Key, int] = field(default_factory=dict)
    waiting: Mapping[Key, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Booking:
    day: date
    slot: Slot
    over_capacity: bool = False


@dataclass(frozen=True)
class Waiting:
    day: date
    position: int  # 1-based: selections waiting with a score at least as high come first


def schedule(
    office: OfficeCalendar,
    lane: Lane,
    *,
    now: datetime,
    state: CapacityState,
    mandatory: bool,
    score: int,
) -> Booking | Waiting:
    """The next free slot in ``lane`` at ``office`` from ``now``, or a place in its queue.

    Slots fill in order: booked count // per-slot capacity gives the first
    slot with room, never one that has already begun. A lane with no
    capacity at the office queues every non-mandatory selection.
    """
    day, first = office.first_slot(now)
    key = (office.code, lane, day)
    booked = state.booked.get(key, 0)
    capacity = office.capacity(lane)
    last = office.slots_per_day - 1
    if booked < capacity:
        index = max(first, booked // office.per_slot(lane))
        if index <= last:
            return Booking(day, office.slot(day, index))
    if mandatory:
        return Booking(day, office.slot(day, max(first, last)), over_capacity=True)
    ahead = sum(1 for s in state.waiting.get(key, ()) if s >= score)
    return Waiting(day, ahead + 1)
