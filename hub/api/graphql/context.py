"""What every resolver shares: the authenticated context, how hub errors become coded
GraphQL errors, and the size of a list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import WebSocketException, status
from graphql import GraphQLError
from pydantic import ValidationError
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from hub.access import Principal, TokenError
from hub.api.acts import StillAssessing, UnknownRequest
from hub.api.auth import Authenticator
from hub.api.views import NotVisible, Visible, visible_declaration
from hub.errors import (
    AccessDenied,
    ConflictingRecord,
    HubError,
    ReroutingRefused,
    SchedulingRefused,
)
from hub.orchestrator import Hub

__all__ = [
    "BEARER_SUBPROTOCOL",
    "MAX_LIST",
    "Context",
    "context_of",
    "described",
    "refusal",
    "run",
    "visible_or_none",
]

MAX_LIST = 500
"""The most declarations one list reads (and the subscription polls) at once."""

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])


def described(make: Callable[..., Any], description: str) -> Callable[[_F], _F]:
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


BEARER_SUBPROTOCOL = "bearer."
"""A browser cannot set headers on a WebSocket, only subprotocols: it offers
``["graphql-transport-ws", "bearer.<token>"]`` and the token is read from there
(the server still answers with the GraphQL subprotocol alone)."""


def _authorization(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization")
    if header or connection.scope["type"] != "websocket":
        return header
    offered = connection.headers.get("sec-websocket-protocol", "")
    for protocol in (p.strip() for p in offered.split(",")):
        if protocol.startswith(BEARER_SUBPROTOCOL):
            return f"Bearer {protocol.removeprefix(BEARER_SUBPROTOCOL)}"
    return None


def context_of(connection: HTTPConnection) -> Context:
    """FastAPI dependency: authenticate as REST does, before any GraphQL is parsed.

    The token comes from the ``Authorization`` header, or, on a WebSocket
    from a browser, from a ``bearer.<token>`` subprotocol (:data:`BEARER_SUBPROTOCOL`).
    """
    authenticator: Authenticator = connection.app.state.authenticator
    try:
        principal = authenticator.authenticate(_authorization(connection), path=connection.url.path)
    except TokenError as exc:
        if connection.scope["type"] == "websocket":
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason=str(exc)) from None
        raise  # the app's handler: the same 401 problem as /v1
    return Context(connection.app.state.hub, principal)


def refusal(code: str, message: str) -> GraphQLError:
    """A GraphQL error with ``extensions.code``, the client's way to tell refusals apart."""
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
    elif isinstance(exc, ConflictingRecord | StillAssessing):
        code = "CONFLICT"
    elif isinstance(exc, UnknownRequest):
        code = "NOT_FOUND"
    return refusal(code, str(exc))


async def run(work: Callable[[], T]) -> T:
    """Run store work off the event loop; hub and input errors become coded GraphQL errors."""
    try:
        return await asyncio.to_thread(work)
    except HubError as exc:
        raise _mapped(exc) from None
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise refusal("BAD_USER_INPUT", details) from None


def visible_or_none(hub: Hub, principal: Principal, declaration_id: str) -> Visible | None:
    """The declaration if the reader may read it; ``None`` as for an unknown id."""
    try:
        return visible_declaration(hub, principal, declaration_id)
    except NotVisible:
        return None
