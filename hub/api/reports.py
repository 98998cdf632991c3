"""``/v1/reports``: the learning loop's figures for the JTC, and for an agency its own.

- ``GET /v1/reports/kpi?from=&to=&office=&agency=``: the KPIs of the
  declarations accepted from ``from`` to ``to`` (dates, inclusive, UTC).
- ``GET /v1/reports/profiles?from=&to=&agency=``: every profile's
  performance with its review (``from``/``to`` default to the last 30 days).
- ``GET /v1/reports/review?from=&to=&agency=``: the flagged profiles only.

JSON with the GraphQL API's names, or CSV with ``format=csv`` or
``Accept: text/csv`` (:mod:`hub.kpi.formats`). Need to know is
:data:`~hub.access.Action.READ_REPORTS`: the JTC reads every agency's figures,
an officer its own agency's only (``agency`` defaults to it; another is a
403), anyone else is refused. Profile hits count only the findings the reader
may see, and a read that counts confidential ones is audited
(``read.confidential``), as a decision's is. A period backwards or longer
than :data:`~hub.kpi.MAX_DAYS` is a 422.

:func:`report_agency`, :func:`shown_findings`, :func:`audit_confidential` and
:func:`review_thresholds` are what GraphQL shares with these routes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import HTTPConnection

from hub.access import Action, Principal, Role, finding_visible, may
from hub.api._agency_routes import Caller, hub_of, invalid
from hub.errors import AccessDenied
from hub.kpi import (
    MAX_DAYS,
    ProfilePerformance,
    ReviewThresholds,
    kpi_csv,
    kpi_report,
    load_review_thresholds,
    performance_report,
    profile_json,
    profiles_csv,
)
from hub.model.finding import Finding
from hub.orchestrator import Hub
from hub.settings import Settings

__all__ = [
    "DEFAULT_DAYS",
    "audit_confidential",
    "default_period",
    "report_agency",
    "review_thresholds",
    "router",
    "shown_findings",
]

router = APIRouter(prefix="/v1/reports", tags=["reports"])

DEFAULT_DAYS = 30
"""The period of a profile report when none is given: the last 30 days, today included."""

CSV = "text/csv"
From = Annotated[date | None, Query(alias="from", description="First day (UTC), inclusive.")]
To = Annotated[date | None, Query(description="Last day (UTC), inclusive.")]
Format = Annotated[Literal["json", "csv"] | None, Query(description="json (default) or csv.")]


def report_agency(principal: Principal, agency: str | None) -> str | None:
    """The agency whose figures ``principal`` reads (an officer: its own by default);
    :class:`~hub.errors.AccessDenied` when they may not."""
    if principal.role is Role.OFFICER:
        agency = agency or principal.agency
    if not may(principal, Action.READ_REPORTS, agency=agency):
        if principal.role is Role.OFFICER:
            raise AccessDenied(f"an officer of {principal.agency} reads its own agency's figures")
        raise AccessDenied("only the JTC, or an agency for its own figures, reads reports")
    return agency


def shown_findings(hub: Hub, principal: Principal) -> Callable[[Finding], bool]:
    """The findings ``principal`` may see, as a decision would show them."""
    specs = {name: a.spec for name, a in hub.orchestrator.agencies.items()}
    return lambda finding: finding_visible(principal, finding, specs)


def audit_confidential(
    hub: Hub, principal: Principal, rows: list[ProfilePerformance], query: str
) -> None:
    """Audit a report that counted confidential findings, once per read."""
    counted = sum(r.hits for r in rows if r.confidential)
    if counted:
        hub.store.audit(
            actor=principal.actor,
            action="read.confidential",
            subject=None,
            detail={"query": query, "findings": counted},
            at=datetime.now(UTC),
        )


def review_thresholds(connection: HTTPConnection) -> ReviewThresholds:
    """``effectiveness.yaml`` of ``HUB_REGISTERS_DIR`` (or the hub's), read once per app."""
    state = connection.app.state
    found: ReviewThresholds | None = getattr(state, "review_thresholds", None)
    if found is None:
        folder = Settings.from_env().registers_dir
        found = load_review_thresholds(None if folder is None else folder / "effectiveness.yaml")
        state.review_thresholds = found
    return found


def default_period(start: date | None, end: date | None) -> tuple[date, date]:
    """``start`` and ``end``, the last :data:`DEFAULT_DAYS` days (today's included) when
    not given."""
    end = end or datetime.now(UTC).date()
    return start or end - timedelta(days=DEFAULT_DAYS - 1), end


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    start, end = default_period(start, end)
    if end < start:
        raise invalid("to", f"the period ends ({end}) before it starts ({start})")
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid("to", f"a period is at most {MAX_DAYS} days")
    return start, end


def _as_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return CSV in request.headers.get("accept", "")


def _rows(
    request: Request,
    principal: Principal,
    start: date | None,
    end: date | None,
    agency: str | None,
    review_only: bool,
) -> list[ProfilePerformance]:
    agency = report_agency(principal, agency)
    start, end = _period(start, end)
    hub = hub_of(request)
    rows = performance_report(
        hub.store.period_records(start, end),
        review_thresholds(request),
        agency=agency,
        shown=shown_findings(hub, principal),
        review_only=review_only,
    )
    audit_confidential(
        hub, principal, rows, "reports/review" if review_only else "reports/profiles"
    )
    return rows


def _profiles(request: Request, rows: list[ProfilePerformance], format: str | None) -> Response:
    if _as_csv(request, format):
        return Response(profiles_csv(rows), media_type=CSV)
    body: list[dict[str, Any]] = [profile_json(r) for r in rows]
    return JSONResponse(body)


@router.get("/kpi", summary="KPIs of a period, an office, an agency")
def kpi(
    request: Request,
    principal: Caller,
    start: Annotated[date, Query(alias="from", description="First day (UTC), inclusive.")],
    to: Annotated[date, Query(description="Last day (UTC), inclusive.")],
    office: str | None = None,
    agency: str | None = None,
    format: Format = None,
) -> Response:
    agency = report_agency(principal, agency)
    start, end = _period(start, to)
    figures = kpi_report(
        hub_of(request).store.period_records(start, end), office=office, agency=agency
    )
    if _as_csv(request, format):
        return Response(kpi_csv(figures), media_type=CSV)
    return JSONResponse(figures.to_json())


@router.get("/profiles", summary="Every profile's performance, with its review")
def profiles(
    request: Request,
    principal: Caller,
    start: From = None,
    to: To = None,
    agency: str | None = None,
    format: Format = None,
) -> Response:
    return _profiles(request, _rows(request, principal, start, to, agency, False), format)


@router.get("/review", summary="The profiles flagged for review")
def review(
    request: Request,
    principal: Caller,
    start: From = None,
    to: To = None,
    agency: str | None = None,
    format: Format = None,
) -> Response:
    return _profiles(request, _rows(request, principal, start, to, agency, True), format)
