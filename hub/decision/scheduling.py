"""Moving an examination: an officer gives the control another slot, never silently.

The merge books the first free slot of the office's calendar, or queues a
selection when the lane is full. Officers at the joint targeting centre (or
of an agency taking part in the control) know better when the goods, the
agencies and the office can meet: :func:`move_examination` makes the next
decision version with the examination at the slot they chose, or gives a
queued selection its slot. Nothing else of the decision changes: no channel,
finding, status or re-routing. The move is recorded in ``Decision.moves``
and said in the ``note`` (who, from when, to when, why).

The same rules bind a move as the merge's booking: the slot is a slot of the
office's calendar (an open day, within hours, on the slot grid) that has not
begun; a lane full that day takes no more non-mandatory controls, and a
mandatory control may go over capacity, marked so. Capacity per slot is not
checked: the calendar counts controls per lane and day.
"""

from __future__ import annotations

from datetime import datetime

from hub.decision.capacity import CapacityState
from hub.decision.joint import instructions_of, over_capacity_reason, place_of, queued_reason
from hub.decision.model import (
    Decision,
    ExaminationMove,
    JointExamination,
    Officer,
    Slot,
)
from hub.decision.offices import OfficeCalendar
from hub.errors import SchedulingRefused
from hub.model.declaration import Declaration

__all__ = ["calendar_slot", "move_examination"]


def calendar_slot(office: OfficeCalendar, start: datetime) -> Slot | None:
    """The slot of ``office``'s calendar starting at ``start``, or ``None`` when there is none.

    ``start`` may be given in any zone: the slot is found on the office's own
    day (an open day), within its hours and on its grid of ``slot_minutes``.
    """
    if start.tzinfo is None:
        return None
    try:
        day = start.astimezone(office.zone).date()
    except OverflowError:
        return None
    if day.isoweekday() not in office.open_days:
        return None
    for index in range(office.slots_per_day):
        slot = office.slot(day, index)
        if slot.start == start:
            return slot
    return None


def move_examination(
    decision: Decision,
    *,
    declaration: Declaration,
    to: datetime,
    office: OfficeCalendar,
    capacity: CapacityState,
    officer: Officer,
    reason: str,
    now: datetime,
) -> Decision:
    """The next version, its examination in ``office``'s slot starting at ``to``.

    ``capacity`` is what the office has booked and queued *without* this
    declaration (its own booking is the one that moves). A queued selection
    becomes the examination, for the same agencies and lane, at the place
    and with the instructions the merge would give (``declaration`` says
    where the goods are).

    Raises :class:`~hub.errors.SchedulingRefused` without a reason, with
    nothing to schedule, for another office, for a time that is not a slot
    of the calendar or has begun, for the slot already held, and when the
    lane is full that day and no finding behind the control is mandatory.
    """
    if not reason.strip():
        raise SchedulingRefused("moving an examination needs a reason")
    current = decision.examination
    held = current if current is not None else decision.queued[0] if decision.queued else None
    if held is None:
        raise SchedulingRefused(f"{decision.declaration_id} has no examination to schedule")
    if held.office != office.code:
        raise SchedulingRefused(f"the examination is for office {held.office}, not {office.code}")
    if to.tzinfo is None:
        raise SchedulingRefused("give the slot's start with its time zone")
    if to < now:
        raise SchedulingRefused(f"{to.isoformat()} has already begun")
    slot = calendar_slot(office, to)
    if slot is None:
        raise SchedulingRefused(
            f"{to.isoformat()} is not a slot of office {office.code}: open days"
            f" {list(office.open_days)}, {office.opens:%H:%M}-{office.closes:%H:%M}"
            f" ({office.timezone}), every {office.slot_minutes} min"
        )
    if current is not None and current.slot == slot:
        raise SchedulingRefused(f"the examination is already at {to.isoformat()}")
    lane, agencies = held.lane, held.agencies
    day = slot.start.astimezone(office.zone).date()
    booked = capacity.booked.get((office.code, lane, day), 0)
    full = booked >= office.capacity(lane)
    mandatory = any(
        f.mandatory
        for name in agencies
        if name in decision.agencies
        for f in decision.agencies[name].findings
    )
    if full and not mandatory:
        raise SchedulingRefused(
            f"the {lane} lane at {office.code} is full on {day}"
            f" ({booked} of {office.capacity(lane)})"
        )
    if current is not None:
        moved = current.model_copy(update={"slot": slot, "over_capacity": full})
    else:
        moved = _from_queue(decision, declaration, office, slot, over_capacity=full)
    version = decision.version + 1
    record = ExaminationMove(
        office=office.code,
        lane=lane,
        from_slot=current.slot if current is not None else None,
        to_slot=slot,
        over_capacity=full,
        reason=reason,
        moved_by=officer,
        moved_at=now,
        version=version,
    )
    return decision.model_copy(
        update={
            "version": version,
            "supersedes": decision.version,
            "made_at": now,
            "examination": moved,
            "queued": (),
            "reasons": _reasons(decision, moved),
            "moves": (*decision.moves, record),
            "note": _note(record),
        }
    )


def _from_queue(
    decision: Decision,
    declaration: Declaration,
    office: OfficeCalendar,
    slot: Slot,
    *,
    over_capacity: bool,
) -> JointExamination:
    """The examination the queued selection becomes: agencies, lane, place and instructions
    as :func:`~hub.decision.joint.plan_examination` gives them, at ``slot``."""
    if declaration.id != decision.declaration_id:
        raise SchedulingRefused(f"{declaration.id} is not the declaration of this decision")
    queued = decision.queued[0]
    return JointExamination(
        agencies=queued.agencies,
        office=queued.office,
        place=place_of(declaration, office, queued.lane),
        lane=queued.lane,
        slot=slot,
        instructions={
            n: instructions_of(decision.agencies[n].findings)
            for n in queued.agencies
            if n in decision.agencies
        },
        over_capacity=over_capacity,
    )


def _reasons(decision: Decision, moved: JointExamination) -> tuple[str, ...]:
    """The merge's reasons, less those the move made untrue (queued, over capacity)."""
    stale = {queued_reason(q) for q in decision.queued}
    if decision.examination is not None:
        stale.add(over_capacity_reason(decision.examination.lane))
    kept = [r for r in decision.reasons if r not in stale]
    if moved.over_capacity:
        kept.append(over_capacity_reason(moved.lane, moved=True))
    return tuple(kept)


def _note(record: ExaminationMove) -> str:
    """Who moved the examination, from when to when, and why."""
    to = record.to_slot.start.isoformat()
    if record.from_slot is None:
        what = f"queued examination scheduled for {to}"
    else:
        what = f"examination moved from {record.from_slot.start.isoformat()} to {to}"
    over = " (over capacity)" if record.over_capacity else ""
    return f"{what}{over} by {record.moved_by.id} ({record.moved_by.agency}): {record.reason}"
