"""The JTC's acts, with the same checks, store calls and policy as their REST routes:
raise a channel, approve a raise, record a control result, move an examination."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.api import acts
from hub.api._examination import move as move_examination
from hub.api.acts import ControlResultIn, ReroutingIn
from hub.api.graphql.context import Context, described, run
from hub.api.graphql.enums import RequestedChannel
from hub.api.graphql.inputs import ControlResultInput
from hub.api.graphql.types import ControlResult, Decision, RaiseRequest
from hub.api.views import visible_declaration

__all__ = ["Mutation"]


def _raise(
    context: Context, declaration_id: str, agency: str, to: RequestedChannel, reason: str
) -> RaiseRequest:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    checked = ReroutingIn(action="raise", agency=agency, to=to, reason=reason)
    request_id, made = acts.ask_raise(
        hub, principal, visible, agency=checked.agency, to=to, reason=checked.reason
    )
    return RaiseRequest.of(request_id, made, None)


def _approve(context: Context, declaration_id: str, request_id: int) -> Decision:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    made = acts.approve(hub, principal, visible, request_id)
    return Decision.of(principal, hub, visible, made)


def _record(context: Context, declaration_id: str, given: ControlResultInput) -> ControlResult:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    body = ControlResultIn.model_validate(
        {
            **{k: v for k, v in vars(given).items() if k != "quantities"},
            "quantities": [vars(q) for q in given.quantities],
        }
    )
    result_id, result = acts.record_result(hub, principal, visible, body)
    return ControlResult.of(result, result_id)


def _schedule(context: Context, declaration_id: str, start: datetime, reason: str) -> Decision:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    acts.acting_officer(principal)
    if hub.decision(declaration_id) is None:
        raise acts.StillAssessing(f"{declaration_id} is still being assessed")
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
