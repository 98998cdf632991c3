"""Release after control through the API: recording a result moves the decision on.

The frozen chicken from Brazil, assessed for real by the bundled agencies:
vet selects it for a physical examination. Each controlling agency's officer
records what it found, over REST or GraphQL; the version that makes is the
one the trader reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_api
from hub.decision import AgencyStatus
from hub.orchestrator import Hub
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub

XML = {"content-type": "application/xml"}

RECORD = """mutation($id: ID!, $r: ControlResultInput!) {
  recordControlResult(declarationId: $id, result: $r) { id agency outcome } }"""
DECISION = (
    """query($id: ID!) { declaration(id: $id) { decision { version released status note } } }"""
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Hub, TestClient, Tokens, str]]:
    tokens = Tokens(tmp_path)
    with (
        embedded_hub(tmp_path) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        submitted = client.post(
            "/v1/declarations?wait=10", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
        )
        assert submitted.status_code == 200, submitted.text
        yield hub, client, tokens, submitted.json()["declaration_id"]


def _controlling(hub: Hub, declaration_id: str) -> list[str]:
    first = hub.decision(declaration_id)
    assert first is not None and not first.released
    held = [n for n, a in first.agencies.items() if a.status is not AgencyStatus.MAY_PROCEED]
    assert "vet" in held
    return held


def test_recording_each_controls_result_releases_the_goods_for_the_trader(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, declaration_id = world
    controlling = _controlling(hub, declaration_id)
    url = f"/v1/declarations/{declaration_id}"
    trader = client.get(f"{url}/decision", headers=tokens.trader()).json()
    assert trader["status"] != "released" and trader["version"] == 1

    for i, agency in enumerate(controlling):
        body = {"decision_version": 1, "checked": "carcasses and certificate",
                "outcome": "no-finding" if agency == "vet" else "discrepancy",
                "duty_at_stake": "310.00", "currency": "EUR"}  # fmt: skip
        recorded = client.post(f"{url}/control-results", json=body, headers=tokens.officer(agency))
        assert recorded.status_code == 201, recorded.text
        assert hub.decision(declaration_id).version == 2 + i  # type: ignore[union-attr]

    latest = hub.decision(declaration_id)
    assert latest is not None and latest.released
    assert latest.note == f"released after control by {' and '.join(controlling)}"
    trader = client.get(f"{url}/decision", headers=tokens.trader()).json()
    assert trader["status"] == "released" and trader["released"] is True
    assert trader["version"] == 1 + len(controlling)
    # The same result again is kept, but the decision does not move.
    again = {"decision_version": latest.version, "checked": "again", "outcome": "no-finding"}
    assert (
        client.post(f"{url}/control-results", json=again, headers=tokens.officer("vet")).status_code
        == 201
    )
    assert hub.decision(declaration_id) == latest
    audited = [e for e in hub.store.audit_trail() if e.action == "control-result"]
    assert [e.detail.get("released") for e in audited][-2:] == [True, None]


def test_a_seizure_holds_the_goods(world: tuple[Hub, TestClient, Tokens, str]) -> None:
    hub, client, tokens, declaration_id = world
    _controlling(hub, declaration_id)
    body = {"decision_version": 1, "checked": "carcasses", "outcome": "seizure"}
    url = f"/v1/declarations/{declaration_id}"
    assert (
        client.post(f"{url}/control-results", json=body, headers=tokens.officer("vet")).status_code
        == 201
    )
    latest = hub.decision(declaration_id)
    assert latest is not None and latest.version == 2 and not latest.released
    assert latest.agencies["vet"].status is AgencyStatus.HOLD
    assert client.get(f"{url}/decision", headers=tokens.trader()).json()["status"] == "held"


def _graphql(client: TestClient, headers: dict[str, str], query: str, **variables: Any) -> Any:
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_graphql_record_control_result_releases_the_same_way(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, declaration_id = world
    controlling = _controlling(hub, declaration_id)
    for agency in controlling:
        result = {"decisionVersion": 1, "checked": "goods", "outcome": "NO_FINDING"}
        recorded = _graphql(client, tokens.officer(agency), RECORD, id=declaration_id, r=result)[
            "recordControlResult"
        ]
        assert recorded["agency"] == agency

    seen = _graphql(client, tokens.jtc(), DECISION, id=declaration_id)["declaration"]["decision"]
    assert seen == {
        "version": 1 + len(controlling),
        "released": True,
        "status": "released",
        "note": f"released after control by {' and '.join(controlling)}",
    }
    trader = _graphql(client, tokens.trader(), DECISION, id=declaration_id)
    assert trader["declaration"]["decision"]["released"] is True
