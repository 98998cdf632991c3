"""The REST API over an embedded hub, through the real FastAPI app."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from adapters import FunctionAdapter
from hub.api import PROBLEM_JSON, create_api
from hub.model import Declaration
from hub.model.finding import Finding
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub, quick_agencies

XML = {"content-type": "application/xml"}


def test_submit_and_wait_returns_the_decision_as_the_trader_sees_it(
    client: TestClient, tokens: Tokens
) -> None:
    response = client.post("/v1/declarations?wait=10", content=CHICKEN.read_bytes(), headers=XML)
    assert response.status_code == 200
    seen = response.json()
    assert seen["version"] == 1 and seen["channel"] == "red" and seen["released"] is False
    assert seen["status"] == "under-control"  # vet examines the goods
    assert "agencies" not in seen and "reasons" not in seen  # the trader's view
    assert seen["examination"]["place"]
    contract = client.get(
        f"/v1/declarations/{seen['declaration_id']}/decision", headers=tokens.jtc()
    ).json()
    assert contract["version"] == 1
    assert set(contract["agencies"]) == {"customs", "police", "vet"}
    assert contract["agencies"]["vet"]["channel"] == "red"
    assert contract["channel"] == "red"
    assert contract["released"] is False


def test_resubmission_returns_the_same_declaration(client: TestClient) -> None:
    first = client.post("/v1/declarations", content=CHICKEN.read_bytes(), headers=XML)
    second = client.post("/v1/declarations", content=CHICKEN.read_bytes(), headers=XML)
    assert first.status_code == second.status_code == 202
    assert first.json()["declaration_id"] == second.json()["declaration_id"]
    assert first.json()["status_url"].endswith("/decision")
    assert first.headers["location"] == first.json()["status_url"]


def test_a_malformed_message_is_a_problem_naming_the_line(client: TestClient) -> None:
    body = b"<?xml version='1.0'?>\n<Declaration>\n  <Unclosed>\n</Declaration>\n"
    response = client.post("/v1/declarations", content=body, headers=XML)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == 400
    assert "line" in problem["where"]


def test_other_media_types_are_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/declarations", content=b"{}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM_JSON


def test_unknown_declarations_are_404(client: TestClient) -> None:
    assert client.get("/v1/declarations/DEC-NOPE/decision").status_code == 404
    assert client.get("/v1/declarations/DEC-NOPE/decision/history").status_code == 404


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_a_late_agency_is_pending_then_amended_in_the_history(tmp_path: Path) -> None:
    def slow_vet(view: Declaration) -> list[Finding]:
        time.sleep(1.2)
        return []

    adapters = {"vet": FunctionAdapter(slow_vet, agency="vet")}
    agencies = quick_agencies(0.8, vet=0.3)
    tokens = Tokens(tmp_path)
    with (
        embedded_hub(tmp_path, agencies=agencies, adapters=adapters) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        client.headers.update(tokens.jtc())
        response = client.post(
            "/v1/declarations", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
        )
        assert response.status_code == 202
        declaration_id = response.json()["declaration_id"]
        assert hub.wait_for_decision(declaration_id, 10) is not None
        first = client.get(f"/v1/declarations/{declaration_id}/decision").json()
        assert first["pending"] == ["vet"]
        assert first["agencies"]["vet"]["channel"] == "yellow"
        url = f"/v1/declarations/{first['declaration_id']}/decision/history"
        end = time.monotonic() + 10
        while len(versions := client.get(url).json()["versions"]) < 2:
            assert time.monotonic() < end
            time.sleep(0.05)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["pending"] == []
    assert versions[1]["agencies"]["vet"]["status"] == "may-proceed"
