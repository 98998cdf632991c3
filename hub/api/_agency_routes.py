"""What the ``/v1/agencies/{agency}`` routers share: who may reach an agency, and how a
refusal made mid-route becomes its problem.

:mod:`hub.api.profiles` and :mod:`hub.api.reference` both answer an agency's
officers (and the JTC) about what the agency keeps: the same access check
(:func:`agency_for`), the same audit record shape (:func:`audit`). The
registry's refusals become problems where every hub error does, in
:mod:`hub.api.app`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from hub.access import Action, Principal, Role, may
from hub.agency import Agency
from hub.api.auth import principal_of
from hub.api.problems import problem
from hub.datafile import first_error
from hub.errors import AccessDenied
from hub.orchestrator import Hub

__all__ = [
    "Body",
    "Caller",
    "Refusal",
    "agency_for",
    "audit",
    "hub_of",
    "invalid",
    "parsed",
]

Caller = Annotated[Principal, Depends(principal_of)]

_P = ParamSpec("_P")
_M = TypeVar("_M", bound=BaseModel)


class Refusal(Exception):
    """A refusal made mid-route, carried out as its problem response (by the app's handler)."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response
        super().__init__(response.status_code)


def invalid(field: str | None, message: str) -> Refusal:
    """A 422 naming the request's ``field`` at fault (``None``: the request as a whole)."""
    return Refusal(problem(422, "Invalid request", message, field=field))


def parsed(model: type[_M], raw: bytes) -> _M:
    """``raw`` JSON as ``model``; a 422 problem naming the field, like every other error here."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        located = first_error(exc, None)
        raise invalid(located.field, located.message) from None


async def _raw_body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(_raw_body)]


def hub_of(request: Request) -> Hub:
    """The hub this app serves."""
    the_hub: Hub = request.app.state.hub
    return the_hub


def agency_for(request: Request, principal: Principal, name: str, action: Action) -> Agency:
    """The agency ``name``, once ``principal`` may do ``action`` on its profiles."""
    found = hub_of(request).orchestrator.agencies.get(name)
    if found is None:
        raise Refusal(problem(404, "Unknown agency", f"the hub has no agency {name!r}"))
    if not may(principal, action, agency=name):
        if principal.role is Role.JTC:
            raise AccessDenied("the JTC reads agencies' profiles but does not change them")
        if principal.role is Role.OFFICER:
            raise AccessDenied(f"only officers of {name} read and change its profiles")
        raise AccessDenied(f"a {principal.role.value} has no access to agencies' profiles")
    return found


def audit(
    request: Request, principal: Principal, action: str, subject: str, detail: dict[str, Any]
) -> None:
    """Append ``action`` by ``principal`` on ``subject`` to the audit trail, now."""
    hub_of(request).store.audit(
        actor=principal.actor,
        action=action,
        subject=subject,
        detail=detail,
        at=datetime.now(UTC),
    )
