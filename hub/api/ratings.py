"""``/v1/ratings``: the behavioural ratings, audit proposals and AEO application scores.

- ``GET /v1/ratings?band=``: every party's latest rating (one band if asked);
- ``GET /v1/ratings/audit-proposals``: traders proposed for post-clearance audit;
- ``GET /v1/ratings/{party}``: a party's latest rating with its reasons;
- ``GET /v1/ratings/{party}/aeo-application``: the party's record scored as
  an AEO application.

Need to know is :data:`~hub.access.Action.READ_REPORTS` for the AEO
programme owner's figures (``registers/aeo.yaml`` ``programme_owner``,
customs): the JTC and that agency's officers. A trader never reads a rating,
not even its own, in this version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.access import Action, Principal, may
from hub.api._agency_routes import Caller, hub_of
from hub.api.problems import problem
from hub.errors import AccessDenied
from hub.orchestrator import Hub
from hub.rating import (
    RatingBand,
    RatingWeights,
    TraderHistory,
    current_proposals,
    score_aeo_application,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/ratings", tags=["ratings"])


def _allowed(hub: Hub, principal: Principal) -> None:
    aeo = hub.orchestrator.context.aeo
    owner = aeo.programme_owner if aeo is not None else "customs"
    if not may(principal, Action.READ_REPORTS, agency=owner):
        raise AccessDenied(f"ratings are read by the JTC and the AEO programme owner ({owner})")


def _weights(hub: Hub) -> RatingWeights:
    return hub.rating.weights if hub.rating is not None else RatingWeights()


def _unknown(party: str) -> JSONResponse:
    return problem(404, "Unknown party", f"{party} has no rating yet", kind="UnknownParty")


@router.get("", summary="Every party's latest rating, optionally of one band")
def ratings(request: Request, principal: Caller, band: RatingBand | None = None) -> Any:
    hub = hub_of(request)
    _allowed(hub, principal)
    found = hub.store.latest_ratings().values()
    return [r.model_dump(mode="json") for r in found if band is None or r.band is band]


@router.get("/audit-proposals", summary="Traders proposed for post-clearance audit")
def proposals(request: Request, principal: Caller) -> Any:
    hub = hub_of(request)
    _allowed(hub, principal)
    found = current_proposals(hub.store, datetime.now(UTC), _weights(hub))
    return [p.model_dump(mode="json") for p in found]


@router.get("/{party}", summary="A party's latest rating with its reasons")
def rating(request: Request, principal: Caller, party: str) -> Any:
    hub = hub_of(request)
    _allowed(hub, principal)
    found = hub.store.latest_ratings().get(party)
    return _unknown(party) if found is None else found.model_dump(mode="json")


@router.get("/{party}/aeo-application", summary="The party's record scored as an AEO application")
def aeo_application(request: Request, principal: Caller, party: str) -> Any:
    hub = hub_of(request)
    _allowed(hub, principal)
    history = hub.store.trader_histories(None).get(party)
    if history is None:
        held = tuple(c for c in hub.store.aeo_certificates() if c.operator == party)
        if not held:
            return _unknown(party)
        history = TraderHistory(party, certificates=held)
    score = score_aeo_application(history, datetime.now(UTC).date(), _weights(hub))
    return score.model_dump(mode="json")
