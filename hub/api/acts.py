"""Officers' acts on a decision, as REST and GraphQL both perform them.

One function per act, with the checks, the domain call and the store call
in one place, so the two edges cannot drift apart: record a control result,
ask for a raise, approve one (a second officer), lower one's own agency's
finding. The caller has already made sure the principal may read the
declaration (:func:`~hub.api.views.visible_declaration`); each act checks
what the principal may *do* (:func:`~hub.access.may`) and raises:

- :class:`~hub.errors.AccessDenied` (403) for an act the principal may not do;
- :class:`StillAssessing` (409) before there is a decision to act on;
- :class:`UnknownRequest` (404) for a raise request that is not there;
- :class:`~hub.errors.ReroutingRefused` (422) when the rules refuse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.access import Action, Principal, Role, may
from hub.api.views import Visible
from hub.decision import Decision, Officer
from hub.decision.release import after_control
from hub.decision.rerouting import RaiseRequest, approve_raise, lower, request_raise
from hub.errors import AccessDenied, HubError
from hub.feedback import ControlOutcome, ControlResult, Quantity
from hub.model.finding import RequestedChannel
from hub.orchestrator import Hub

__all__ = [
    "ControlResultIn",
    "ReroutingIn",
    "StillAssessing",
    "UnknownRequest",
    "acting_officer",
    "approve",
    "ask_raise",
    "lower_finding",
    "officer_of",
    "record_result",
]


class StillAssessing(HubError):
    """No decision yet: the agencies are still assessing the declaration."""


class UnknownRequest(HubError):
    """No such re-routing request on this declaration."""


class ControlResultIn(BaseModel):
    """What a control found, as an officer sends it."""

    model_config = ConfigDict(extra="forbid")

    agency: str | None = Field(
        default=None, description="The agency whose control this was; an officer's own by default."
    )
    decision_version: int = Field(ge=1)
    checked: str = Field(min_length=1, max_length=2000)
    outcome: ControlOutcome
    quantities: list[Quantity] = []
    duty_at_stake: Decimal | None = Field(default=None, ge=0)
    value_at_stake: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    notes: str | None = Field(default=None, max_length=10000)
    findings: list[str] = Field(default=[], description="Profile ids (or 'random') behind it.")


class ReroutingIn(BaseModel):
    """Raise an agency's channel (a second officer approves) or lower one's own finding."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["raise", "lower"]
    agency: str
    to: RequestedChannel | None = Field(
        default=None, description="The channel asked for; for a lower, none withdraws it."
    )
    reason: str = Field(min_length=1, max_length=2000)
    profile_id: str | None = Field(default=None, description="For a lower: the finding's profile.")


def acting_officer(principal: Principal) -> None:
    """Only officers and the JTC act on decisions."""
    if principal.role not in (Role.OFFICER, Role.JTC):
        raise AccessDenied(f"a {principal.role.value} does not act on decisions")


def officer_of(principal: Principal, agency: str | None = None) -> Officer:
    """The officer acting, for the decision's records: its agency, or ``jtc``."""
    return Officer(id=principal.subject, agency=principal.agency or agency or "jtc")


def _latest(hub: Hub, declaration_id: str) -> Decision:
    latest = hub.decision(declaration_id)
    if latest is None:
        raise StillAssessing(f"{declaration_id} is still being assessed")
    return latest


