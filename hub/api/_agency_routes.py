"""What the ``/v1/agencies/{agency}`` routers share: who may reach an agency, and how a
refusal made mid-route becomes its problem.

:mod:`hub.api.profiles` and :mod:`hub.api.reference` both answer an agency's
officers (and the JTC) about what the agency keeps: the same access check
(:func:`agency_for`), the same mapping of the registry's refusals to problems
(:func:`answered`), the same audit record shape (:func:`audit`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
from hub.errors import AccessDenied, ChangeRefused, InvalidProfile, UnknownProfile
from hub.orchestrator import Hub

__all__ = [
    "Body",
    "Caller",
    "Refusal",
    "agency_for",
    "answered",
    "audit",
    "hub_of",
    "invalid",
    "parsed",
]

Caller = Annotated[Principal, Depends(principal_of)]

_P = ParamSpec("_P")
_M = TypeVar("_M", bound=BaseModel)


class Refusal(Exception):
    """A refusal made mid-route, carried out as its problem response."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response
        super().__init__(response.status_code)


def answered(route: Callable[_P, JSONResponse]) -> Callable[_P, JSONResponse]:
    """Turn the registry's refusals into problems, in one place for the agency routers: the
    app's handler maps the declarations' errors, and would answer these with a 500."""

    @functools.wraps(route)
    def answer(*args: _P.args, **kwargs: _P.kwargs) -> JSONResponse:
        try:
            return route(*args, **kwargs)
        except Refusal as exc:
            return exc.response
        except UnknownProfile as exc:
            return problem(
                404,
                "Unknown profile",
                str(exc),
                kind=type(exc).__name__,
                profile_id=exc.profile_id,
                version=exc.version,
            )
        except ChangeRefused as exc:
            return problem(
                409,
                "Change refused",
                str(exc),
                kind=type(exc).__name__,
                profile_id=exc.profile_id,
                version=exc.version,
            )
        except InvalidProfile as exc:
            return problem(
                422,
                "Invalid profile",
                str(exc),
                kind=type(exc).__name__,
                field=exc.field,
                line=exc.line,
            )

    return answer


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
