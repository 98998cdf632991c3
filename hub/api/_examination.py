"""Moving an examination, as REST (``POST .../examination``) and GraphQL
(``scheduleExamination``) both do it: the same checks, one store call, one audit record.

Who: the JTC, or an officer of an agency taking part in the examination (or
in the queued selection): an agency routed the declaration but not at the
control (a documentary check beside a physical examination) does not move
the others' appointment. The move itself is the pure
:func:`~hub.decision.move_examination`, run inside :meth:`Store.revise
<hub.store.Store.revise>` so the office's capacity is read under its lock
and the new version, the examinations index and ``examination.moved`` in the
audit trail are kept together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hub.access import Action, Principal, may
from hub.api.views import Visible
from hub.decision import CapacityState, Decision, Officer, move_examination
from hub.errors import AccessDenied, SchedulingRefused
from hub.orchestrator import Hub

__all__ = ["MOVED", "move", "participants"]

MOVED = "examination.moved"
"""The audit trail's action for a move (or a queued selection given its slot)."""


def participants(decision: Decision) -> tuple[str, ...]:
    """The agencies taking part in the examination, or waiting for it in the queue."""
    if decision.examination is not None:
        return decision.examination.agencies
    return decision.queued[0].agencies if decision.queued else ()


def move(
    hub: Hub, principal: Principal, visible: Visible, *, to: datetime, reason: str
) -> Decision:
    """The new decision version with the examination at ``to``, stored and audited.

    The caller has checked that ``principal`` may read the declaration, acts
    on decisions, and that a decision exists. Raises
    :class:`~hub.errors.AccessDenied` for an officer whose agency takes no
    part in the examination, :class:`~hub.errors.SchedulingRefused` for a
    move the calendar or capacity forbids (or without calendars).
    """
    offices = hub.orchestrator.context.offices
    if offices is None or visible.office is None:
        raise SchedulingRefused("no office calendar: examinations are not booked here")
    office = offices.get(visible.office)
    officer = Officer(id=principal.subject, agency=principal.agency or "jtc")
    now = hub.orchestrator.clock()

    def moved(latest: Decision, capacity: Callable[[], CapacityState]) -> Decision:
        taking_part = [a for a in participants(latest) if a in visible.routed]
        if not may(principal, Action.SCHEDULE_EXAMINATION, routed=taking_part):
            raise AccessDenied(
                "only the JTC or an officer of an agency taking part in the examination moves it"
            )
        return move_examination(
            latest,
            declaration=visible.declaration,
            to=to,
            office=office,
            capacity=capacity(),
            officer=officer,
            reason=reason,
            now=now,
        )

    return hub.store.revise(
        visible.declaration.id,
        moved,
        actor=principal.actor,
        action=MOVED,
        office=office.code,
        since=now.date() - timedelta(days=1),  # an office's local day may start before UTC's
        detail=_detail,
    )


def _detail(decision: Decision) -> dict[str, Any]:
    record = decision.moves[-1]
    return {
        "office": record.office,
        "lane": record.lane.value,
        "from": record.from_slot.start.isoformat() if record.from_slot else None,
        "to": record.to_slot.start.isoformat(),
        "over_capacity": record.over_capacity,
        "reason": record.reason,
    }
