"""One appointment for every agency that needs the goods: the joint examination.

Without coordination a container selected by veterinary and police is opened
twice, on two days. The decision books *one* control, in the lane of its
overall channel (red: physical, orange: scanner, yellow: documentary), for
every agency that needs that kind of control: with a physical or scanner
lane, each agency whose channel is orange or red; with the documentary lane,
each agency whose channel is yellow. A yellow agency beside a physical
examination checks its documents without an appointment.

Where: the goods location for scanner and physical lanes (the goods are
there), the office for documents. When: a slot from the office's calendar,
or a place in the lane's queue when it is full (:mod:`hub.decision.capacity`).
Each agency's instructions come from its own findings and are read only by
its own officers. The contract shows ``joint_examination`` only when two or
more agencies share the appointment; one agency's control is the decision's
``examination``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hub.decision.capacity import Booking, CapacityState, schedule
from hub.decision.model import (
    AgencyDecision,
    JointExamination,
    Lane,
    QueuedSelection,
    goods_channel,
    lane_for,
    most_severe,
)
from hub.decision.offices import OfficeCalendar
from hub.model.declaration import Declaration
from hub.model.finding import Finding
from hub.model.response import Channel

__all__ = ["instructions_of", "place_of", "plan_examination"]

_NEEDS = {
    Lane.PHYSICAL: {Channel.ORANGE, Channel.RED},
    Lane.SCANNER: {Channel.ORANGE, Channel.RED},
    Lane.DOCUMENTARY: {Channel.YELLOW},
}


def place_of(declaration: Declaration, office: OfficeCalendar, lane: Lane) -> str:
    """The goods location for goods lanes (when the declaration names it), else the office."""
    location = declaration.transport.goods_location
    if lane is not Lane.DOCUMENTARY and location is not None and location.id:
        return f"goods location {location.id}"
    return f"office {office.code}" + (f" ({office.name})" if office.name else "")


def instructions_of(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """What an agency's findings ask to check: their instructions, else their titles."""
    said: list[str] = []
    for f in findings:
        if goods_channel(f.channel) is None:
            continue
        text = f.instructions or f.title or f"{f.source.value} selection"
        if f.item_sequences:
            text = f"items {', '.join(map(str, f.item_sequences))}: {text}"
        if text not in said:
            said.append(text)
    return tuple(said)


def queued_reason(queued: QueuedSelection) -> str:
    """The decision's reason for a selection waiting for capacity (merge and moves alike)."""
    return (
        f"{queued.lane} lane full at {queued.office} on {queued.day}: "
        f"queued at position {queued.position}"
    )


def over_capacity_reason(lane: Lane, *, moved: bool = False) -> str:
    """The decision's reason for a mandatory control booked (or moved) over capacity."""
    return f"mandatory control {'moved' if moved else 'booked'} over capacity in the {lane} lane"


def plan_examination(
    declaration: Declaration,
    agencies: Mapping[str, AgencyDecision],
    *,
    office: OfficeCalendar,
    now: datetime,
    capacity: CapacityState,
    keep: JointExamination | None = None,
) -> JointExamination | QueuedSelection | None:
    """The decision's one appointment, its place in a queue, or ``None`` when all is green.

    ``keep`` is the previous version's appointment: when the lane and office
    are unchanged its slot stands (a new version must not lose or double a
    booking), and only the agencies and instructions are brought up to date.
    """
    overall = most_severe(a.channel for a in agencies.values())
    lane = lane_for(overall)
    if lane is None:
        return None
    involved = {n: a for n, a in agencies.items() if a.channel in _NEEDS[lane]}
    names = tuple(involved)
    instructions = {n: instructions_of(a.findings) for n, a in involved.items()}
    place = place_of(declaration, office, lane)
    if keep is not None and keep.lane is lane and keep.office == office.code:
        return keep.model_copy(
            update={"agencies": names, "instructions": instructions, "place": place}
        )
    findings = [f for a in involved.values() for f in a.findings]
    mandatory = any(f.mandatory for f in findings)
    score = max((f.score for f in findings), default=0)
    result = schedule(office, lane, now=now, state=capacity, mandatory=mandatory, score=score)
    if isinstance(result, Booking):
        return JointExamination(
            agencies=names,
            office=office.code,
            place=place,
            lane=lane,
            slot=result.slot,
            instructions=instructions,
            over_capacity=result.over_capacity,
        )
    return QueuedSelection(
        agencies=names,
        office=office.code,
        lane=lane,
        day=result.day,
        score=score,
        position=result.position,
    )