def record_result(
    hub: Hub, principal: Principal, visible: Visible, body: ControlResultIn
) -> tuple[int, ControlResult]:
    """Keep what an agency's control found; its id and the result as stored.

    The decision moves on with it, in the same transaction: the agency may
    proceed (no finding, a settled discrepancy) or holds the goods (seizure,
    detention), and once every concerned agency may proceed the new version
    is released (:func:`~hub.decision.release.after_control`). The hub's
    clock dates both.
    """
    acting_officer(principal)
    declaration_id = visible.declaration.id
    agency = body.agency or principal.agency
    if agency is None:
        raise AccessDenied("name the agency whose control this was")
    if agency not in visible.routed:
        raise AccessDenied(f"{declaration_id} was not routed to {agency}")
    if not may(principal, Action.RECORD_RESULT, agency=agency, routed=visible.routed):
        raise AccessDenied(f"only {agency} (or the JTC) records {agency}'s results")
    latest = hub.decision(declaration_id)
    if latest is None or body.decision_version > latest.version:
        raise StillAssessing(f"{declaration_id} has no decision version {body.decision_version}")
    now = hub.orchestrator.clock()
    result = ControlResult(
        declaration_id=declaration_id,
        decision_version=body.decision_version,
        agency=agency,
        officer=officer_of(principal, agency),
        checked=body.checked,
        outcome=body.outcome,
        quantities=tuple(body.quantities),
        duty_at_stake=body.duty_at_stake,
        value_at_stake=body.value_at_stake,
        currency=body.currency,
        notes=body.notes,
        findings=tuple(body.findings),
        recorded_at=now,
    )

    def moved_on(latest: Decision, results: Sequence[ControlResult]) -> Decision | None:
        return after_control(latest, results, now=now)

    result_id = hub.store.record_control_result(
        result, actor=principal.actor, next_version=moved_on
    )
    return result_id, result


def ask_raise(
    hub: Hub,
    principal: Principal,
    visible: Visible,
    *,
    agency: str,
    to: RequestedChannel,
    reason: str,
) -> tuple[int, RaiseRequest]:
    """Keep a request to raise ``agency``'s channel until a second officer approves it."""
    acting_officer(principal)
    if not may(principal, Action.RAISE_CHANNEL, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC raises")
    latest = _latest(hub, visible.declaration.id)
    made = request_raise(
        latest,
        agency=agency,
        to=to,
        reason=reason,
        officer=officer_of(principal),
        now=datetime.now(UTC),
    )
    return hub.store.request_raise(made, actor=principal.actor), made


def approve(hub: Hub, principal: Principal, visible: Visible, request_id: int) -> Decision:
    """The decision's next version with the raise in force (never by its requester)."""
    acting_officer(principal)
    if not may(principal, Action.APPROVE_REROUTING, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC approves")
    declaration_id = visible.declaration.id
    pending = {i: r for i, r, _ in hub.store.raise_requests(declaration_id)}
    raise_request = pending.get(request_id)
    if raise_request is None:
        raise UnknownRequest(f"no re-routing request {request_id} on {declaration_id}")
    now = datetime.now(UTC)
    approver = officer_of(principal)
    context = hub.orchestrator.context

    def approved(current: Decision) -> Decision:
        return approve_raise(
            current,
            raise_request,
            approver=approver,
            declaration=visible.declaration,
            context=context,
            now=now,
        )

    return hub.store.reroute(
        declaration_id,
        approved,
        actor=principal.actor,
        approving=request_id,
        approver=principal.actor,
    )


def lower_finding(
    hub: Hub,
    principal: Principal,
    visible: Visible,
    *,
    agency: str,
    profile_id: str,
    to: RequestedChannel | None,
    reason: str,
) -> Decision:
    """The decision's next version with the owning agency's finding lowered (or withdrawn)."""
    acting_officer(principal)
    if not may(principal, Action.LOWER_FINDING, agency=agency, routed=visible.routed):
        raise AccessDenied(f"only {agency} lowers its own findings")
    _latest(hub, visible.declaration.id)
    now = datetime.now(UTC)
    officer = officer_of(principal)
    context = hub.orchestrator.context

    def lowered(current: Decision) -> Decision:
        return lower(
            current,
            agency=agency,
            profile_id=profile_id,
            to=to,
            reason=reason,
            officer=officer,
            declaration=visible.declaration,
            context=context,
            now=now,
        )

    return hub.store.reroute(visible.declaration.id, lowered, actor=principal.actor)
