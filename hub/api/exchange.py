"""``/v1/exchange``, ``/v1/alerts``, ``/v1/partners``: the hub's side of partner exchange.

- ``POST /v1/exchange``: a partner administration delivers a signed message
  (``application/xml``). The XML signature authenticates it, not a token:
  a request may carry a partner's bearer token, which must then name the
  same administration as the signed sender. 202 when accepted; refusals are
  problems with the reason as ``reason`` (:class:`~hub.errors.ExchangeRefused`):
  400 unreadable, 403 not trusted or not agreed, 409 replayed, 422 outside
  the time window or naming a warning we never sent.
- ``GET /v1/exchange/messages``: what was received and sent, with each
  delivery attempt (the JTC).
- ``POST /v1/exchange/send``: a message of ours (pre-arrival data, a warning,
  a feedback, a seizure report), as unsigned XML: signed and delivered (the JTC).
- ``POST /v1/exchange/aeo-list``: send our AEO register to an MRA partner,
  all of it or what changed since a day (the JTC).
- ``GET /v1/alerts`` and ``POST /v1/alerts/{id}/acknowledge``: what the
  exchange raised for the joint targeting centre (a partner's warning, a
  seizure report, pre-arrival data no declaration followed).
- ``GET /v1/partners``: the partners and agreements in force (administrators
  and the JTC; never the keys' private halves, which the hub does not hold).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from hub.access import Action, Role, TokenError, may
from hub.api._agency_routes import Caller
from hub.api.auth import principal_of
from hub.api.problems import problem
from hub.errors import AccessDenied, ExchangeRefused, HubError
from hub.exchange.journal import alert_record, message_record
from hub.exchange.liaison import Liaison
from hub.orchestrator import Hub

__all__ = ["refusal_status", "router"]

router = APIRouter(tags=["exchange"])

_STATUS = {
    "malformed": 400,
    "schema": 400,
    "replayed": 409,
    "outside-window": 422,
    "unknown-reference": 422,
    "unknown-receiver": 422,
    "wrong-sender": 422,
    "no-identity": 503,
}


def refusal_status(reason: str) -> int:
    """The HTTP status of a refusal: 403 unless the reason is about the content itself."""
    return _STATUS.get(reason, 403)


def _liaison(request: Request) -> Liaison:
    hub: Hub = request.app.state.hub
    if hub.liaison is None:
        raise HubError("this hub has no partner exchange configured")
    return hub.liaison


def _require(principal: Any, action: Action) -> None:
    if not may(principal, action):
        raise AccessDenied(f"{principal.role.value} may not {action.value}")


@router.post(
    "/v1/exchange",
    status_code=202,
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def receive_message(request: Request) -> JSONResponse:
    """A partner's signed message; authenticated by its signature (see the module docstring)."""
    raw = await request.body()
    liaison = _liaison(request)
    claimed = None
    if request.headers.get("authorization"):
        principal = principal_of(request)
        if principal.role is not Role.PARTNER:
            raise AccessDenied("only a partner administration delivers exchange messages")
        claimed = principal.administration
    try:
        received = liaison.receive(raw)
    except ExchangeRefused as exc:
        return problem(
            refusal_status(exc.reason),
            "Message refused",
            str(exc),
            kind=type(exc).__name__,
            reason=exc.reason,
            where=exc.where,
        )
    if claimed is not None and claimed != received.partner:
        # Accepted on its signature; the token was someone else's: say so, keep it.
        raise TokenError(f"the token is {claimed}'s, the message is signed by {received.partner}")
    return JSONResponse(
        {
            "accepted": received.message_id,
            "kind": received.kind.value,
            "partner": received.partner,
            "profile": received.profile_id,
        },
        status_code=202,
    )


@router.get("/v1/exchange/messages", response_model=None)
def exchange_messages(
    request: Request,
    principal: Caller,
    partner: str | None = None,
    direction: Literal["in", "out"] | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    _require(principal, Action.READ_EXCHANGE)
    store = _liaison(request).store
    rows = store.exchange_messages(partner=partner, direction=direction, kind=kind, limit=limit)
    return JSONResponse(
        {
            "messages": [
                message_record(row, store.deliveries(row.row_id) if row.direction == "out" else ())
                for row in rows
            ]
        }
    )


@router.post(
    "/v1/exchange/send",
    status_code=202,
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def send_message(request: Request, principal: Caller) -> JSONResponse:
    """A message of ours, as unsigned ``hub_exchange.xsd`` XML: checked, signed, delivered."""
    _require(principal, Action.SEND_EXCHANGE)
    raw = await request.body()
    row_id, message_id = _liaison(request).send_xml(raw, actor=principal.actor)
    return JSONResponse({"queued": row_id, "message_id": message_id}, status_code=202)


@router.post("/v1/exchange/aeo-list", status_code=202, response_model=None)
def send_aeo_list(
    request: Request,
    principal: Caller,
    partner: Annotated[str, Body(pattern="^[A-Z]{2}$")],
    since: Annotated[date | None, Body()] = None,
) -> JSONResponse:
    """Our AEO register to an MRA partner: full, or the delta since ``since``."""
    _require(principal, Action.SEND_EXCHANGE)
    liaison = _liaison(request)
    message = liaison.aeo_list(partner, since=since)
    row_id = liaison.send(message, actor=principal.actor)
    return JSONResponse(
        {
            "queued": row_id,
            "message_id": message.header.message_id,
            "scope": message.scope,
            "entries": len(message.entries),
        },
        status_code=202,
    )


@router.get("/v1/alerts", response_model=None)
def alerts(
    request: Request,
    principal: Caller,
    open_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    _require(principal, Action.READ_EXCHANGE)
    store = _liaison(request).store
    return JSONResponse(
        {"alerts": [alert_record(a) for a in store.alerts(open_only=open_only, limit=limit)]}
    )


@router.post("/v1/alerts/{alert_id}/acknowledge", response_model=None)
def acknowledge(alert_id: int, request: Request, principal: Caller) -> JSONResponse:
    _require(principal, Action.READ_EXCHANGE)
    store = _liaison(request).store
    if not store.acknowledge_alert(alert_id, by=principal.actor, at=datetime.now(UTC)):
        return problem(404, "Unknown alert", f"no open alert {alert_id}")
    return JSONResponse({"acknowledged": alert_id})


@router.get("/v1/partners", response_model=None)
def partners(request: Request, principal: Caller) -> JSONResponse:
    if not (may(principal, Action.MANAGE_PARTNERS) or may(principal, Action.READ_EXCHANGE)):
        raise AccessDenied(f"{principal.role.value} may not read the partners")
    store = _liaison(request).store
    return JSONResponse({"partners": [p.model_dump(mode="json") for p in store.partners()]})
