"""The JTC schema's object and input types: declarations and decisions as the reader may
see them (projected from the access policy's view, findings audited when shown)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.access import Principal, Role, decision_view
from hub.api.graphql.context import Context, described, run
from hub.api.graphql.enums import Channel, ControlOutcome, RequestedChannel
from hub.api.views import Visible, visible_decision
from hub.decision import Decision as HubDecision
from hub.decision import trader_view
from hub.decision.rerouting import RaiseRequest as HubRaiseRequest
from hub.feedback import ControlResult as HubControlResult
from hub.model.finding import Finding as HubFinding
from hub.orchestrator import Hub
from hub.routing import route, view_for

__all__ = [
    "AgencyDecision",
    "ControlResult",
    "Decision",
    "DecisionEvent",
    "DecisionEventKind",
    "Declaration",
    "Examination",
    "Finding",
    "Quantity",
    "QueuedSelection",
    "RaiseRequest",
]


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@strawberry.type(description="One reason an agency wants a control, as the reader may see it.")
class Finding:
    agency: str
    source: str
    profile_id: str | None
    profile_version: int | None
    title: str | None
    risk_area: str | None
    rating: str | None
    item_sequences: list[int]
    indicators: list[str]
    score: int
    channel: RequestedChannel
    instructions: str | None
    mandatory: bool
    confidential: bool

    @classmethod
    def of(cls, shown: dict[str, Any]) -> Finding:
        f = HubFinding.model_validate(shown)
        return cls(
            agency=f.agency,
            source=f.source.value,
            profile_id=f.profile_id,
            profile_version=f.profile_version,
            title=f.title,
            risk_area=f.risk_area,
            rating=f.rating.value if f.rating else None,
            item_sequences=list(f.item_sequences),
            indicators=list(f.indicators),
            score=f.score,
            channel=f.channel,
            instructions=f.instructions,
            mandatory=f.mandatory,
            confidential=f.confidential,
        )


@strawberry.type(description="One concerned agency's word; findings as the reader may see them.")
class AgencyDecision:
    agency: str
    status: str
    channel: Channel
    findings: list[Finding]
    findings_withheld: bool = strawberry.field(
        description="Some of this agency's findings are not shared with the reader."
    )


@strawberry.type(description="The control appointment; what the reader's view shows of it.")
class Examination:
    place: str
    start: datetime | None
    end: datetime | None
    office: str | None
    lane: str | None
    agencies: list[str] | None
    instructions: list[str] | None = strawberry.field(
        description="What the reader's own agency is to check (officers only)."
    )

    @classmethod
    def of(cls, body: dict[str, Any]) -> Examination | None:
        shown = body.get("examination")
        if shown is None:
            return None
        slot = shown.get("slot") or {}
        instructions = body.get("instructions")
        return cls(
            place=shown["place"],
            start=_moment(slot.get("start") or shown.get("time")),
            end=_moment(slot.get("end")),
            office=shown.get("office"),
            lane=shown.get("lane"),
            agencies=shown.get("agencies"),
            instructions=list(instructions) if instructions is not None else None,
        )


@strawberry.type(description="A selection waiting for capacity at an office.")
class QueuedSelection:
    agencies: list[str]
    office: str
    lane: str
    day: date
    score: int
    position: int


@strawberry.type(
    description="One version of the coordinated decision, as the reader may see it. "
    "Null fields are not in the reader's view (a trader sees no agency)."
)
class Decision:
    declaration_id: strawberry.ID
    version: int
    made_at: datetime
    status: str
    channel: Channel
    released: bool
    post_clearance_audit: bool
    random_selection: bool | None
    examination: Examination | None
    pending: list[str] | None
    queued: list[QueuedSelection] | None
    reasons: list[str] | None
    note: str | None
    visible: strawberry.Private[Visible]
    decision: strawberry.Private[HubDecision]

    @classmethod
    def of(
        cls, principal: Principal, hub: Hub, visible: Visible, decision: HubDecision
    ) -> Decision:
        """The fields the policy's view has; findings wait for ``agencies`` (audited there)."""
        body = decision_view(
            principal,
            decision,
            {name: a.spec for name, a in hub.orchestrator.agencies.items()},
            functional_reference=visible.declaration.functional_reference,
        ).body
        status_ = trader_view(decision, message_id="-", sender="HUB").status.value
        queued = body.get("queued")
        return cls(
            declaration_id=strawberry.ID(decision.declaration_id),
            version=decision.version,
            made_at=decision.made_at,
            status=status_,
            channel=Channel(body["channel"]),
            released=body["released"],
            post_clearance_audit=body["post_clearance_audit"],
            random_selection=body.get("random_selection"),
            examination=Examination.of(body),
            pending=body.get("pending"),
            queued=None if queued is None else [QueuedSelection(**q) for q in queued],
            reasons=body.get("reasons"),
            note=body.get("note"),
            visible=visible,
            decision=decision,
        )

    @described(strawberry.field, "Each concerned agency; null for a trader. Audited.")
    async def agencies(self, info: Info[Context, None]) -> list[AgencyDecision] | None:
        context = info.context
        if context.principal.role is Role.TRADER:
            return None

        def shown() -> dict[str, Any]:
            return visible_decision(context.hub, context.principal, self.visible, self.decision)

        body = await run(shown)
        return [
            AgencyDecision(
                agency=name,
                status=entry["status"],
                channel=Channel(entry["channel"]),
                findings=[Finding.of(f) for f in entry["findings"]],
                findings_withheld=bool(entry.get("findings_withheld")),
            )
            for name, entry in body["agencies"].items()
        ]

    @described(strawberry.field, "The declaration this decision is about.")
    def declaration(self, info: Info[Context, None]) -> Declaration:
        return Declaration.of(self.visible, info.context.principal)


