"""An agency that runs its own risk service: the hub posts the view, reads findings back.

The contract (``docs/agency-http-contract.md``): one ``POST`` of an
:class:`~adapters.contract.AssessmentRequest` to the agency's URL, answered by
``200`` and an :class:`~adapters.contract.AssessmentResponse`. The deadline
travels in the body and in two headers, ``X-Hub-Deadline`` (RFC 3339) and
``Request-Timeout`` (seconds left, immune to clock skew); the request id is
the ``Idempotency-Key``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx

from adapters.base import remaining_seconds
from adapters.contract import CONTRACT_VERSION, MEDIA_TYPE, AssessmentErrorReply, prepare
from hub.errors import AdapterError, AdapterRefused, AdapterTimeout, InvalidAdapter
from hub.model import Declaration
from hub.model.finding import Finding

__all__ = ["MAX_RESPONSE_BYTES", "HttpAdapter", "map_httpx_errors"]

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""Findings are small; a larger answer is refused rather than read into memory."""

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@contextmanager
def map_httpx_errors(agency: str) -> Iterator[None]:
    """The one place httpx's exceptions become the hub's: timeouts, then everything else.

    A ``TimeoutException`` (connect, read, write or pool) is an
    :class:`~hub.errors.AdapterTimeout`; any other ``httpx.HTTPError``
    (refused connection, broken protocol, too many redirects) an
    :class:`~hub.errors.AdapterError`.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise AdapterTimeout(f"no answer in time ({type(exc).__name__})", agency=agency) from exc
    except httpx.HTTPError as exc:
        raise AdapterError(f"{type(exc).__name__}: {exc}", agency=agency) from exc


class HttpAdapter:
    """Asks an agency's own HTTP risk service, within the deadline.

    ``url`` must be ``http`` or ``https`` with a host; a bearer ``auth_token``
    is only sent over ``https`` (or to the loopback address, for tests and a
    sidecar), so a token can never leak in clear text. Both are checked here
    (:class:`~hub.errors.InvalidAdapter`), at startup, not on the first
    declaration. ``client`` lets the caller share a connection pool or pass
    an ``httpx.MockTransport``; a client the adapter made itself is closed by
    :meth:`close`.

    Connecting, sending and every read are bounded by the time left, and the
    body is read chunk by chunk with the deadline checked between chunks, so
    a slow or trickling service costs the hub at most its deadline.
    """

    def __init__(
        self,
        url: str,
        *,
        agency: str,
        client: httpx.Client | None = None,
        auth_token: str | None = None,
    ) -> None:
        self.agency = agency
        self.url = _checked_url(url, agency=agency, with_token=auth_token is not None)
        self._owns_client = client is None
        self._client = httpx.Client() if client is None else client
        self._auth = {"Authorization": f"Bearer {auth_token}"} if auth_token else {}

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]:
        request = prepare(view, agency=self.agency, deadline=deadline)
        left = remaining_seconds(deadline, agency=self.agency)
        headers = {
            "Content-Type": MEDIA_TYPE,
            "Accept": MEDIA_TYPE,
            "Idempotency-Key": request.request_id,
            "X-Hub-Contract": CONTRACT_VERSION,
            "X-Hub-Deadline": request.deadline_text,
            "Request-Timeout": f"{left:.3f}",
            **self._auth,
        }
        end = time.monotonic() + left
        with (
            map_httpx_errors(self.agency),
            self._client.stream(
                "POST",
                self.url,
                content=request.body,
                headers=headers,
                timeout=httpx.Timeout(left),
                follow_redirects=False,
            ) as response,
        ):
            body = self._read(response, end)
        if response.status_code == 408:
            raise AdapterTimeout(
                "the agency received the request after its deadline", agency=self.agency
            )
        if response.status_code != 200:
            raise self._refused(response.status_code, body)
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media != MEDIA_TYPE:
            raise request.violation("Content-Type", f"{media or 'none'} is not {MEDIA_TYPE}")
        return request.read(body)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _read(self, response: httpx.Response, end: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise AdapterError(
                    f"the answer is larger than {MAX_RESPONSE_BYTES} bytes", agency=self.agency
                )
            if time.monotonic() > end:
                raise AdapterTimeout(
                    "the answer was still arriving at the deadline", agency=self.agency
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _refused(self, status: int, body: bytes) -> AdapterRefused:
        code: str | None = None
        message = f"the agency answered HTTP {status}"
        try:
            detail = AssessmentErrorReply.model_validate_json(body).error
        except ValueError:
            pass  # a proxy's HTML page, say: the status says enough
        else:
            code = detail.code
            message = detail.message or message
        return AdapterRefused(message, agency=self.agency, status=status, code=code)


def _checked_url(url: str, *, agency: str, with_token: bool) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidAdapter(f"{url!r} is not a URL: {exc}", agency=agency, setting="url") from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidAdapter(
            f"{url!r} must start with http:// or https://", agency=agency, setting="url"
        )
    if not parsed.host:
        raise InvalidAdapter(f"{url!r} names no host", agency=agency, setting="url")
    if with_token and parsed.scheme == "http" and parsed.host not in _LOOPBACK:
        raise InvalidAdapter(
            f"{url!r}: a bearer token is only sent over https", agency=agency, setting="url"
        )
    return str(parsed)
