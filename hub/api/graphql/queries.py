"""The JTC's reads: declarations awaiting a decision or a control, one declaration, an
office's examinations on a day, and the period's KPIs and profile performance
(:mod:`hub.api.graphql.reports`), each as the reader may see them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.access import Role
from hub.api.graphql.context import MAX_LIST, Context, described, run, visible_or_none
from hub.api.graphql.inputs import DeclarationFilter
from hub.api.graphql.reports import Kpi, ProfilePerformance, kpi_of, performance_of
from hub.api.graphql.types import Declaration
from hub.api.reports import review_thresholds
from hub.errors import AccessDenied
from hub.kpi import ReviewThresholds, load_review_thresholds

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


def _thresholds(context: Context) -> ReviewThresholds:
    connection = context.request
    if connection is None:  # not served by the router (a direct schema call)
        return load_review_thresholds()
    return review_thresholds(connection)


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
        "The KPIs of the declarations accepted from `from` to `to` (UTC dates, inclusive), "
        "at an office, routed to an agency (the JTC; an officer for its own agency).",
    )
    async def kpi(
        self,
        info: Info[Context, None],
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        office: str | None = None,
        agency: str | None = None,
    ) -> Kpi:
        return await run(lambda: kpi_of(info.context, from_, to, office, agency))

    @described(
        strawberry.field,
        "Per profile version and random selection: hits, controls, hit rate, value "
        "recovered and review, over a period (default: the last 30 days; the JTC; an "
        "officer for its own agency).",
    )
    async def profile_performance(
        self,
        info: Info[Context, None],
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        agency: str | None = None,
    ) -> list[ProfilePerformance]:
        context = info.context
        return await run(
            lambda: performance_of(
                context, _thresholds(context), from_, to, agency, review_only=False
            )
        )

    @described(
        strawberry.field,
        "The profiles flagged for review over a period: hit rate below the floor or "
        "below random selection's (registers/effectiveness.yaml).",
    )
    async def effectiveness_review(
        self,
        info: Info[Context, None],
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        agency: str | None = None,
    ) -> list[ProfilePerformance]:
        context = info.context
        return await run(
            lambda: performance_of(
                context, _thresholds(context), from_, to, agency, review_only=True
            )
        )
