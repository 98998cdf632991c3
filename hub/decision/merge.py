"""The merge: every concerned agency's findings -> one coordinated, versioned decision.

Rules, in order (each a reason an officer can read back):

1. An agency that did not answer by its deadline (``pending``) gets its
   fail-safe finding (source ``fail-safe``, its ``agency.yaml`` channel,
   never green) and the status ``pending``; the decision names it.
2. Random selection, when configured, adds a ``random`` finding to its agency;
   partners' data adds what it found (a ``pre-arrival`` mismatch, a watched
   consignment: ``watch``) to the agency it concerns, in every version.
3. Approved re-routings are applied: an owner's lowering of its own finding,
   an officer's raise of an agency's channel (:mod:`hub.decision.rerouting`).
4. An agency's channel is the most severe of its findings (blue is a flag,
   not a goods channel). An AEO benefit lowers the AEO programme owner's
   lowerable findings by one step (:mod:`hub.decision.aeo`).
5. An agency's status: pending > hold (a mandatory red finding: the law
   stops the goods) > examination-required (orange, red) >
   documentary-check (yellow) > may-proceed (green); an agency whose
   recorded control settled its status (:mod:`hub.decision.release`) keeps
   it while its findings and channel stand.
6. The goods channel is the most severe agency channel; blue anywhere sets
   ``post_clearance_audit``; the goods are released only when every
   concerned agency may proceed (consolidated release).
7. One appointment (:mod:`hub.decision.joint`) in the overall channel's
   lane, or a place in the queue when the lane is full.

Pure: the moment, the registers, the random seed and the capacity already
booked are passed in (:class:`DecisionContext`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.agency import AgencySpec
from hub.decision.aeo import AeoRegister, MraArrangements, benefit, lower_one_step, lowerable
from hub.decision.capacity import CapacityState
from hub.decision.joint import over_capacity_reason, plan_examination, queued_reason
from hub.decision.model import (
    AgencyDecision,
    AgencyStatus,
    Decision,
    JointExamination,
    QueuedSelection,
    Rerouting,
    ReroutingAction,
    goods_channel,
    most_severe,
)
from hub.decision.offices import Offices
from hub.decision.random import RandomSelection, office_of
from hub.errors import DecisionError
from hub.model.declaration import Declaration
from hub.model.finding import Finding, FindingSource, RequestedChannel
from hub.model.response import Channel

__all__ = [
    "DecisionContext",
    "amend",
    "answered_findings",
    "fail_safe_finding",
    "merge",
    "partner_findings_of",
]

_HUB_MADE = (FindingSource.FAIL_SAFE, FindingSource.RANDOM)
# Findings from partners' data (a pre-arrival mismatch, a watched consignment):
# the hub adds them on an agency's behalf when the declaration is accepted, so
# they are never part of the agency's own answer and outlive its amendments.
_PARTNER_MADE = (FindingSource.PRE_ARRIVAL, FindingSource.WATCH)
_NOT_ANSWERED = (*_HUB_MADE, *_PARTNER_MADE)


@dataclass(frozen=True)
class DecisionContext:
    """Everything the merge reads besides the findings: specs, registers, seed, capacity.

    Without ``aeo`` no AEO benefit; without ``random`` no random selection;
    without ``offices`` no appointment is booked (the decision says why).
    """

    agencies: Mapping[str, AgencySpec]
    aeo: AeoRegister | None = None
    mra: MraArrangements | None = None
    random: RandomSelection | None = None
    offices: Offices | None = None
    capacity: CapacityState = field(default_factory=CapacityState)


def fail_safe_finding(spec: AgencySpec) -> Finding:
    """The finding that stands in for an agency that did not answer by its deadline."""
    return Finding(
        agency=spec.name,
        source=FindingSource.FAIL_SAFE,
        title=f"No answer within {spec.deadline_s:g} s: fail-safe {spec.fail_safe.value}",
        channel=spec.fail_safe,
    )


def answered_findings(decision: Decision) -> dict[str, tuple[Finding, ...]]:
    """Each agency's own findings in ``decision``, without those the hub made for it."""
    return {
        name: tuple(f for f in a.findings if f.source not in _NOT_ANSWERED)
        for name, a in decision.agencies.items()
    }


