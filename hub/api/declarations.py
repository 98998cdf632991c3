"""``/v1/declarations``: submit once, read the coordinated decision, act on it.

- ``POST /v1/declarations`` (``application/xml`` or ``application/edifact``),
  a trader for one of its parties: 202 with ``declaration_id`` and
  ``status_url``; ``?wait=SECONDS`` (at most ``HUB_SUBMISSION_WAIT``) answers
  200 with the decision, as the trader sees it, when ready in time. The same
  bytes again are the same declaration; the same functional reference with
  other content is refused (409) unless the message amends or cancels.
- ``GET /v1/declarations/{id}``: the declaration: whole to its trader and the
  JTC, an officer the view its agency is routed (only what it needs).
- ``GET .../decision``: the latest decision as the reader may see it (202
  while the agencies assess), as ``Accept`` asks: JSON, or the trader's view
  as the hub's XML response or a CUSRES. ``GET .../decision/history``: every
  version.
- ``POST .../control-results``: an officer records what a control found.
- ``POST .../rerouting``: raise a channel (with a reason; waits for a second
  officer: ``POST .../rerouting/{request}/approve``) or lower the officer's
  own agency's finding (at once). ``GET .../rerouting``: the requests.
- ``POST .../examination``: move the examination to another slot of the
  office's calendar (or give a queued selection its slot), with a reason:
  the JTC, or an officer of an agency taking part in it. The decision's
  next version, as the reader may see it.

A declaration the reader may not see is a 404, exactly like an unknown one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.access import Action, Principal, Role, may
from hub.api import acts
from hub.api._examination import move as move_examination
from hub.api.acts import ControlResultIn, ReroutingIn
from hub.api.auth import principal_of
from hub.api.problems import problem
from hub.api.views import visible_decision, visible_declaration, visible_history
from hub.decision import Decision, trader_view
from hub.errors import AccessDenied
from hub.model import CustomsResponse, Declaration, PartyRole, ResponseStatus
from hub.orchestrator import Hub
from hub.orchestrator.runtime import utc_now
from hub.response import write_cusres, write_response
from hub.routing import route, view_for

__all__ = ["EDIFACT", "ControlResultIn", "ReroutingIn", "negotiate", "router"]

router = APIRouter(prefix="/v1/declarations", tags=["declarations"])
Reader = Annotated[Principal, Depends(principal_of)]

EDIFACT = "application/edifact"
_MEDIA_TYPES = {"application/xml", "text/xml", "application/edifact", "application/edi-edifact"}
# What GET .../decision can answer, each accepted name -> the type it answers with.
_DECISION_TYPES = {
    "application/json": "application/json",
    "application/xml": "application/xml",
    "text/xml": "application/xml",
    EDIFACT: EDIFACT,
    "application/edi-edifact": EDIFACT,
}
_UNKNOWN_RECEIVER = "UNKNOWN"


def negotiate(accept: str | None) -> str | None:
    """The decision's media type for an ``Accept`` header, or ``None`` when none fits.

    No header, ``*/*`` and ``application/*`` mean JSON; the highest ``q``
    wins, ties in the order given; ``q=0`` refuses a type.
    """
    if accept is None or not accept.strip():
        return "application/json"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and media:
            ranked.append((-quality, index, media.lower()))
    for _, _, media in sorted(ranked):
        if media in {"*/*", "application/*"}:
            return "application/json"
        if media in _DECISION_TYPES:
            return _DECISION_TYPES[media]
    return None


def _hub(request: Request) -> Hub:
    the_hub: Hub = request.app.state.hub
    return the_hub


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def _parties(declaration: Declaration) -> list[str]:
    """Who a submission is made for: the submitter, else the declarant or representative."""
    if declaration.submitter:
        return [declaration.submitter]
    return [
        p.id
        for p in declaration.parties
        if p.id and p.role in (PartyRole.DECLARANT, PartyRole.REPRESENTATIVE)
    ][:1]


_MESSAGE_BODY = {"type": "string", "description": "The message as the trader's system sent it."}
_PROBLEM = {"description": "An RFC 9457 problem", "content": {"application/problem+json": {}}}


@router.post(
    "",
    status_code=202,
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": _MESSAGE_BODY},
                "application/edifact": {"schema": _MESSAGE_BODY},
            },
        }
    },
    responses={
        200: {"description": "Decided within ?wait=: the decision as the trader sees it"},
        400: {**_PROBLEM, "description": "Not readable: the problem names where (line, segment)"},
        401: {**_PROBLEM, "description": "No valid bearer token"},
        403: {**_PROBLEM, "description": "Not a trader, or not for one of its parties"},
        409: {**_PROBLEM, "description": "Functional reference already used: send an amendment"},
        415: {**_PROBLEM, "description": "Neither XML nor EDIFACT"},
        422: {**_PROBLEM, "description": "Read, but incomplete for an assessment (missing)"},
    },
)
def submit(
    request_body: Annotated[bytes, Depends(_raw_body)],
    request: Request,
    principal: Reader,
    wait: Annotated[float | None, Query(ge=0)] = None,
) -> JSONResponse:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _MEDIA_TYPES:
        return problem(
            415,
            "Unsupported media type",
            f"send application/xml or application/edifact, not {media or 'nothing'}",
        )
    if principal.role is not Role.TRADER:
        raise AccessDenied("only a trader submits declarations")

    def for_its_parties(declaration: Declaration) -> None:
        parties = _parties(declaration)
        if not may(principal, Action.SUBMIT, parties=parties):
            named = parties[0] if parties else "no submitter"
            raise AccessDenied(f"this token does not act for {named}")

    the_hub = _hub(request)
    submitted = the_hub.submit(request_body, actor=principal.actor, check=for_its_parties)
    status_url = f"/v1/declarations/{submitted.declaration_id}/decision"
    if wait:
        limit = min(wait, the_hub.orchestrator.settings.submission_wait_s)
        decision = the_hub.wait_for_decision(submitted.declaration_id, limit)
        if decision is not None:
            visible = visible_declaration(the_hub, principal, submitted.declaration_id)
            return JSONResponse(visible_decision(the_hub, principal, visible, decision))
    return JSONResponse(
        {"declaration_id": submitted.declaration_id, "status_url": status_url},
        status_code=202,
        headers={"Location": status_url},
    )


@router.get("/{declaration_id}", response_model=None)
def declaration(declaration_id: str, request: Request, principal: Reader) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    found = visible.declaration
    if principal.role is Role.OFFICER:
        specs = {name: a.spec for name, a in the_hub.orchestrator.agencies.items()}
        mine = [r for r in route(found, specs) if r.agency == principal.agency]
        found = view_for(found, mine[0])
    return JSONResponse(found.model_dump(mode="json", exclude_none=True))


@router.get("/{declaration_id}/decision", response_model=None)
def decision(declaration_id: str, request: Request, principal: Reader) -> Response:
    media = negotiate(request.headers.get("accept"))
    if media is None:
        return problem(
            406,
            "Not acceptable",
            "the decision is available as application/json, application/xml or application/edifact",
            available=["application/json", "application/xml", EDIFACT],
        )
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    found = the_hub.decision(declaration_id)
    if media == "application/json":
        if found is None:
            body = {"declaration_id": declaration_id, "status": "assessing"}
            return JSONResponse(body, status_code=202)
        return JSONResponse(visible_decision(the_hub, principal, visible, found))
    response = _trader_response(visible.declaration, found, request.app.state.sender)
    status = 200 if found is not None else 202
    if media == EDIFACT:
        return Response(write_cusres(response), status_code=status, media_type=EDIFACT)
    return Response(write_response(response), status_code=status, media_type=media)


@router.get("/{declaration_id}/decision/history", response_model=None)
def history(declaration_id: str, request: Request, principal: Reader) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    versions = visible_history(the_hub, principal, visible, the_hub.history(declaration_id))
    return JSONResponse({"declaration_id": declaration_id, "versions": versions})


# Officers' acts


@router.post("/{declaration_id}/control-results", status_code=201, response_model=None)
def record_result(
    declaration_id: str, body: ControlResultIn, request: Request, principal: Reader
) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    try:
        result_id, result = acts.record_result(the_hub, principal, visible, body)
    except acts.StillAssessing as exc:
        return problem(422, "Unknown decision version", str(exc))
    return JSONResponse(
        {"id": result_id, **result.model_dump(mode="json", exclude_none=True)}, status_code=201
    )


@router.get("/{declaration_id}/control-results", response_model=None)
def results(declaration_id: str, request: Request, principal: Reader) -> JSONResponse:
    the_hub = _hub(request)
    visible_declaration(the_hub, principal, declaration_id)
    acts.acting_officer(principal)
    found = [
        r.model_dump(mode="json", exclude_none=True)
        for r in the_hub.store.control_results(declaration_id)
        if principal.role is Role.JTC or r.agency == principal.agency
    ]
    return JSONResponse({"declaration_id": declaration_id, "results": found})


@router.post("/{declaration_id}/rerouting", response_model=None)
def reroute(
    declaration_id: str, body: ReroutingIn, request: Request, principal: Reader
) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    if body.action == "raise":
        if body.to is None:
            return problem(422, "Re-routing refused", "a raise names the channel asked for")
        request_id, _ = acts.ask_raise(
            the_hub, principal, visible, agency=body.agency, to=body.to, reason=body.reason
        )
        return JSONResponse(
            {
                "request_id": request_id,
                "status": "awaiting approval by a second officer",
                "approve_url": f"/v1/declarations/{declaration_id}/rerouting/{request_id}/approve",
            },
            status_code=202,
        )
    if body.profile_id is None:
        return problem(422, "Re-routing refused", "a lower names the finding's profile_id")
    made = acts.lower_finding(
        the_hub,
        principal,
        visible,
        agency=body.agency,
        profile_id=body.profile_id,
        to=body.to,
        reason=body.reason,
    )
    return JSONResponse(visible_decision(the_hub, principal, visible, made))


@router.get("/{declaration_id}/rerouting", response_model=None)
def reroutings(declaration_id: str, request: Request, principal: Reader) -> JSONResponse:
    the_hub = _hub(request)
    visible_declaration(the_hub, principal, declaration_id)
    acts.acting_officer(principal)
    listed: list[dict[str, Any]] = [
        {
            "request_id": request_id,
            **raise_request.model_dump(mode="json"),
            "approved_as_version": version,
        }
        for request_id, raise_request, version in the_hub.store.raise_requests(declaration_id)
    ]
    return JSONResponse({"declaration_id": declaration_id, "requests": listed})


@router.post("/{declaration_id}/rerouting/{request_id}/approve", response_model=None)
def approve(
    declaration_id: str, request_id: int, request: Request, principal: Reader
) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    made = acts.approve(the_hub, principal, visible, request_id)
    return JSONResponse(visible_decision(the_hub, principal, visible, made))


class ExaminationIn(BaseModel):
    """Where the examination moves: the start of a slot of the office's calendar."""

    model_config = ConfigDict(extra="forbid")

    to: AwareDatetime = Field(description="The slot's start, with its offset.")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/{declaration_id}/examination", response_model=None)
def schedule_examination(
    declaration_id: str, body: ExaminationIn, request: Request, principal: Reader
) -> JSONResponse:
    the_hub = _hub(request)
    visible = visible_declaration(the_hub, principal, declaration_id)
    acts.acting_officer(principal)
    if the_hub.decision(declaration_id) is None:
        raise acts.StillAssessing(f"{declaration_id} is still being assessed")
    made = move_examination(the_hub, principal, visible, to=body.to, reason=body.reason)
    return JSONResponse(visible_decision(the_hub, principal, visible, made))


def _trader_response(
    declaration: Declaration, decision: Decision | None, sender: str
) -> CustomsResponse:
    """The trader's view: of the decision, or "accepted" while the agencies assess."""
    receiver = declaration.submitter or next(
        (
            party.id
            for role in (PartyRole.DECLARANT, PartyRole.REPRESENTATIVE)
            for party in declaration.parties
            if party.role is role and party.id
        ),
        _UNKNOWN_RECEIVER,
    )
    if decision is None:
        return CustomsResponse(
            message_id=f"RSP-{declaration.id}-0",
            issued_at=utc_now(),
            sender=sender,
            receiver=receiver,
            declaration_id=declaration.id,
            functional_reference=declaration.functional_reference,
            status=ResponseStatus.ACCEPTED,
        )
    return trader_view(
        decision,
        message_id=f"RSP-{declaration.id}-{decision.version}",
        sender=sender,
        receiver=receiver,
        functional_reference=declaration.functional_reference,
    )
