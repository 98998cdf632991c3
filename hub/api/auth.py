"""Bearer authentication at the edge: the token names the principal; its use is audited.

Every ``/v1`` route and ``/graphql`` depend on :func:`principal_of`. A missing,
malformed, expired or forged token is a 401 problem with
``WWW-Authenticate: Bearer`` and a reason (never the token itself). Each
accepted token is audited once per process at its first use (``token.use``,
by its ``jti``): a trail of which tokens acted, without one write per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime

from fastapi import Request

from hub.access import Principal, SigningKey, TokenError
from hub.store import Store

__all__ = ["Authenticator", "principal_of"]

_REMEMBERED = 100_000  # token ids whose first use this process has audited


class Authenticator:
    """Verifies bearer tokens with the hub's key and audits each token's first use."""

    def __init__(self, key: SigningKey, store: Store) -> None:
        self.key = key
        self.store = store
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, authorization: str | None, *, path: str) -> Principal:
        """The principal of an ``Authorization: Bearer ...`` header; :class:`TokenError` else."""
        if not authorization:
            raise TokenError("no bearer token: send Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("the Authorization header is not 'Bearer <token>'")
        principal = self.key.verify(token.strip())
        self._audit_first_use(principal, path)
        return principal

    def _audit_first_use(self, principal: Principal, path: str) -> None:
        jti = principal.token_id or ""
        with self._lock:
            if jti in self._seen:
                return
            self._seen[jti] = None
            if len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
        self.store.audit(
            actor=principal.actor,
            action="token.use",
            subject=None,
            detail={"jti": jti, "path": path},
            at=datetime.now(UTC),
        )


def principal_of(request: Request) -> Principal:
    """FastAPI dependency: the request's principal (401 problem through the error handler)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.authenticate(request.headers.get("authorization"), path=request.url.path)
