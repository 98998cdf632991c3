"""The JTC's acts, with the same checks, store calls and policy as their REST routes:
raise a channel, approve a raise, record a control result, move an examination."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from hub.access import Action, may
from hub.api._examination import move as move_examination
from hub.api.declarations import ControlResultIn, ReroutingIn
from hub.api.graphql.context import Context, acting_officer, described, officer_of, refusal, run
from hub.api.graphql.enums import RequestedChannel
from hub.api.graphql.inputs import ControlResultInput
from hub.api.graphql.types import ControlResult, Decision, RaiseRequest
from hub.api.views import visible_declaration
from hub.decision import Decision as HubDecision
from hub.decision.rerouting import approve_raise, request_raise
from hub.errors import AccessDenied
from hub.feedback import ControlResult as HubControlResult

__all__ = ["Mutation"]


def _raise(
    context: Context, declaration_id: str, agency: str, to: RequestedChannel, reason: str
) -> RaiseRequest:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    acting_officer(principal)
    checked = ReroutingIn(action="raise", agency=agency, to=to, reason=reason)
    latest = hub.decision(declaration_id)
    if latest is None:
        raise refusal("CONFLICT", f"{declaration_id} is still being assessed")
    if not may(principal, Action.RAISE_CHANNEL, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC raises")
    made = request_raise(
        latest,
        agency=checked.agency,
        to=to,
        reason=checked.reason,
        officer=officer_of(principal),
        now=datetime.now(UTC),
    )
    request_id = hub.store.request_raise(made, actor=principal.actor)
    return RaiseRequest.of(request_id, made, None)


def _approve(context: Context, declaration_id: str, request_id: int) -> Decision:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    acting_officer(principal)
    if not may(principal, Action.APPROVE_REROUTING, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC approves")
    pending = {i: r for i, r, _ in hub.store.raise_requests(declaration_id)}
    raise_request = pending.get(request_id)
    if raise_request is None:
        raise refusal("NOT_FOUND", f"no re-routing request {request_id} here")
    now = datetime.now(UTC)
    approver = officer_of(principal)
    context_ = hub.orchestrator.context

    def approved(current: HubDecision) -> HubDecision:
        return approve_raise(
            current,
            raise_request,
            approver=approver,
            declaration=visible.declaration,
            context=context_,
            now=now,
        )

    made = hub.store.reroute(
        declaration_id,
        approved,
        actor=principal.actor,
        approving=request_id,
        approver=principal.actor,
    )
    return Decision.of(principal, hub, visible, made)


def _record(context: Context, declaration_id: str, given: ControlResultInput) -> ControlResult:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    acting_officer(principal)
    body = ControlResultIn.model_validate(
        {
            **{k: v for k, v in vars(given).items() if k != "quantities"},
            "quantities": [vars(q) for q in given.quantities],
        }
    )
    agency = body.agency or principal.agency
    if agency is None:
        raise AccessDenied("name the agency whose control this was")
    if agency not in visible.routed:
        raise AccessDenied(f"{declaration_id} was not routed to {agency}")
    if not may(principal, Action.RECORD_RESULT, agency=agency, routed=visible.routed):
        raise AccessDenied(f"only {agency} (or the JTC) records {agency}'s results")
    result = HubControlResult(
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
        recorded_at=datetime.now(UTC),
    )
    result_id = hub.store.record_control_result(result, actor=principal.actor)
    return ControlResult.of(result, result_id)


def _schedule(context: Context, declaration_id: str, start: datetime, reason: str) -> Decision:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    acting_officer(principal)
    if hub.decision(declaration_id) is None:
        raise refusal("CONFLICT", f"{declaration_id} is still being assessed")
    made = move_examination(hub, principal, visible, to=start, reason=reason)
    return Decision.of(principal, hub, visible, made)


@strawberry.type
class Mutation:
    @described(
        strawberry.mutation,
        "Ask to raise an agency's channel, with a reason; a second officer approves.",
    )
    async def raise_channel(
        self,
        info: Info[Context, None],
        declaration_id: strawberry.ID,
        agency: str,
        to: RequestedChannel,
        reason: str,
    ) -> RaiseRequest:
        return await run(lambda: _raise(info.context, str(declaration_id), agency, to, reason))

    @described(
        strawberry.mutation, "Approve a raise (not by its requester): the decision's next version."
    )
    async def approve_rerouting(
        self, info: Info[Context, None], declaration_id: strawberry.ID, request_id: int
    ) -> Decision:
        return await run(lambda: _approve(info.context, str(declaration_id), request_id))

    @described(strawberry.mutation, "Record what a control found.")
    async def record_control_result(
        self, info: Info[Context, None], declaration_id: strawberry.ID, result: ControlResultInput
    ) -> ControlResult:
        return await run(lambda: _record(info.context, str(declaration_id), result))

    @described(
        strawberry.mutation,
        "Move the examination to the office's calendar slot starting at start (or give "
        "a queued selection that slot), with a reason: the JTC, or an officer of an "
        "agency taking part. The decision's next version.",
    )
    async def schedule_examination(
        self,
        info: Info[Context, None],
        declaration_id: strawberry.ID,
        start: datetime,
        reason: str,
    ) -> Decision:
        return await run(lambda: _schedule(info.context, str(declaration_id), start, reason))
