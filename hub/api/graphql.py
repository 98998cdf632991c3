"""GraphQL for the joint targeting centre (JTC) at ``/graphql``, with Strawberry.

The REST API answers one declaration at a time; the JTC works across them:
what is still held, which examinations an office has on a day, how profiles
perform. Everything here goes through the same policy as REST
(:mod:`hub.access`, :mod:`hub.api.views`), so both answer alike:

- Authentication: the REST bearer token, checked before the query is even
  parsed. A missing or invalid token is the same 401 problem as on ``/v1``;
  on a WebSocket (subscriptions) the handshake is closed with 1008.
- Need to know: a declaration the reader may not read is ``null``, exactly
  like an unknown id, wherever it would appear (a field, a list, an event),
  and a mutation on it fails as on an unknown id (``NOT_FOUND``). Decisions
  are projected from :func:`~hub.access.decision_view`'s body, so a field the
  policy leaves out (a trader's findings, another agency's unshared ones)
  cannot appear; showing findings goes through
  :func:`~hub.api.views.visible_decision`, which audits confidential reads,
  when and only when ``agencies`` is selected.
- Cost: at most :data:`MAX_DEPTH` levels, :data:`MAX_TOKENS` tokens and
  :data:`MAX_ALIASES` aliases per document; lists stop at :data:`MAX_LIST`.
  No IDE page and no queries over GET: every request is a POST with a token.

Queries: ``awaiting`` (declarations not released: assessing or held for a
control; by office, agency, channel, acceptance time), ``declaration``,
``examinations`` (an office's controls on a day, joint ones or all) and
``profilePerformance``. Mutations: ``raiseChannel``, ``approveRerouting``,
``recordControlResult`` and ``scheduleExamination`` (as their REST routes:
a move to another slot of the office's calendar, or a queued selection given
its slot, is the decision's next version, audited as ``examination.moved``).
The subscription ``decisionChanges`` polls the store every :data:`POLL_S`.

Errors carry ``extensions.code``: ``NOT_FOUND``, ``FORBIDDEN``, ``REFUSED``
(a refused re-routing or move), ``CONFLICT``, ``BAD_USER_INPUT``,
``HUB_ERROR``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any, TypeVar

import strawberry
from fastapi import WebSocketException, status
from graphql import GraphQLError
from pydantic import ValidationError
from starlette.requests import HTTPConnection
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.access import Action, Principal, Role, TokenError, decision_view, may
from hub.api._examination import move as move_examination
from hub.api.auth import Authenticator
from hub.api.declarations import ControlResultIn, ReroutingIn
from hub.api.views import NotVisible, Visible, visible_decision, visible_declaration
from hub.decision import Decision as HubDecision
from hub.decision import Officer, trader_view
from hub.decision.rerouting import RaiseRequest as HubRaiseRequest
from hub.decision.rerouting import approve_raise, request_raise
from hub.errors import (
    AccessDenied,
    ConflictingRecord,
    HubError,
    ReroutingRefused,
    SchedulingRefused,
)
from hub.feedback import ControlOutcome
from hub.feedback import ControlResult as HubControlResult
from hub.model.finding import Finding as HubFinding
from hub.model.finding import RequestedChannel
from hub.model.response import Channel
from hub.orchestrator import Hub
from hub.routing import route, view_for

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_LIST",
    "MAX_TOKENS",
    "POLL_S",
    "Context",
    "graphql_router",
    "schema",
]

MAX_DEPTH = 8
"""Deepest selection allowed: the schema's back-links (decision -> declaration) could
otherwise make one small document read without end."""
MAX_TOKENS = 2000
MAX_ALIASES = 15
MAX_LIST = 500
"""The most declarations one list reads (and the subscription polls) at once."""
POLL_S = 0.5
"""How often the subscription reads the store for new decision versions."""
_REREAD = timedelta(seconds=5)
"""How far back each poll reads again: a version made just before the last poll may
commit just after it; versions already sent are remembered over this window."""

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])

strawberry.enum(Channel, description="The goods channel: green, yellow, orange, red.")
strawberry.enum(RequestedChannel, description="What a finding or a raise asks for; blue: audit.")
strawberry.enum(ControlOutcome, description="What a control found.")


def _described(make: Callable[..., Any], description: str) -> Callable[[_F], _F]:
    """``strawberry.field``/``mutation``/``subscription`` with a description, typed: their
    keyword-only overload returns ``Any``, which mypy --strict refuses as a decorator."""
    decorate: Callable[[_F], _F] = make(description=description)
    return decorate


class Context(BaseContext):
    """What every resolver gets: the hub and the authenticated principal."""

    def __init__(self, hub: Hub, principal: Principal) -> None:
        super().__init__()
        self.hub = hub
        self.principal = principal


def _context(connection: HTTPConnection) -> Context:
    """FastAPI dependency: authenticate as REST does, before any GraphQL is parsed."""
    authenticator: Authenticator = connection.app.state.authenticator
    try:
        principal = authenticator.authenticate(
            connection.headers.get("authorization"), path=connection.url.path
        )
    except TokenError as exc:
        if connection.scope["type"] == "websocket":
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason=str(exc)) from None
        raise  # the app's handler: the same 401 problem as /v1
    return Context(connection.app.state.hub, principal)


def _refusal(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _mapped(exc: HubError) -> GraphQLError:
    """A hub error as a GraphQL error, coded as the REST statuses are (see module docstring)."""
    code = "HUB_ERROR"
    if isinstance(exc, NotVisible):
        code = "NOT_FOUND"
    elif isinstance(exc, AccessDenied):
        code = "FORBIDDEN"
    elif isinstance(exc, ReroutingRefused | SchedulingRefused):
        code = "REFUSED"
    elif isinstance(exc, ConflictingRecord):
        code = "CONFLICT"
    return _refusal(code, str(exc))


async def _run(work: Callable[[], T]) -> T:
    """Run store work off the event loop; hub and input errors become coded GraphQL errors."""
    try:
        return await asyncio.to_thread(work)
    except HubError as exc:
        raise _mapped(exc) from None
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise _refusal("BAD_USER_INPUT", details) from None


def _visible_or_none(hub: Hub, principal: Principal, declaration_id: str) -> Visible | None:
    try:
        return visible_declaration(hub, principal, declaration_id)
    except NotVisible:
        return None


def _acting_officer(principal: Principal) -> None:
    """As REST: only officers and the JTC act on decisions."""
    if principal.role not in (Role.OFFICER, Role.JTC):
        raise AccessDenied(f"a {principal.role.value} does not act on decisions")


def _officer(principal: Principal, agency: str | None = None) -> Officer:
    return Officer(id=principal.subject, agency=principal.agency or agency or "jtc")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# Types


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

    @_described(strawberry.field, "Each concerned agency; null for a trader. Audited.")
    async def agencies(self, info: Info[Context, None]) -> list[AgencyDecision] | None:
        context = info.context
        if context.principal.role is Role.TRADER:
            return None

        def shown() -> dict[str, Any]:
            return visible_decision(context.hub, context.principal, self.visible, self.decision)

        body = await _run(shown)
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

    @_described(strawberry.field, "The declaration this decision is about.")
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

    @_described(strawberry.field, "The declaration document; an officer gets its agency's view.")
    def document(self, info: Info[Context, None]) -> JSON:
        found = self.visible.declaration
        principal, hub = info.context.principal, info.context.hub
        if principal.role is Role.OFFICER:
            specs = {name: a.spec for name, a in hub.orchestrator.agencies.items()}
            mine = [r for r in route(found, specs) if r.agency == principal.agency]
            found = view_for(found, mine[0])
        return JSON(found.model_dump(mode="json", exclude_none=True))

    @_described(strawberry.field, "The latest decision; null while the agencies assess.")
    async def decision(self, info: Info[Context, None]) -> Decision | None:
        context, visible = info.context, self.visible

        def read() -> Decision | None:
            found = context.hub.decision(visible.declaration.id)
            return (
                None
                if found is None
                else Decision.of(context.principal, context.hub, visible, found)
            )

        return await _run(read)

    @_described(strawberry.field, "Every decision version, first to latest.")
    async def history(self, info: Info[Context, None]) -> list[Decision]:
        context, visible = info.context, self.visible

        def read() -> list[Decision]:
            return [
                Decision.of(context.principal, context.hub, visible, d)
                for d in context.hub.history(visible.declaration.id)
            ]

        return await _run(read)

    @_described(
        strawberry.field, "Control results: the JTC all, an officer its agency's; else null."
    )
    async def control_results(self, info: Info[Context, None]) -> list[ControlResult] | None:
        principal, hub = info.context.principal, info.context.hub
        if principal.role not in (Role.OFFICER, Role.JTC):
            return None
        results = await _run(lambda: hub.store.control_results(self.visible.declaration.id))
        return [
            ControlResult.of(r)
            for r in results
            if principal.role is Role.JTC or r.agency == principal.agency
        ]

    @_described(strawberry.field, "Raise requests and their approvals; null for a trader.")
    async def raise_requests(self, info: Info[Context, None]) -> list[RaiseRequest] | None:
        principal, hub = info.context.principal, info.context.hub
        if principal.role not in (Role.OFFICER, Role.JTC):
            return None
        found = await _run(lambda: hub.store.raise_requests(self.visible.declaration.id))
        return [RaiseRequest.of(i, r, version) for i, r, version in found]


@strawberry.type(description="A profile's hits and the control results that name it.")
class ProfilePerformance:
    profile_id: str
    agency: str
    hits: int = strawberry.field(
        description="Findings of this profile in the latest decision versions read."
    )
    results: int = strawberry.field(description="Control results naming this profile.")
    detections: int = strawberry.field(
        description="Of those results, the ones that found something (not no-finding)."
    )


@strawberry.enum(description="Why a decision event is sent.")
class DecisionEventKind(Enum):
    NEW_HELD = "new-held"  # a first decision that does not release the goods
    CHANGED = "changed"  # a later version (late answer, re-routing)


@strawberry.type(description="A decision version the reader may see, as it is made.")
class DecisionEvent:
    kind: DecisionEventKind
    declaration: Declaration
    decision: Decision


# Inputs


@strawberry.input(description="Narrows the declarations awaiting a decision or a control.")
class DeclarationFilter:
    office: str | None = None
    agency: str | None = strawberry.field(
        default=None, description="Routed to this agency (not for traders)."
    )
    channel: Channel | None = None
    accepted_from: datetime | None = None
    accepted_until: datetime | None = strawberry.field(default=None, description="Excluded.")


@strawberry.input(description="A quantity declared and the one found.")
class QuantityInput:
    unit: str
    item_sequence: int | None = None
    declared: Decimal | None = None
    found: Decimal | None = None


@strawberry.input(description="What a control found; checked as POST .../control-results.")
class ControlResultInput:
    decision_version: int
    checked: str
    outcome: ControlOutcome
    agency: str | None = strawberry.field(
        default=None, description="The agency whose control this was; an officer's own by default."
    )
    quantities: list[QuantityInput] = strawberry.field(default_factory=list)
    duty_at_stake: Decimal | None = None
    value_at_stake: Decimal | None = None
    currency: str | None = None
    notes: str | None = None
    findings: list[str] = strawberry.field(
        default_factory=list, description="Profile ids (or 'random') behind it."
    )


# Reads


def _awaiting(context: Context, where: DeclarationFilter, limit: int) -> list[Declaration]:
    """Not released yet, newest accepted first; read a page, then keep what the reader may see."""
    principal, hub = context.principal, context.hub
    if principal.role is Role.TRADER and where.agency is not None:
        raise AccessDenied("a trader does not filter by agency")
    found = hub.store.latest_decisions(
        unreleased=True,
        channel=None if where.channel is None else where.channel.value,
        accepted_from=where.accepted_from,
        accepted_until=where.accepted_until,
        limit=min(limit, MAX_LIST),
    )
    listed: list[Declaration] = []
    for declaration_id, _ in found:
        visible = _visible_or_none(hub, principal, declaration_id)
        if visible is None:
            continue
        if where.office is not None and visible.office != where.office:
            continue
        if where.agency is not None and where.agency not in visible.routed:
            continue
        listed.append(Declaration.of(visible, principal))
    return listed


def _examinations(context: Context, office: str, day: date, joint_only: bool) -> list[Declaration]:
    principal, hub = context.principal, context.hub
    if principal.role not in (Role.OFFICER, Role.JTC):
        raise AccessDenied("only officers and the JTC list an office's examinations")
    listed: list[Declaration] = []
    for declaration_id, _booked in hub.store.examinations_on(office, day):
        visible = _visible_or_none(hub, principal, declaration_id)
        if visible is None:
            continue
        if joint_only:
            decision = hub.decision(declaration_id)
            if decision is None or decision.joint_examination is None:
                continue
        listed.append(Declaration.of(visible, principal))
    return listed


def _performance(context: Context, agency: str | None, limit: int) -> list[ProfilePerformance]:
    """Counts over the latest ``limit`` declarations the reader may read.

    Hits count findings with a profile id in each latest decision version,
    as the reader's view shows them (an officer: its own agency's; the JTC:
    all, a confidential one audited once per query). Results count the
    control results the reader may read that name the profile. Not a hit
    rate over all history: the window is the newest declarations.
    """
    principal, hub = context.principal, context.hub
    if principal.role is Role.OFFICER:
        agency = agency or principal.agency
    allowed = (
        principal.role is Role.JTC
        if agency is None
        else may(principal, Action.READ_PROFILES, agency=agency)
    )
    if not allowed:
        raise AccessDenied("only the JTC, or an agency for its own, reads profile performance")
    specs = {name: a.spec for name, a in hub.orchestrator.agencies.items()}
    hits: Counter[str] = Counter()
    results: Counter[str] = Counter()
    detections: Counter[str] = Counter()
    owner: dict[str, str] = {}
    confidential = 0
    for declaration_id, decision in hub.store.latest_decisions(limit=min(limit, MAX_LIST)):
        if _visible_or_none(hub, principal, declaration_id) is None:
            continue
        if decision is not None:
            body = decision_view(principal, decision, specs).body
            for name, entry in body["agencies"].items():
                if agency is not None and name != agency:
                    continue
                for shown in entry["findings"]:
                    profile_id = shown.get("profile_id")
                    if profile_id:
                        hits[profile_id] += 1
                        owner.setdefault(profile_id, name)
                        confidential += bool(shown.get("confidential"))
        for result in hub.store.control_results(declaration_id):
            mine = principal.role is Role.JTC or result.agency == principal.agency
            if not mine or (agency is not None and result.agency != agency):
                continue
            for profile_id in result.findings:
                results[profile_id] += 1
                detections[profile_id] += result.outcome is not ControlOutcome.NO_FINDING
                owner.setdefault(profile_id, result.agency)
    if confidential:
        hub.store.audit(
            actor=principal.actor,
            action="read.confidential",
            subject=None,
            detail={"query": "profilePerformance", "findings": confidential},
            at=datetime.now(UTC),
        )
    return [
        ProfilePerformance(
            profile_id=p,
            agency=owner[p],
            hits=hits[p],
            results=results[p],
            detections=detections[p],
        )
        for p in sorted(owner)
    ]


@strawberry.type
class Query:
    @_described(
        strawberry.field,
        "Declarations awaiting a decision or a control (not released), "
        "newest accepted first, that the reader may read.",
    )
    async def awaiting(
        self,
        info: Info[Context, None],
        where: DeclarationFilter | None = None,
        limit: int = 50,
    ) -> list[Declaration]:
        return await _run(lambda: _awaiting(info.context, where or DeclarationFilter(), limit))

    @_described(strawberry.field, "A declaration; null when unknown or not the reader's to read.")
    async def declaration(self, info: Info[Context, None], id: strawberry.ID) -> Declaration | None:
        context = info.context
        visible = await _run(lambda: _visible_or_none(context.hub, context.principal, str(id)))
        return None if visible is None else Declaration.of(visible, context.principal)

    @_described(
        strawberry.field,
        "Declarations with a control booked or queued at an office on a day "
        "(officers and the JTC); jointOnly keeps those two or more agencies share.",
    )
    async def examinations(
        self, info: Info[Context, None], office: str, day: date, joint_only: bool = False
    ) -> list[Declaration]:
        return await _run(lambda: _examinations(info.context, office, day, joint_only))

    @_described(
        strawberry.field,
        "Per profile: hits in the newest declarations' latest decisions and the "
        "control results naming it (the JTC; an officer for its own agency).",
    )
    async def profile_performance(
        self, info: Info[Context, None], agency: str | None = None, limit: int = MAX_LIST
    ) -> list[ProfilePerformance]:
        return await _run(lambda: _performance(info.context, agency, limit))


# Acts: the same checks, store calls and policy as the REST routes


def _raise(
    context: Context, declaration_id: str, agency: str, to: RequestedChannel, reason: str
) -> RaiseRequest:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    _acting_officer(principal)
    checked = ReroutingIn(action="raise", agency=agency, to=to, reason=reason)
    latest = hub.decision(declaration_id)
    if latest is None:
        raise _refusal("CONFLICT", f"{declaration_id} is still being assessed")
    if not may(principal, Action.RAISE_CHANNEL, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC raises")
    made = request_raise(
        latest,
        agency=checked.agency,
        to=to,
        reason=checked.reason,
        officer=_officer(principal),
        now=datetime.now(UTC),
    )
    request_id = hub.store.request_raise(made, actor=principal.actor)
    return RaiseRequest.of(request_id, made, None)


def _approve(context: Context, declaration_id: str, request_id: int) -> Decision:
    principal, hub = context.principal, context.hub
    visible = visible_declaration(hub, principal, declaration_id)
    _acting_officer(principal)
    if not may(principal, Action.APPROVE_REROUTING, routed=visible.routed):
        raise AccessDenied("only an officer of a concerned agency or the JTC approves")
    pending = {i: r for i, r, _ in hub.store.raise_requests(declaration_id)}
    raise_request = pending.get(request_id)
    if raise_request is None:
        raise _refusal("NOT_FOUND", f"no re-routing request {request_id} here")
    now = datetime.now(UTC)
    approver = _officer(principal)
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
    _acting_officer(principal)
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
        officer=_officer(principal, agency),
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
    _acting_officer(principal)
    if hub.decision(declaration_id) is None:
        raise _refusal("CONFLICT", f"{declaration_id} is still being assessed")
    made = move_examination(hub, principal, visible, to=start, reason=reason)
    return Decision.of(principal, hub, visible, made)


@strawberry.type
class Mutation:
    @_described(
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
        return await _run(lambda: _raise(info.context, str(declaration_id), agency, to, reason))

    @_described(
        strawberry.mutation, "Approve a raise (not by its requester): the decision's next version."
    )
    async def approve_rerouting(
        self, info: Info[Context, None], declaration_id: strawberry.ID, request_id: int
    ) -> Decision:
        return await _run(lambda: _approve(info.context, str(declaration_id), request_id))

    @_described(strawberry.mutation, "Record what a control found.")
    async def record_control_result(
        self, info: Info[Context, None], declaration_id: strawberry.ID, result: ControlResultInput
    ) -> ControlResult:
        return await _run(lambda: _record(info.context, str(declaration_id), result))

    @_described(
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
        return await _run(lambda: _schedule(info.context, str(declaration_id), start, reason))


# Subscription


def _poll(
    context: Context, cursor: datetime, sent: dict[tuple[str, int], datetime], *, prime: bool
) -> tuple[list[DecisionEvent], datetime]:
    """New latest versions since ``cursor`` (less :data:`_REREAD`) the reader may see.

    ``sent`` remembers what was sent within the re-read window. ``prime``
    only remembers: a subscription streams what is decided after it starts.
    Only each declaration's latest version is read, so two versions made
    within one poll are sent as the later one.
    """
    principal, hub = context.principal, context.hub
    since = cursor - _REREAD
    events: list[DecisionEvent] = []
    latest = cursor
    for declaration_id, decision in hub.store.latest_decisions(decided_since=since, limit=MAX_LIST):
        if decision is None or (declaration_id, decision.version) in sent:
            continue
        sent[(declaration_id, decision.version)] = decision.made_at
        latest = max(latest, decision.made_at)
        if prime:
            continue
        if decision.version > 1:
            kind = DecisionEventKind.CHANGED
        elif not decision.released:
            kind = DecisionEventKind.NEW_HELD
        else:
            continue
        visible = _visible_or_none(hub, principal, declaration_id)
        if visible is None:
            continue
        events.append(
            DecisionEvent(
                kind=kind,
                declaration=Declaration.of(visible, principal),
                decision=Decision.of(principal, hub, visible, decision),
            )
        )
    for key in [k for k, made in sent.items() if made < since]:
        del sent[key]
    return sorted(events, key=lambda e: e.decision.made_at), latest


@strawberry.type
class Subscription:
    @_described(
        strawberry.subscription,
        "New held declarations and new decision versions the reader may see, "
        f"read from the store every {POLL_S} s from the moment of subscribing.",
    )
    async def decision_changes(
        self, info: Info[Context, None], held_only: bool = False
    ) -> AsyncGenerator[DecisionEvent, None]:
        context = info.context
        sent: dict[tuple[str, int], datetime] = {}
        cursor = datetime.now(UTC)
        _, cursor = await _run(partial(_poll, context, cursor, sent, prime=True))
        while True:
            await asyncio.sleep(POLL_S)
            events, cursor = await _run(partial(_poll, context, cursor, sent, prime=False))
            for event in events:
                if held_only and event.decision.released:
                    continue
                yield event


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
    ],
)
"""The JTC's schema; see the module docstring."""


def graphql_router() -> GraphQLRouter[Context, None]:
    """The ``/graphql`` route (POST and WebSocket), authenticated like ``/v1``."""
    return GraphQLRouter(
        schema,
        path="/graphql",
        context_getter=_context,
        graphql_ide=None,
        allow_queries_via_get=False,
    )