@strawberry.type(description="A quantity declared and the one found.")
class Quantity:
    item_sequence: int | None
    unit: str
    declared: Decimal | None
    found: Decimal | None


@strawberry.type(description="What one agency's control of one decision version found.")
class ControlResult:
    id: int | None = strawberry.field(description="Given when just recorded.")
    decision_version: int
    agency: str
    officer: str
    officer_agency: str
    checked: str
    outcome: ControlOutcome
    quantities: list[Quantity]
    duty_at_stake: Decimal | None
    value_at_stake: Decimal | None
    currency: str | None
    notes: str | None
    findings: list[str]
    recorded_at: datetime

    @classmethod
    def of(cls, result: HubControlResult, result_id: int | None = None) -> ControlResult:
        return cls(
            id=result_id,
            decision_version=result.decision_version,
            agency=result.agency,
            officer=result.officer.id,
            officer_agency=result.officer.agency,
            checked=result.checked,
            outcome=result.outcome,
            quantities=[
                Quantity(
                    item_sequence=q.item_sequence, unit=q.unit, declared=q.declared, found=q.found
                )
                for q in result.quantities
            ],
            duty_at_stake=result.duty_at_stake,
            value_at_stake=result.value_at_stake,
            currency=result.currency,
            notes=result.notes,
            findings=list(result.findings),
            recorded_at=result.recorded_at,
        )


@strawberry.type(description="A request to raise a channel, waiting for a second officer.")
class RaiseRequest:
    request_id: int
    decision_version: int
    agency: str
    from_channel: RequestedChannel | None
    to_channel: RequestedChannel
    reason: str
    requested_by: str
    requested_at: datetime
    approved_as_version: int | None

    @classmethod
    def of(cls, request_id: int, request: HubRaiseRequest, approved: int | None) -> RaiseRequest:
        return cls(
            request_id=request_id,
            decision_version=request.decision_version,
            agency=request.agency,
            from_channel=request.from_channel,
            to_channel=request.to_channel,
            reason=request.reason,
            requested_by=request.requested_by.id,
            requested_at=request.requested_at,
            approved_as_version=approved,
        )


@strawberry.type(description="A declaration the reader may read; null wherever it may not.")
class Declaration:
    id: strawberry.ID
    functional_reference: str | None
    office: str | None = strawberry.field(description="Whose calendar books its control.")
    routed_agencies: list[str] | None = strawberry.field(description="Null for a trader.")
    visible: strawberry.Private[Visible]

    @classmethod
    def of(cls, visible: Visible, principal: Principal) -> Declaration:
        trader = principal.role is Role.TRADER
        return cls(
            id=strawberry.ID(visible.declaration.id),
            functional_reference=visible.declaration.functional_reference,
            office=visible.office,
            routed_agencies=None if trader else list(visible.routed),
            visible=visible,
        )

    @described(strawberry.field, "The declaration document; an officer gets its agency's view.")
    def document(self, info: Info[Context, None]) -> JSON:
        found = self.visible.declaration
        principal, hub = info.context.principal, info.context.hub
        if principal.role is Role.OFFICER:
            specs = {name: a.spec for name, a in hub.orchestrator.agencies.items()}
            mine = [r for r in route(found, specs) if r.agency == principal.agency]
            found = view_for(found, mine[0])
        return JSON(found.model_dump(mode="json", exclude_none=True))

    @described(strawberry.field, "The latest decision; null while the agencies assess.")
    async def decision(self, info: Info[Context, None]) -> Decision | None:
        context, visible = info.context, self.visible

        def read() -> Decision | None:
            found = context.hub.decision(visible.declaration.id)
            return (
                None
                if found is None
                else Decision.of(context.principal, context.hub, visible, found)
            )

        return await run(read)

    @described(strawberry.field, "Every decision version, first to latest.")
    async def history(self, info: Info[Context, None]) -> list[Decision]:
        context, visible = info.context, self.visible

        def read() -> list[Decision]:
            return [
                Decision.of(context.principal, context.hub, visible, d)
                for d in context.hub.history(visible.declaration.id)
            ]

        return await run(read)

    @described(
        strawberry.field, "Control results: the JTC all, an officer its agency's; else null."
    )
    async def control_results(self, info: Info[Context, None]) -> list[ControlResult] | None:
        principal, hub = info.context.principal, info.context.hub
        if principal.role not in (Role.OFFICER, Role.JTC):
            return None
        results = await run(lambda: hub.store.control_results(self.visible.declaration.id))
        return [
            ControlResult.of(r)
            for r in results
            if principal.role is Role.JTC or r.agency == principal.agency
        ]

    @described(strawberry.field, "Raise requests and their approvals; null for a trader.")
    async def raise_requests(self, info: Info[Context, None]) -> list[RaiseRequest] | None:
        principal, hub = info.context.principal, info.context.hub
        if principal.role not in (Role.OFFICER, Role.JTC):
            return None
        found = await run(lambda: hub.store.raise_requests(self.visible.declaration.id))
        return [RaiseRequest.of(i, r, version) for i, r, version in found]


@strawberry.enum(description="Why a decision event is sent.")
class DecisionEventKind(Enum):
    NEW_HELD = "new-held"  # a first decision that does not release the goods
    CHANGED = "changed"  # a later version (late answer, re-routing)


@strawberry.type(description="A decision version the reader may see, as it is made.")
class DecisionEvent:
    kind: DecisionEventKind
    declaration: Declaration
    decision: Decision
