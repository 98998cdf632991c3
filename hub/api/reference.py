"""``/v1/agencies/{agency}/reference``: an agency's reference lists, for its officers.

- ``GET .../reference``: the agency's reference lists, one summary each.
- ``GET .../reference/{name}``: one list with its entries.

Who may read them is who may read the agency's profiles
(:data:`~hub.access.Action.READ_PROFILES`, :mod:`hub.api.profiles`): the
profiles compile against these lists, so an officer writing one needs them.
A watchlist is intelligence: reading one appends ``reference.read`` to the
audit trail.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.access import Action
from hub.api._agency_routes import Caller, agency_for, audit
from hub.api.problems import problem
from hub.rules.reference import CodesList, Watchlist

__all__ = ["router"]

router = APIRouter(prefix="/v1/agencies/{agency}", tags=["profiles"])


@router.get("/reference", response_model=None)
def reference_lists(agency: str, request: Request, principal: Caller) -> JSONResponse:
    found = agency_for(request, principal, agency, Action.READ_PROFILES)
    lists = [
        {
            "name": lst.name,
            "kind": lst.kind.value,
            "source": lst.source,
            "date": lst.date.isoformat(),
            "entries": len(lst.entries),
        }
        for lst in found.references.values()
    ]
    return JSONResponse({"agency": agency, "lists": lists})


@router.get("/reference/{name}", response_model=None)
def reference_list(agency: str, name: str, request: Request, principal: Caller) -> JSONResponse:
    """One list with its entries; reading a watchlist (intelligence) is audited."""
    found = agency_for(request, principal, agency, Action.READ_PROFILES)
    lst = found.references.get(name)
    if lst is None:
        return problem(404, "Unknown reference list", f"{agency} has no reference list {name!r}")
    body = lst.model_dump(mode="json")
    if isinstance(lst, CodesList):
        body["entries"] = sorted(lst.entries)
    if isinstance(lst, Watchlist):
        audit(
            request,
            principal,
            "reference.read",
            name,
            {"agency": agency, "kind": lst.kind.value, "entries": len(lst.entries)},
        )
    return JSONResponse(body)
