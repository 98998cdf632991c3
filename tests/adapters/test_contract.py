"""Reading an agency's answer: only its own findings, on its own items, for this request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters import AssessmentRequest, PreparedRequest, prepare, request_id
from hub.errors import AdapterRefused, ContractViolation
from hub.model import Declaration
from tests.adapters.conftest import soon


@pytest.fixture
def sent(phyto_view: Declaration) -> PreparedRequest:
    return prepare(phyto_view, agency="phyto", deadline=soon(5))


def answer(sent: PreparedRequest, **finding: Any) -> bytes:
    base = {"agency": "phyto", "channel": "orange", "item_sequences": sorted(sent.items)}
    return json.dumps(
        {
            "contract": "1.0",
            "request_id": sent.request_id,
            "agency": "phyto",
            "findings": [{**base, **finding}],
        }
    ).encode()


def test_the_body_is_the_envelope_around_the_canonical_view(
    sent: PreparedRequest, phyto_view: Declaration
) -> None:
    request = AssessmentRequest.model_validate_json(sent.body)
    assert request.declaration == phyto_view
    assert json.loads(sent.body)["declaration"] == json.loads(phyto_view.to_json())
    assert (request.contract, request.agency) == ("1.0", "phyto")


def test_the_request_id_names_declaration_view_and_agency(phyto_view: Declaration) -> None:
    rid = request_id(phyto_view, "phyto")
    assert rid.startswith(f"{phyto_view.id}:") and rid.endswith(":phyto")
    assert request_id(phyto_view, "phyto") == rid
    headers_only = phyto_view.model_copy(update={"goods_items": ()})
    assert request_id(headers_only, "phyto") != rid  # another view: another request
    assert request_id(phyto_view, "vet") != rid


def test_a_valid_answer_gives_its_findings(sent: PreparedRequest) -> None:
    (finding,) = sent.read(answer(sent, score=70, mandatory=True, confidential=True))
    assert (finding.score, finding.mandatory, finding.confidential) == (70, True, True)


@pytest.mark.parametrize(
    ("finding", "field"),
    [
        ({"agency": "police"}, "findings[0].agency"),
        ({"item_sequences": [99]}, "findings[0].item_sequences"),
        ({"source": "fail-safe"}, "findings[0].source"),
        ({"channel": "green"}, "findings[0].channel"),
        ({"score": 101}, "findings[0].score"),
        ({"colour": "red"}, "findings[0].colour"),
    ],
)
def test_an_answer_breaking_the_contract_names_the_field(
    sent: PreparedRequest, finding: dict[str, Any], field: str
) -> None:
    with pytest.raises(ContractViolation) as caught:
        sent.read(answer(sent, **finding))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"request_id": "DEC-OTHER:0:phyto"}, "request_id"),
        ({"agency": "vet"}, "agency"),
        ({"contract": "2.0"}, "contract"),
        ({"findings": None}, "findings"),
    ],
)
def test_an_answer_to_another_request_is_refused(
    sent: PreparedRequest, change: dict[str, Any], field: str
) -> None:
    body = {**json.loads(answer(sent)), **change}
    with pytest.raises(ContractViolation) as caught:
        sent.read(json.dumps(body).encode())
    assert caught.value.field == field


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff"])
def test_a_body_that_is_no_json_object_is_refused(sent: PreparedRequest, raw: bytes) -> None:
    with pytest.raises(ContractViolation) as caught:
        sent.read(raw)
    assert caught.value.field == "body"


def test_an_error_reply_is_a_refusal_with_its_code(sent: PreparedRequest) -> None:
    raw = json.dumps({"contract": "1.0", "error": {"code": "unavailable", "message": "down"}})
    with pytest.raises(AdapterRefused, match="down") as caught:
        sent.read(raw.encode())
    assert (caught.value.code, caught.value.status, caught.value.retryable) == (
        "unavailable",
        None,
        True,
    )
