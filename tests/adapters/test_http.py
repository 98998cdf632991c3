"""The HTTP adapter against an agency service in its own process that knows nothing of the hub."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing

import httpx
import pytest

from adapters import AssessmentRequest, HttpAdapter, request_id
from adapters.http import map_httpx_errors
from hub.errors import (
    AdapterError,
    AdapterRefused,
    AdapterTimeout,
    ContractViolation,
    InvalidAdapter,
)
from hub.model import Declaration
from hub.model.finding import RequestedChannel
from tests.adapters.conftest import SERVERS, imported_modules, serving, soon


@pytest.fixture(scope="module")
def agency_url() -> Iterator[str]:
    with serving("http_agency.py") as port:
        yield f"http://127.0.0.1:{port}"


def adapter(url: str) -> closing[HttpAdapter]:
    return closing(HttpAdapter(url, agency="phyto"))


def test_the_contract_server_uses_the_standard_library_only() -> None:
    modules = imported_modules(SERVERS / "http_agency.py")
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


def test_findings_come_back_from_the_agency_service(
    agency_url: str, phyto_view: Declaration
) -> None:
    with adapter(f"{agency_url}/assess") as http:
        findings = http.assess(phyto_view, soon(2))
    assert [f.item_sequences for f in findings] == [(i.sequence,) for i in phyto_view.goods_items]
    assert {(f.agency, f.channel, f.profile_id) for f in findings} == {
        ("phyto", RequestedChannel.YELLOW, "TEST-DOC-001")
    }


def test_the_same_request_twice_is_assessed_once_and_answered_the_same(
    agency_url: str, phyto_view: Declaration
) -> None:
    with adapter(f"{agency_url}/assess") as http:
        first = http.assess(phyto_view, soon(2))
        again = http.assess(phyto_view, soon(3))
    assert first == again
    counts = httpx.get(agency_url).json()
    assert counts[f"/assess {request_id(phyto_view, 'phyto')}"] == 1


def test_a_slow_service_times_out_at_the_deadline(agency_url: str, phyto_view: Declaration) -> None:
    start = time.monotonic()
    with adapter(f"{agency_url}/slow") as http, pytest.raises(AdapterTimeout) as caught:
        http.assess(phyto_view, soon(0.3))
    assert time.monotonic() - start < 0.3 + 0.2
    assert caught.value.agency == "phyto"
    assert caught.value.retryable


def test_a_server_error_is_an_adapter_error_with_its_status_and_code(
    agency_url: str, phyto_view: Declaration
) -> None:
    with adapter(f"{agency_url}/fail") as http, pytest.raises(AdapterRefused) as caught:
        http.assess(phyto_view, soon(2))
    assert (caught.value.status, caught.value.code) == (500, "unavailable")
    assert caught.value.retryable
    assert "HTTP 500" in str(caught.value)


def test_an_unknown_channel_breaks_the_contract_and_names_the_field(
    agency_url: str, phyto_view: Declaration
) -> None:
    with adapter(f"{agency_url}/purple") as http, pytest.raises(ContractViolation) as caught:
        http.assess(phyto_view, soon(2))
    assert caught.value.field == "findings[0].channel"
    assert "purple" in str(caught.value)
    assert not caught.value.retryable


def test_an_answer_that_is_not_json_breaks_the_contract(
    agency_url: str, phyto_view: Declaration
) -> None:
    with adapter(f"{agency_url}/html") as http, pytest.raises(ContractViolation) as caught:
        http.assess(phyto_view, soon(2))
    assert caught.value.field == "Content-Type"


def test_nothing_listening_is_an_adapter_error(phyto_view: Declaration) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with adapter(f"http://127.0.0.1:{port}/assess") as http, pytest.raises(AdapterError):
        http.assess(phyto_view, soon(1))


# --- What goes on the wire, through httpx's MockTransport -------------------


def mocked(handler: Callable[[httpx.Request], httpx.Response], **kw: str) -> HttpAdapter:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return HttpAdapter("https://phyto.example/assess", agency="phyto", client=client, **kw)


def test_the_request_carries_view_envelope_and_headers(phyto_view: Declaration) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        sent = AssessmentRequest.model_validate_json(request.content)
        return httpx.Response(
            200,
            json={"contract": "1.3", "request_id": sent.request_id, "agency": "phyto",
                  "findings": []},
        )  # fmt: skip

    deadline = soon(5)
    assert mocked(handler, auth_token="s3cret").assess(phyto_view, deadline) == []
    (request,) = seen
    sent = AssessmentRequest.model_validate_json(request.content)
    assert sent.declaration == phyto_view
    assert sent.request_id == request_id(phyto_view, "phyto")
    assert sent.deadline == deadline.replace(microsecond=deadline.microsecond // 1000 * 1000)
    assert request.headers["Idempotency-Key"] == sent.request_id
    assert request.headers["X-Hub-Contract"] == "1.0"
    assert request.headers["X-Hub-Deadline"].endswith("Z")
    assert 4 < float(request.headers["Request-Timeout"]) <= 5
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["Content-Type"] == "application/json"


def test_a_deadline_already_past_sends_nothing(phyto_view: Declaration) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent after the deadline")

    with pytest.raises(AdapterTimeout):
        mocked(handler).assess(phyto_view, soon(-1))


def test_408_from_the_agency_is_a_timeout(phyto_view: Declaration) -> None:
    body = {"contract": "1.0", "error": {"code": "deadline-passed"}}
    with pytest.raises(AdapterTimeout):
        mocked(lambda r: httpx.Response(408, json=body)).assess(phyto_view, soon(1))


def test_a_refused_request_is_not_retryable(phyto_view: Declaration) -> None:
    with pytest.raises(AdapterRefused) as caught:
        mocked(lambda r: httpx.Response(403, text="no")).assess(phyto_view, soon(1))
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (403, None, False)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectTimeout("t"), AdapterTimeout),
        (httpx.ReadTimeout("t"), AdapterTimeout),
        (httpx.WriteTimeout("t"), AdapterTimeout),
        (httpx.PoolTimeout("t"), AdapterTimeout),
        (httpx.ConnectError("refused"), AdapterError),
        (httpx.RemoteProtocolError("eh"), AdapterError),
        (httpx.ReadError("reset"), AdapterError),
        (httpx.TooManyRedirects("loop"), AdapterError),
        (httpx.DecodingError("gzip"), AdapterError),
    ],
)
def test_every_httpx_error_is_mapped(raised: Exception, expected: type[AdapterError]) -> None:
    with pytest.raises(expected) as caught, map_httpx_errors("phyto"):
        raise raised
    assert type(caught.value) is expected
    assert caught.value.__cause__ is raised


def test_transport_errors_reach_the_caller_mapped(phyto_view: Declaration) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AdapterError, match="connection refused"):
        mocked(handler).assess(phyto_view, soon(1))


@pytest.mark.parametrize(
    ("url", "token", "says"),
    [
        ("ftp://phyto.example/assess", None, "http:// or https://"),
        ("phyto.example/assess", None, "http:// or https://"),
        ("http:///assess", None, "no host"),
        ("http://phyto.example/assess", "s3cret", "only sent over https"),
    ],
)
def test_settings_are_checked_when_the_adapter_is_built(
    url: str, token: str | None, says: str
) -> None:
    with pytest.raises(InvalidAdapter, match=says) as caught:
        HttpAdapter(url, agency="phyto", auth_token=token)
    assert (caught.value.agency, caught.value.setting) == ("phyto", "url")


def test_an_error_body_is_read_for_its_code(phyto_view: Declaration) -> None:
    body = json.dumps({"contract": "1.0", "error": {"code": "bad-request", "message": "why"}})
    with pytest.raises(AdapterRefused, match="why") as caught:
        mocked(lambda r: httpx.Response(400, text=body)).assess(phyto_view, soon(1))
    assert caught.value.code == "bad-request"
