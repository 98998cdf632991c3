"""The REST API's application: authentication, the one place hub errors become RFC 9457
problems, and the routers.

Every ``/v1`` route needs a bearer token (:mod:`hub.api.auth`); what each
principal may read or do is the need-to-know policy (:mod:`hub.access`),
applied by the routers (:mod:`hub.api.declarations`). Open without a token:
``GET /healthz`` (the process serves), ``GET /readyz`` (the database and the
broker are reachable; 503 naming which is not), the OpenAPI document,
``POST /v1/exchange``, where a partner's XML signature authenticates it
(:mod:`hub.api.exchange`), and the JTC's page ``GET /jtc`` with its files
(:mod:`hub.api.jtc`; what it reads needs the analyst's token).

Errors, each a problem with ``kind`` (the hub's exception class):
400 a message the hub cannot read (``where``, ``expected``), 401 no valid
token, 403 an action the principal may not take, 404 an unknown declaration
or one the principal may not read (the same answer: ids cannot be probed),
406/415 media types, 409 a functional reference reused without an amendment
or a record already stored otherwise, 422 an incomplete declaration
(``missing``) or a refused re-routing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hub.access import SigningKey, TokenError, token_key_path
from hub.api._agency_routes import Refusal
from hub.api.acts import StillAssessing, UnknownRequest
from hub.api.auth import Authenticator
from hub.api.declarations import router as declarations_router
from hub.api.exchange import refusal_status
from hub.api.exchange import router as exchange_router
from hub.api.graphql import graphql_router
from hub.api.jtc import router as jtc_router
from hub.api.metrics import install_metrics
from hub.api.problems import PROBLEM_JSON, problem
from hub.api.profiles import router as profiles_router
from hub.api.ratings import router as ratings_router
from hub.api.reference import router as reference_router
from hub.api.reports import router as reports_router
from hub.api.views import NotVisible
from hub.errors import (
    AccessDenied,
    ChangeRefused,
    ConflictingRecord,
    ExchangeRefused,
    HubError,
    IncompleteDeclaration,
    IngestError,
    InvalidProfile,
    ReferenceInUse,
    ReroutingRefused,
    SchedulingRefused,
    UnknownProfile,
)
from hub.orchestrator import Hub

__all__ = ["PROBLEM_JSON", "RESPONSE_SENDER", "create_api", "problem"]

RESPONSE_SENDER = "HUB"
"""Who the XML response and the CUSRES say they are from, unless ``create_api`` is told."""


def _hub_error(_request: Request, exc: Exception) -> JSONResponse:
    kind = type(exc).__name__
    if isinstance(exc, TokenError):
        response = problem(401, "Not authenticated", str(exc), kind=kind)
        response.headers["WWW-Authenticate"] = 'Bearer realm="hub"'
        return response
    if isinstance(exc, AccessDenied):
        return problem(403, "Not allowed", str(exc), kind=kind)
    if isinstance(exc, NotVisible):
        return problem(404, "Unknown declaration", str(exc), kind=kind)
    if isinstance(exc, StillAssessing):
        return problem(409, "No decision yet", str(exc), kind=kind)
    if isinstance(exc, UnknownRequest):
        return problem(404, "Unknown request", str(exc), kind=kind)
    if isinstance(exc, ExchangeRefused):
        return problem(
            refusal_status(exc.reason),
            "Exchange refused",
            str(exc),
            kind=kind,
            reason=exc.reason,
            where=exc.where,
        )
    if isinstance(exc, ReferenceInUse):
        return problem(409, "Reference in use", str(exc), kind=kind, existing=exc.existing)
    if isinstance(exc, ConflictingRecord):
        return problem(409, "Already recorded", str(exc), kind=kind, key=exc.key)
    if isinstance(exc, ReroutingRefused):
        return problem(422, "Re-routing refused", str(exc), kind=kind)
    if isinstance(exc, SchedulingRefused):
        return problem(422, "Scheduling refused", str(exc), kind=kind)
    if isinstance(exc, UnknownProfile):
        return problem(
            404,
            "Unknown profile",
            str(exc),
            kind=kind,
            profile_id=exc.profile_id,
            version=exc.version,
        )
    if isinstance(exc, ChangeRefused):
        return problem(
            409,
            "Change refused",
            str(exc),
            kind=kind,
            profile_id=exc.profile_id,
            version=exc.version,
        )
    if isinstance(exc, InvalidProfile):
        return problem(422, "Invalid profile", str(exc), kind=kind, field=exc.field, line=exc.line)
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


def _refusal(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return exc.response


def create_api(
    hub: Hub | None = None,
    *,
    open_hub: Callable[[], Hub] | None = None,
    sender: str = RESPONSE_SENDER,
    signing_key: SigningKey | None = None,
) -> FastAPI:
    """The API over ``hub``, or over the hub ``open_hub()`` builds at startup (closed at shutdown).

    Both are given by the edge (``hub serve``, a test), which also chooses the
    adapters; this module never builds one. ``sender`` is the administration
    the XML and EDIFACT responses name as their sender. ``signing_key``
    verifies tokens; by default the hub's own (:func:`~hub.access.token_key_path`,
    made on the embedded hub's first start).
    """
    if hub is None and open_hub is None:
        raise ValueError("give a hub or a way to open one")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = hub if hub is not None else open_hub()  # type: ignore[misc]
        try:
            settings = opened.orchestrator.settings
            key = signing_key or SigningKey.load(token_key_path(settings), create=settings.embedded)
            app.state.hub = opened
            app.state.sender = sender
            app.state.authenticator = Authenticator(key, opened.store)
            yield
        finally:
            if hub is None:
                opened.close()

    api = FastAPI(
        title="Single-window hub",
        version="1",
        lifespan=lifespan,
        description="Submit a declaration once; every concerned agency assesses it; "
        "one coordinated decision comes back. Every /v1 route needs a bearer token.",
    )
    api.add_exception_handler(HubError, _hub_error)
    api.add_exception_handler(Refusal, _refusal)
    api.include_router(declarations_router)
    api.include_router(graphql_router())
    install_metrics(api)
    api.include_router(profiles_router)
    api.include_router(reference_router)
    api.include_router(ratings_router)
    api.include_router(reports_router)
    api.include_router(exchange_router)
    api.include_router(jtc_router)

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", response_model=None)
    def readyz(request: Request) -> JSONResponse:
        the_hub: Hub = request.app.state.hub
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
