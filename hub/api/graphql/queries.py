"""The JTC's reads: declarations awaiting a decision or a control, one declaration, an
office's examinations on a day and how profiles perform, each as the reader may see them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import strawberry
from strawberry.types import Info

from hub.access import Action, Role, decision_view, may
from hub.api.graphql.context import MAX_LIST, Context, described, run, visible_or_none
from hub.api.graphql.enums import ControlOutcome
from hub.api.graphql.inputs import DeclarationFilter
from hub.api.graphql.types import Declaration, ProfilePerformance
from hub.errors import AccessDenied

__all__ = ["Query"]


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
        visible = visible_or_none(hub, principal, declaration_id)
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
        visible = visible_or_none(hub, principal, declaration_id)
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
        if visible_or_none(hub, principal, declaration_id) is None:
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
    @described(
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
        return await run(lambda: _awaiting(info.context, where or DeclarationFilter(), limit))

    @described(strawberry.field, "A declaration; null when unknown or not the reader's to read.")
    async def declaration(self, info: Info[Context, None], id: strawberry.ID) -> Declaration | None:
        context = info.context
        visible = await run(lambda: visible_or_none(context.hub, context.principal, str(id)))
        return None if visible is None else Declaration.of(visible, context.principal)

    @described(
        strawberry.field,
        "Declarations with a control booked or queued at an office on a day "
        "(officers and the JTC); jointOnly keeps those two or more agencies share.",
    )
    async def examinations(
        self, info: Info[Context, None], office: str, day: date, joint_only: bool = False
    ) -> list[Declaration]:
        return await run(lambda: _examinations(info.context, office, day, joint_only))

    @described(
        strawberry.field,
        "Per profile: hits in the newest declarations' latest decisions and the "
        "control results naming it (the JTC; an officer for its own agency).",
    )
    async def profile_performance(
        self, info: Info[Context, None], agency: str | None = None, limit: int = MAX_LIST
    ) -> list[ProfilePerformance]:
        return await run(lambda: _performance(info.context, agency, limit))
