"""Re-routing: officers change a decision, never silently.

Two moves, both making a new decision version that carries the audit
record (who, when, why, from, to) in ``Decision.reroutings``:

- **Raise** (any officer, e.g. at the joint targeting centre): more control
  for an agency's channel, or blue for an audit. It needs a second officer:
  :func:`request_raise` makes a :class:`RaiseRequest`, a state the
  orchestrator stores; :func:`approve_raise` by a *different* officer makes
  the new version.
- **Lower** (the owning agency only): one of its own findings to a lower
  channel, or withdrawn, with a reason. Mandatory findings (the law),
  fail-safe findings (a late answer amends those) and random selections
  (chance is not a judgement to revise) cannot be lowered.

Approved re-routings stay in force in every later version: a late answer of
another agency does not undo an officer's raise.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hub.decision.merge import DecisionContext, answered_findings, merge
from hub.decision.model import Decision, Officer, Rerouting, ReroutingAction, goods_channel
from hub.errors import ReroutingRefused
from hub.model.declaration import Declaration
from hub.model.finding import FindingSource, RequestedChannel
from hub.model.response import Channel

__all__ = ["RaiseRequest", "approve_raise", "lower", "request_raise"]

_RANK = {None: -1, "green": 0, "yellow": 1, "orange": 2, "red": 3}


class RaiseRequest(BaseModel):
    """An officer's request to raise an agency's channel, waiting for a second officer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    declaration_id: str
    decision_version: int
    agency: str
    from_channel: RequestedChannel | None
    to_channel: RequestedChannel
    reason: str
    requested_by: Officer
    requested_at: datetime


def request_raise(
    decision: Decision,
    *,
    agency: str,
    to: RequestedChannel,
    reason: str,
    officer: Officer,
    now: datetime,
) -> RaiseRequest:
    """A pending raise of ``agency``'s channel to ``to`` (blue: select for audit).

    Refused (:class:`~hub.errors.ReroutingRefused`) without a reason, for an
    agency not concerned, or when ``to`` is not above what stands.
    """
    if not reason.strip():
        raise ReroutingRefused("a raise needs a reason")
    current = decision.agencies.get(agency)
    if current is None:
        raise ReroutingRefused(f"{agency} is not concerned with {decision.declaration_id}")
    raised = goods_channel(to)
    if raised is None:
        if decision.post_clearance_audit:
            raise ReroutingRefused("already selected for post-clearance audit")
    elif _RANK[raised.value] <= _RANK[current.channel.value]:
        raise ReroutingRefused(f"{agency} is already {current.channel.value}: not a raise")
    return RaiseRequest(
        declaration_id=decision.declaration_id,
        decision_version=decision.version,
        agency=agency,
        from_channel=_requested(current.channel),
        to_channel=to,
        reason=reason,
        requested_by=officer,
        requested_at=now,
    )


def approve_raise(
    decision: Decision,
    request: RaiseRequest,
    *,
    approver: Officer,
    declaration: Declaration,
    context: DecisionContext,
    now: datetime,
) -> Decision:
    """The new version with the raise in force, approved by a second officer.

    ``decision`` is the latest version (it may be newer than the one the
    request saw). Refused when the approver is the requester.
    """
    if approver.id == request.requested_by.id:
        raise ReroutingRefused("two-person rule: the approver must not be the requester")
    if request.declaration_id != decision.declaration_id:
        raise ReroutingRefused("the request is about another declaration")
    record = Rerouting(
        action=ReroutingAction.RAISE,
        agency=request.agency,
        from_channel=request.from_channel,
        to_channel=request.to_channel,
        reason=request.reason,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        approved_by=approver,
        approved_at=now,
        version=decision.version + 1,
    )
    return _remerge(decision, declaration, record, context, now)


def lower(
    decision: Decision,
    *,
    agency: str,
    profile_id: str,
    to: RequestedChannel | None,
    reason: str,
    officer: Officer,
    declaration: Declaration,
    context: DecisionContext,
    now: datetime,
) -> Decision:
    """The new version with ``agency``'s finding of ``profile_id`` lowered to ``to`` (or withdrawn).

    Only an officer of the owning agency may; refused for a mandatory,
    fail-safe or random finding, without a reason, or when ``to`` is not lower.
    """
    if officer.agency != agency:
        raise ReroutingRefused(f"only {agency} may lower its own findings")
    if not reason.strip():
        raise ReroutingRefused("lowering a finding needs a reason")
    current = decision.agencies.get(agency)
    found = [f for f in current.findings if f.profile_id == profile_id] if current else []
    if not found:
        raise ReroutingRefused(f"{agency} has no finding of {profile_id} in this decision")
    finding = found[0]
    if finding.mandatory or finding.source in (FindingSource.FAIL_SAFE, FindingSource.RANDOM):
        raise ReroutingRefused(
            f"{profile_id}: a mandatory, fail-safe or random finding cannot be lowered"
        )
    before = goods_channel(finding.channel)
    after = goods_channel(to) if to is not None else None
    if (
        to is not None
        and _RANK[after.value if after else None] >= _RANK[before.value if before else None]
    ):
        raise ReroutingRefused(f"{to.value} is not lower than {finding.channel.value}")
    record = Rerouting(
        action=ReroutingAction.LOWER,
        agency=agency,
        profile_id=profile_id,
        from_channel=finding.channel,
        to_channel=to,
        reason=reason,
        requested_by=officer,
        requested_at=now,
        version=decision.version + 1,
    )
    return _remerge(decision, declaration, record, context, now)


def _remerge(
    decision: Decision,
    declaration: Declaration,
    record: Rerouting,
    context: DecisionContext,
    now: datetime,
) -> Decision:
    pending = decision.pending
    answered = {k: v for k, v in answered_findings(decision).items() if k not in pending}
    verb = "raised" if record.action is ReroutingAction.RAISE else "lowered"
    return merge(
        declaration,
        answered,
        context=context,
        now=now,
        pending=pending,
        previous=decision,
        reroutings=(*decision.reroutings, record),
        note=f"{record.agency} {verb} by {record.requested_by.id}: {record.reason}",
    )


def _requested(channel: Channel) -> RequestedChannel | None:
    return None if channel is Channel.GREEN else RequestedChannel(channel.value)
