"""The joint targeting centre's page, ``/jtc``: for officers who would rather look than read.

One HTML page, its script and its style, shipped in this package and served
as they are: nothing comes from the internet (no CDN, no web font), so the
page works on a closed network. The page holds no token of its own; the
analyst pastes the JTC token, kept in the browser's ``sessionStorage`` only,
and every read is ``POST /graphql`` with ``Authorization: Bearer``, through
the same need-to-know policy as any other client.

Every response here says ``Cache-Control: no-store`` and a restrictive
``Content-Security-Policy`` (``default-src 'self'``, no inline script or
style, no framing): data shown on the page is written as text, and even a
script smuggled into a declaration could not run.

To use it: ``hub serve``, open ``/jtc`` on the hub, paste the token of
``hub token issue --role jtc``. ``GET /jtc/offices`` lists the offices of
the hub's calendar register for the board's picker; it needs an officer's or
the JTC's token like the rest.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from hub.access import Principal, Role
from hub.api.auth import principal_of
from hub.errors import AccessDenied
from hub.orchestrator import Hub

__all__ = ["CONTENT_SECURITY_POLICY", "router"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""Only this hub's own files and calls; no inline script, no inline style attribute."""

_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)


def _headers() -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _asset(name: str) -> Response:
    body = files(__package__).joinpath(name).read_bytes()
    return Response(body, media_type=_ASSETS[name], headers=_headers())


@router.get("/jtc")
def page() -> Response:
    """The page itself."""
    return _asset("index.html")


@router.get("/jtc/app.js")
def script() -> Response:
    return _asset("app.js")


@router.get("/jtc/app.css")
def style() -> Response:
    return _asset("app.css")


@router.get("/jtc/favicon.svg")
def icon() -> Response:
    return _asset("favicon.svg")


@router.get("/jtc/offices")
def offices(request: Request, principal: Annotated[Principal, Depends(principal_of)]) -> Response:
    """The calendar register's offices (code, name, time zone), default one first."""
    if principal.role not in (Role.JTC, Role.OFFICER):
        raise AccessDenied("only officers and the JTC read the examinations board")
    hub: Hub = request.app.state.hub
    register = hub.orchestrator.context.offices
    listed = [] if register is None else sorted(register.offices, key=lambda o: not o.default)
    body = [
        {"code": o.code, "name": o.name, "timezone": o.timezone, "default": o.default}
        for o in listed
    ]
    return JSONResponse(body, headers=_headers())