def partner_findings_of(decision: Decision) -> tuple[Finding, ...]:
    """The findings partners' data added to ``decision`` (carried into its next versions)."""
    return tuple(
        f for a in decision.agencies.values() for f in a.findings if f.source in _PARTNER_MADE
    )


def merge(
    declaration: Declaration,
    findings_by_agency: Mapping[str, Sequence[Finding]],
    *,
    context: DecisionContext,
    now: datetime,
    pending: Collection[str] = (),
    previous: Decision | None = None,
    reroutings: Sequence[Rerouting] | None = None,
    partner_findings: Sequence[Finding] | None = None,
    note: str | None = None,
) -> Decision:
    """The decision on ``declaration`` (see the module docstring for the rules).

    ``findings_by_agency`` has one entry per agency that answered (an empty
    sequence: nothing found); ``pending`` names the concerned agencies that
    did not. With ``previous`` the result is its next version and keeps its
    appointment where it still fits; ``reroutings`` and ``partner_findings``
    (what partners' data said: a pre-arrival mismatch, a watched consignment,
    each added to its agency's findings) default to the previous version's.

    Raises :class:`~hub.errors.DecisionError` for an agency without a spec,
    or a ``previous`` of another declaration.
    """
    if previous is not None and previous.declaration_id != declaration.id:
        raise DecisionError(f"{previous.declaration_id} is not a decision on {declaration.id}")
    names = [*findings_by_agency, *(p for p in pending if p not in findings_by_agency)]
    unknown = [n for n in names if n not in context.agencies]
    if unknown:
        raise DecisionError(f"no agency.yaml for {', '.join(unknown)}")
    reroutings = (
        tuple(previous.reroutings if previous else ()) if reroutings is None else tuple(reroutings)
    )
    reasons: list[str] = []
    findings: dict[str, list[Finding]] = {}
    pending_reason: dict[str, str] = {}
    for name in names:
        if name in pending:
            spec = context.agencies[name]
            findings[name] = [fail_safe_finding(spec)]
            pending_reason[name] = (
                f"no answer within its deadline of {spec.deadline_s:g} s; "
                f"its fail-safe {spec.fail_safe.value} stands until it answers"
            )
            reasons.append(f"{name} pending: fail-safe {spec.fail_safe.value}")
        else:
            findings[name] = [f for f in findings_by_agency[name] if f.source not in _NOT_ANSWERED]
    if partner_findings is None:
        partner_findings = partner_findings_of(previous) if previous else ()
    for f in partner_findings:
        if f.agency in context.agencies:
            findings.setdefault(f.agency, []).append(f)
            # Every officer reads the reasons; a confidential warning is the JTC's alone.
            said = f"confidential {f.source.value} finding" if f.confidential else f.title
            reasons.append(f"partner data: {said or f.source.value}")

    office_code = office_of(declaration)
    drawn = context.random.select(declaration, office_code) if context.random else None
    if drawn is not None:
        findings.setdefault(drawn.agency, []).append(drawn)
        reasons.append(f"random selection: {drawn.agency} {drawn.channel.value}")

    _apply_lowerings(findings, reroutings)
    aeo = None
    if context.aeo is not None:
        aeo = benefit(declaration, context.aeo, context.mra, now.date())
    decided: dict[str, AgencyDecision] = {}
    audit = False
    for name, found in findings.items():
        channel = most_severe(c for f in found if (c := goods_channel(f.channel)))
        audit |= any(f.channel is RequestedChannel.BLUE for f in found)
        if aeo is not None and context.aeo is not None and name == context.aeo.programme_owner:
            lowered = _with_aeo(found, context.aeo)
            if lowered != channel:
                reasons.append(f"{aeo.reason()}: {name} {channel.value} -> {lowered.value}")
                channel = lowered
        for r in reroutings:
            if r.action is ReroutingAction.RAISE and r.agency == name and r.to_channel:
                audit |= r.to_channel is RequestedChannel.BLUE
                raised = goods_channel(r.to_channel)
                channel = most_severe((channel, raised)) if raised else channel
        decided[name] = _after_control(
            AgencyDecision(
                agency=name,
                status=_status(channel, found, pending=name in pending),
                channel=channel,
                findings=tuple(found),
                pending_reason=pending_reason.get(name),
            ),
            previous.agencies.get(name) if previous else None,
        )

    examination: JointExamination | None = None
    queued: tuple[QueuedSelection, ...] = ()
    if context.offices is None:
        if most_severe(a.channel for a in decided.values()) is not Channel.GREEN:
            reasons.append("no office calendar: no appointment booked")
    else:
        planned = plan_examination(
            declaration,
            decided,
            office=context.offices.get(office_code),
            now=now,
            capacity=context.capacity,
            keep=previous.examination if previous else None,
        )
        if isinstance(planned, JointExamination):
            examination = planned
            if planned.over_capacity:
                reasons.append(over_capacity_reason(planned.lane))
        elif planned is not None:
            queued = (planned,)
            reasons.append(queued_reason(planned))
    return Decision(
        declaration_id=declaration.id,
        version=previous.version + 1 if previous else 1,
        supersedes=previous.version if previous else None,
        made_at=now,
        channel=most_severe(a.channel for a in decided.values()),
        post_clearance_audit=audit,
        released=bool(decided)
        and all(a.status is AgencyStatus.MAY_PROCEED for a in decided.values()),
        random_selection=drawn is not None,
        agencies=decided,
        examination=examination,
        queued=queued,
        reasons=tuple(reasons),
        reroutings=reroutings,
        moves=previous.moves if previous else (),
        note=note,
    )


