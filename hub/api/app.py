"""Routes of the REST API and the one place hub errors become HTTP problems (RFC 9457).

- ``POST /v1/declarations`` (``application/xml`` or ``application/edifact``):
  202 with ``declaration_id`` and ``status_url``; ``?wait=SECONDS`` (at most
  ``HUB_SUBMISSION_WAIT``) answers 200 with the decision contract when it is
  ready in time. A message the hub cannot read is a 400 problem naming
  ``where``; a declaration an assessment cannot use is a 422 listing
  ``missing``.
- ``GET /v1/declarations/{id}/decision``: the latest decision (202 while the
  agencies are still assessing, 404 for an unknown id), as ``Accept`` asks:
  ``application/json`` (the default) the decision contract,
  ``application/xml`` the hub's XML decision response, ``application/edifact``
  a CUSRES; both of the latter carry only the trader's view (no findings,
  reasons or agency names). Any other ``Accept`` is a 406 problem.
- ``GET /v1/declarations/{id}/decision/history``: every version.
- ``GET /healthz``: the process is up and serving. ``GET /readyz``: the
  database and the broker are reachable (503 naming which is not).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from hub.decision import Decision, trader_view
from hub.errors import HubError, IncompleteDeclaration, IngestError
from hub.model import CustomsResponse, Declaration, PartyRole, ResponseStatus
from hub.orchestrator import Hub
from hub.orchestrator.runtime import utc_now
from hub.response import write_cusres, write_response

__all__ = ["EDIFACT", "PROBLEM_JSON", "RESPONSE_SENDER", "create_api", "negotiate", "problem"]

PROBLEM_JSON = "application/problem+json"
EDIFACT = "application/edifact"
RESPONSE_SENDER = "HUB"
"""Who the XML response and the CUSRES say they are from, unless ``create_api`` is told."""
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


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _hub_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, IngestError):
        return problem(
            400,
            "Message not readable",
            str(exc),
            kind=type(exc).__name__,
            where=exc.where,
            expected=exc.expected,
        )
    if isinstance(exc, IncompleteDeclaration):
        return problem(
            422, "Declaration incomplete", str(exc), kind=type(exc).__name__, missing=exc.missing
        )
    return problem(500, "Hub error", str(exc), kind=type(exc).__name__)


def create_api(
    hub: Hub | None = None,
    *,
    open_hub: Callable[[], Hub] | None = None,
    sender: str = RESPONSE_SENDER,
) -> FastAPI:
    """The API over ``hub``, or over the hub ``open_hub()`` builds at startup (closed at shutdown).

    Both are given by the edge (``hub serve``, a test), which also chooses the
    adapters; this module never builds one. ``sender`` is the administration
    the XML and EDIFACT responses name as their sender.
    """
    if hub is None and open_hub is None:
        raise ValueError("give a hub or a way to open one")
    state: dict[str, Hub] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if hub is not None:
            state["hub"] = hub
            yield
            return
        assert open_hub is not None
        opened = open_hub()
        state["hub"] = opened
        try:
            yield
        finally:
            opened.close()

    api = FastAPI(title="Single-window hub", version="1", lifespan=lifespan)
    api.add_exception_handler(HubError, _hub_error)

    def current() -> Hub:
        return state["hub"]

    @api.post("/v1/declarations", status_code=202, response_model=None)
    def submit(
        request_body: Annotated[bytes, Depends(_raw_body)],
        request: Request,
        wait: Annotated[float | None, Query(ge=0)] = None,
    ) -> JSONResponse:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in _MEDIA_TYPES:
            return problem(
                415,
                "Unsupported media type",
                f"send application/xml or application/edifact, not {media or 'nothing'}",
            )
        the_hub = current()
        submitted = the_hub.submit(request_body)
        status_url = f"/v1/declarations/{submitted.declaration_id}/decision"
        if wait:
            limit = min(wait, the_hub.orchestrator.settings.submission_wait_s)
            decision = the_hub.wait_for_decision(submitted.declaration_id, limit)
            if decision is not None:
                return JSONResponse(decision.to_contract(), status_code=200)
        return JSONResponse(
            {"declaration_id": submitted.declaration_id, "status_url": status_url},
            status_code=202,
            headers={"Location": status_url},
        )

    @api.get("/v1/declarations/{declaration_id}/decision", response_model=None)
    def decision(declaration_id: str, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return problem(
                406,
                "Not acceptable",
                "the decision is available as application/json, application/xml "
                "or application/edifact",
                available=["application/json", "application/xml", EDIFACT],
            )
        the_hub = current()
        found = the_hub.decision(declaration_id)
        declaration = the_hub.store.declaration(declaration_id)
        if declaration is None:
            return problem(404, "Unknown declaration", f"no declaration {declaration_id}")
        status = 200 if found is not None else 202
        if media == "application/json":
            if found is None:
                body = {"declaration_id": declaration_id, "status": "assessing"}
                return JSONResponse(body, status_code=202)
            return JSONResponse(found.to_contract())
        response = _trader_response(declaration, found, sender)
        if media == EDIFACT:
            return Response(write_cusres(response), status_code=status, media_type=EDIFACT)
        return Response(write_response(response), status_code=status, media_type=media)

    @api.get("/v1/declarations/{declaration_id}/decision/history", response_model=None)
    def history(declaration_id: str) -> JSONResponse:
        the_hub = current()
        if not the_hub.exists(declaration_id):
            return problem(404, "Unknown declaration", f"no declaration {declaration_id}")
        versions = [d.to_contract() for d in the_hub.history(declaration_id)]
        return JSONResponse({"declaration_id": declaration_id, "versions": versions})

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", response_model=None)
    def readyz() -> JSONResponse:
        the_hub = current()
        failures: dict[str, str] = {}
        try:
            with the_hub.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            failures["database"] = str(exc)
        if the_hub.app is not None:
            try:
                with the_hub.app.connection_for_write() as connection:
                    connection.ensure_connection(max_retries=1, timeout=2)
            except Exception as exc:
                failures["broker"] = str(exc)
        if failures:
            return problem(503, "Not ready", "; ".join(failures), unreachable=sorted(failures))
        return JSONResponse({"status": "ready"})

    return api


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


async def _raw_body(request: Request) -> bytes:
    return await request.body()
