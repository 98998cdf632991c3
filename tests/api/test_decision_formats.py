"""GET .../decision as JSON, as the hub's XML response and as CUSRES, as ``Accept`` asks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydifact.segmentcollection import Interchange

from hub.api import PROBLEM_JSON, create_api, negotiate
from hub.ingest._xml import parse_xml
from hub.ingest.own_schemas import own_schema_set
from hub.model import Channel, ResponseStatus
from hub.response import read_cusres, read_response
from hub.response.cusres import CHANNEL_CODES, STATUS_CODES
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub

XML = {"content-type": "application/xml"}

# pydifact ships no segment tables for D.99B and warns for every segment it
# builds; it is used here as an independent parser only.
pytestmark = pytest.mark.filterwarnings("ignore::pydifact.exceptions.MissingImplementationWarning")


@pytest.fixture
def decided(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    tokens = Tokens(tmp_path)
    api = create_api(hub := embedded_hub(tmp_path), sender="NL-HUB", signing_key=tokens.key)
    with hub, TestClient(api) as client:
        client.headers.update(tokens.jtc())
        response = client.post(
            "/v1/declarations", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
        )
        assert response.status_code == 202
        declaration_id = response.json()["declaration_id"]
        assert hub.wait_for_decision(declaration_id, 10) is not None
        yield client, client.get(f"/v1/declarations/{declaration_id}/decision").json()


def _url(contract: dict[str, Any]) -> str:
    return f"/v1/declarations/{contract['declaration_id']}/decision"


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html, */*;q=0.1"])
def test_json_is_the_default(
    decided: tuple[TestClient, dict[str, Any]], accept: str | None
) -> None:
    client, contract = decided
    headers = {} if accept is None else {"accept": accept}
    response = client.get(_url(contract), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == contract


def test_xml_is_the_trader_view_and_valid(decided: tuple[TestClient, dict[str, Any]]) -> None:
    client, contract = decided
    response = client.get(_url(contract), headers={"accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    own_schema_set().validate(parse_xml(response.content))
    read = read_response(response.content)
    assert read.declaration_id == contract["declaration_id"]
    assert read.sender == "NL-HUB"
    assert read.channel is Channel(contract["channel"]) is Channel.RED
    assert read.status is ResponseStatus.UNDER_CONTROL
    assert read.message_id == f"RSP-{contract['declaration_id']}-1"
    # The trader's view: no findings, reasons, profiles or agency names.
    text = response.content.decode()
    assert "Finding" not in text and "vet" not in text
    for agency in contract["agencies"].values():
        for finding in agency["findings"]:
            for value in finding.values():
                if isinstance(value, str) and len(value) > 6:
                    assert value not in text


def test_cusres_reads_back_with_the_hub_and_pydifact(
    decided: tuple[TestClient, dict[str, Any]],
) -> None:
    client, contract = decided
    response = client.get(_url(contract), headers={"accept": "application/edifact"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/edifact")
    read = read_cusres(response.content)
    assert (read.declaration_id, read.status, read.channel) == (
        contract["declaration_id"],
        ResponseStatus.UNDER_CONTROL,
        Channel.RED,
    )
    interchange = Interchange.from_str(response.content.decode("latin-1"))
    gis = {
        segment.elements[0][0]
        for segment in interchange.get_segments("GIS")
        if isinstance(segment.elements[0], list)
    }
    assert STATUS_CODES[ResponseStatus.UNDER_CONTROL] in gis
    assert CHANNEL_CODES[Channel.RED] in gis
    (unh,) = interchange.get_segments("UNH")
    assert unh.elements[1][0] == "CUSRES"
    references = [s.elements[0] for s in interchange.get_segments("RFF")]
    assert ["AAE", contract["declaration_id"]] in references


def test_other_accepts_are_406(decided: tuple[TestClient, dict[str, Any]]) -> None:
    client, contract = decided
    response = client.get(_url(contract), headers={"accept": "text/html"})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 406


def test_unknown_declaration_is_404_in_every_format(
    decided: tuple[TestClient, dict[str, Any]],
) -> None:
    client, _ = decided
    for accept in ("application/json", "application/xml", "application/edifact"):
        response = client.get("/v1/declarations/DEC-NOPE/decision", headers={"accept": accept})
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("application/*", "application/json"),
        ("text/xml", "application/xml"),
        ("application/edi-edifact", "application/edifact"),
        ("application/json;q=0.5, application/xml", "application/xml"),
        ("application/xml;q=0, application/edifact;q=0.2", "application/edifact"),
        ("application/xml;q=0", None),
        ("image/png", None),
    ],
)
def test_negotiate(accept: str | None, media: str | None) -> None:
    assert negotiate(accept) == media
