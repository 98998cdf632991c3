"""The coordinated decision: one answer about one declaration, from every concerned agency.

A :class:`Decision` is what the merge makes of the agencies' findings: the
goods channel, whether the goods are released, each agency's status in the
spirit of the US ACE "PGA" statuses, the one (joint) examination and what is
queued for capacity. It is immutable and versioned: a late answer, an
officer's re-routing or a lowered finding makes a *new* decision whose
``version`` is one more and whose ``supersedes`` names the version it
replaces, so what the hub said at any moment can always be shown again.

Three readers, three shapes: :meth:`Decision.to_contract` is the JSON contract
of issue 4 (officers, agencies, ``hub assess --json``); :func:`trader_view`
is the trader's :class:`~hub.model.CustomsResponse`, which has no room for
findings, reasons or profile names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.model.finding import Finding, RequestedChannel
from hub.model.response import Channel, CustomsResponse, ResponseStatus

__all__ = [
    "AgencyDecision",
    "AgencyStatus",
    "Decision",
    "ExaminationMove",
    "JointExamination",
    "Lane",
    "Officer",
    "QueuedSelection",
    "Rerouting",
    "ReroutingAction",
    "Slot",
    "goods_channel",
    "lane_for",
    "most_severe",
    "trader_view",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_ORDER = {Channel.GREEN: 0, Channel.YELLOW: 1, Channel.ORANGE: 2, Channel.RED: 3}


def goods_channel(requested: RequestedChannel) -> Channel | None:
    """The goods channel a finding asks for; ``None`` for blue (audit is a flag, not a control)."""
    return None if requested is RequestedChannel.BLUE else Channel(requested.value)


def most_severe(channels: Iterable[Channel]) -> Channel:
    """green < yellow < orange < red; nothing to compare is green."""
    return max(channels, key=_ORDER.__getitem__, default=Channel.GREEN)


class Lane(StrEnum):
    """Where a control is done at an office; each lane has its own capacity per day."""

    DOCUMENTARY = "documentary"  # yellow: the documents, at the office
    SCANNER = "scanner"  # orange: non-intrusive inspection
    PHYSICAL = "physical"  # red: the goods opened


_LANES = {
    Channel.YELLOW: Lane.DOCUMENTARY,
    Channel.ORANGE: Lane.SCANNER,
    Channel.RED: Lane.PHYSICAL,
}


def lane_for(channel: Channel) -> Lane | None:
    """The lane a channel needs; green needs none."""
    return _LANES.get(channel)


class AgencyStatus(StrEnum):
    """One agency's word on the goods, after ACE's partner government agency statuses.

    Precedence when several apply: pending > hold > examination-required >
    documentary-check > may-proceed. ``hold`` is an agency's legal stop: a
    mandatory red finding (a prohibition, a weapon, an animal-disease ban);
    the goods stay where they are until that agency has examined them.
    """

    PENDING = "pending"  # no answer by the deadline: its fail-safe finding stands in
    MAY_PROCEED = "may-proceed"
    DOCUMENTARY_CHECK = "documentary-check"
    EXAMINATION_REQUIRED = "examination-required"
    HOLD = "hold"


class AgencyDecision(_Frozen):
    """One concerned agency: its status, its goods channel and the findings behind them.

    ``findings`` are as the agency answered, plus those the hub made on its
    behalf (fail-safe, random selection). ``channel`` may differ from the most
    severe of them: an AEO benefit lowers it one step, an approved raise or
    an owner's lowering changes it; ``Decision.reasons`` and
    ``Decision.reroutings`` say why.
    """

    agency: str
    status: AgencyStatus
    channel: Channel
    findings: tuple[Finding, ...] = ()
    pending_reason: str | None = None
    # The status is the agency's recorded control's word (hub.decision.release),
    # kept by later versions while the findings and channel it controlled stand.
    controlled: bool = False


class Slot(_Frozen):
    """A time at an office, from its calendar; zone-aware."""

    start: datetime
    end: datetime


class JointExamination(_Frozen):
    """The one control appointment of a decision, shared by every agency that needs it.

    ``lane`` is the most demanding the agencies need (red: physical).
    ``instructions`` holds, per agency, what its own findings ask to check:
    officers read only their own agency's entry. ``over_capacity`` marks a
    mandatory control booked although the lane was full.
    """

    agencies: tuple[str, ...]
    office: str
    place: str
    lane: Lane
    slot: Slot
    instructions: dict[str, tuple[str, ...]] = {}
    over_capacity: bool = False

    @property
    def joint(self) -> bool:
        return len(self.agencies) >= 2


class QueuedSelection(_Frozen):
    """A non-mandatory selection waiting for capacity: never dropped, ranked by score.

    ``position`` is 1-based among the selections waiting for the same office,
    lane and day when the decision was made.
    """

    agencies: tuple[str, ...]
    office: str
    lane: Lane
    day: date
    score: int
    position: int


class Officer(_Frozen):
    """An officer acting on a decision, and the agency (or ``jtc``) they act for."""

    id: str
    agency: str


class ReroutingAction(StrEnum):
    RAISE = "raise"  # an officer asks for more control; a second officer approves
    LOWER = "lower"  # the owning agency revises one of its own findings


class Rerouting(_Frozen):
    """An officer's change to a decision: the audit record (who, when, why, from, to).

    For a raise, ``agency`` is the agency whose channel is raised,
    ``requested_by`` and ``approved_by`` two different officers. For a lower,
    ``profile_id`` names the finding and ``to_channel`` ``None`` withdraws it.
    ``version`` is the decision version the change produced.
    """

    action: ReroutingAction
    agency: str
    profile_id: str | None = None
    from_channel: RequestedChannel | None
    to_channel: RequestedChannel | None
    reason: str
    requested_by: Officer
    requested_at: datetime
    approved_by: Officer | None = None
    approved_at: datetime | None = None
    version: int | None = None


class ExaminationMove(_Frozen):
    """An officer's move of the examination to another slot: the audit record.

    ``from_slot`` is ``None`` when a selection queued for capacity was given
    its slot. ``over_capacity``: a mandatory control moved into a full lane.
    ``version`` is the decision version the move produced. Kept apart from
    :class:`Rerouting`, which changes channels and which the merge replays:
    a move changes no channel, only when the goods are seen.
    """

    office: str
    lane: Lane
    from_slot: Slot | None
    to_slot: Slot
    over_capacity: bool = False
    reason: str
    moved_by: Officer
    moved_at: datetime
    version: int


class Decision(_Frozen):
    """The coordinated decision on one declaration, one version of it.

    ``released`` is consolidated release: every concerned agency may proceed.
    ``post_clearance_audit`` is the blue flag and can accompany any channel.
    ``reasons`` say in words what the merge did beyond taking the most severe
    channel (AEO benefit, random selection, pending agencies, capacity);
    ``note`` says why this version exists when it supersedes another.
    ``moves`` record each officer's move of the examination (not in the
    contract: the slot and the note already say where and why).
    """

    declaration_id: str
    version: int = 1
    supersedes: int | None = None
    made_at: datetime
    channel: Channel
    post_clearance_audit: bool = False
    released: bool
    random_selection: bool = False
    agencies: dict[str, AgencyDecision]
    examination: JointExamination | None = None
    queued: tuple[QueuedSelection, ...] = ()
    reasons: tuple[str, ...] = ()
    reroutings: tuple[Rerouting, ...] = ()
    moves: tuple[ExaminationMove, ...] = ()
    note: str | None = None

    @property
    def pending(self) -> tuple[str, ...]:
        """The agencies that have not answered: their fail-safe findings stand in."""
        return tuple(n for n, a in self.agencies.items() if a.status is AgencyStatus.PENDING)

    @property
    def joint_examination(self) -> JointExamination | None:
        """The examination when two or more agencies share it, else ``None``."""
        exam = self.examination
        return exam if exam is not None and exam.joint else None

    def to_contract(self) -> dict[str, Any]:
        """The decision contract of issue 4, JSON-ready.

        The issue's keys come first, as it lists them. Three more follow,
        because a control must be findable even when no joint examination
        exists: ``examination`` (the appointment, for one agency or several:
        agencies, place, slot, lane), ``pending`` (agencies whose fail-safe
        stands in) and ``queued`` (selections waiting for capacity).
        Findings carry their confidential flag: this is the officers' and
        JTC's shape; narrowing it per reader is the edge's work.
        """

        def appointment(exam: JointExamination | None) -> dict[str, Any] | None:
            if exam is None:
                return None
            return {
                "agencies": list(exam.agencies),
                "place": exam.place,
                "slot": exam.slot.model_dump(mode="json"),
            }

        exam = appointment(self.examination)
        if exam is not None and self.examination is not None:
            exam = {**exam, "lane": self.examination.lane.value, "office": self.examination.office}
        return {
            "declaration_id": self.declaration_id,
            "version": self.version,
            "channel": self.channel.value,
            "post_clearance_audit": self.post_clearance_audit,
            "released": self.released,
            "random_selection": self.random_selection,
            "agencies": {
                name: {
                    "status": a.status.value,
                    "channel": a.channel.value,
                    "findings": [
                        f.model_dump(mode="json", exclude_defaults=True) for f in a.findings
                    ],
                }
                for name, a in self.agencies.items()
            },
            "joint_examination": appointment(self.joint_examination),
            "examination": exam,
            "pending": list(self.pending),
            "queued": [q.model_dump(mode="json") for q in self.queued],
        }


def trader_view(
    decision: Decision,
    *,
    message_id: str,
    sender: str,
    receiver: str | None = None,
    functional_reference: str | None = None,
) -> CustomsResponse:
    """What the trader may know: channel, release, where and when, the audit flag.

    Held when an agency holds the goods or has not answered; under control
    when a check or examination is required. Findings, reasons, agency names
    and re-routings never reach the response: its type has no room for them.
    """
    statuses = {a.status for a in decision.agencies.values()}
    if decision.released:
        status = ResponseStatus.RELEASED
    elif statuses & {AgencyStatus.HOLD, AgencyStatus.PENDING}:
        status = ResponseStatus.HELD
    else:
        status = ResponseStatus.UNDER_CONTROL
    exam = decision.examination
    return CustomsResponse(
        message_id=message_id,
        issued_at=decision.made_at,
        sender=sender,
        receiver=receiver,
        declaration_id=decision.declaration_id,
        functional_reference=functional_reference,
        status=status,
        channel=decision.channel,
        post_clearance_audit=decision.post_clearance_audit,
        examination_place=exam.place if exam else None,
        examination_time=exam.slot.start if exam else None,
    )