def amend(
    previous: Decision,
    declaration: Declaration,
    agency: str,
    findings: Sequence[Finding],
    *,
    context: DecisionContext,
    now: datetime,
) -> Decision:
    """The next version after ``agency`` answered (late, or again): its findings replace its own.

    Every other agency's answer, every pending agency and every approved
    re-routing carry over; the random draw is made again and gives the same
    result. The note says whether the answer was late.
    """
    if agency not in previous.agencies and agency not in context.agencies:
        raise DecisionError(f"no agency.yaml for {agency}")
    answered = answered_findings(previous)
    was_pending = agency in previous.pending
    answered[agency] = tuple(findings)
    pending = [p for p in previous.pending if p != agency]
    for name in pending:
        answered.pop(name, None)
    why = "late answer" if was_pending else "new answer"
    return merge(
        declaration,
        answered,
        context=context,
        now=now,
        pending=pending,
        previous=previous,
        note=f"{why} from {agency} amends version {previous.version}",
    )


def _after_control(made: AgencyDecision, before: AgencyDecision | None) -> AgencyDecision:
    """``made``, or its previous version's word when that came from a recorded control of
    the same findings and channel: another agency's late answer, a move or a re-routing of
    someone else does not undo a release. New findings, or a raised channel, ask for a new
    control: the status is the merge's again."""
    if (
        before is None
        or not before.controlled
        or before.findings != made.findings
        or before.channel is not made.channel
    ):
        return made
    return made.model_copy(update={"status": before.status, "controlled": True})


def _with_aeo(found: Sequence[Finding], register: AeoRegister) -> Channel:
    """The programme owner's channel with its lowerable findings one step down."""
    fixed = most_severe(
        c for f in found if not lowerable(f, register) and (c := goods_channel(f.channel))
    )
    soft = most_severe(
        c for f in found if lowerable(f, register) and (c := goods_channel(f.channel))
    )
    return most_severe((fixed, lower_one_step(soft)))


def _apply_lowerings(findings: dict[str, list[Finding]], reroutings: Sequence[Rerouting]) -> None:
    for r in reroutings:
        if r.action is not ReroutingAction.LOWER or r.agency not in findings:
            continue
        revised: list[Finding] = []
        for f in findings[r.agency]:
            if f.profile_id != r.profile_id or f.source in _HUB_MADE or f.mandatory:
                revised.append(f)
            elif r.to_channel is not None:
                revised.append(f.model_copy(update={"channel": r.to_channel}))
        findings[r.agency] = revised


def _status(channel: Channel, found: Sequence[Finding], *, pending: bool) -> AgencyStatus:
    if pending:
        return AgencyStatus.PENDING
    if any(f.mandatory and f.channel is RequestedChannel.RED for f in found):
        return AgencyStatus.HOLD
    if channel in (Channel.ORANGE, Channel.RED):
        return AgencyStatus.EXAMINATION_REQUIRED
    if channel is Channel.YELLOW:
        return AgencyStatus.DOCUMENTARY_CHECK
    return AgencyStatus.MAY_PROCEED
