"""``POST /v1/declarations/{id}/examination``: the JTC or an agency at the control moves it.

Customs answers yellow (a documentary check, no appointment), police orange
and vet red for real (VET-ORG-002): police and vet share one physical
examination at the chicken's calendar office.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters import FunctionAdapter
from hub.api import create_api
from hub.decision import Lane
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from hub.orchestrator import Hub
from tests.api.support import Tokens, later_slot
from tests.orchestrator.support import CHICKEN, embedded_hub

OFFICE = "GB000051"


def customs(view: Declaration) -> list[Finding]:
    return [Finding(agency="customs", profile_id="CUS-T-1", channel=RequestedChannel.YELLOW)]


def police(view: Declaration) -> list[Finding]:
    return [Finding(agency="police", profile_id="POL-1", channel=RequestedChannel.ORANGE)]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    adapters = {
        "customs": FunctionAdapter(customs, agency="customs"),
        "police": FunctionAdapter(police, agency="police"),
    }
    with embedded_hub(tmp_path, adapters=adapters) as the_hub:
        yield the_hub


@pytest.fixture
def client(hub: Hub, tokens: Tokens) -> Iterator[TestClient]:
    with TestClient(create_api(hub, signing_key=tokens.key)) as the_client:
        yield the_client


@pytest.fixture
def chicken(client: TestClient, tokens: Tokens) -> str:
    response = client.post(
        "/v1/declarations?wait=10",
        content=CHICKEN.read_bytes(),
        headers=tokens.trader(**{"content-type": "application/xml"}),
    )
    assert response.status_code == 200, response.text
    declaration_id: str = response.json()["declaration_id"]
    return declaration_id


def _move(
    client: TestClient, headers: dict[str, str], declaration_id: str, to: str, reason: str = "why"
) -> tuple[int, dict[str, object]]:
    response = client.post(
        f"/v1/declarations/{declaration_id}/examination",
        json={"to": to, "reason": reason},
        headers=headers,
    )
    return response.status_code, response.json()


def test_the_jtc_moves_the_examination_to_a_later_slot(
    client: TestClient, tokens: Tokens, hub: Hub, chicken: str
) -> None:
    before = hub.decision(chicken)
    assert before is not None and before.examination is not None
    old_day = before.examination.slot.start.date()
    to = later_slot(hub, OFFICE)
    status, body = _move(client, tokens.jtc(), chicken, to.isoformat(), "both teams on Friday")
    assert status == 200, body
    assert body["version"] == 2
    exam = body["examination"]
    assert isinstance(exam, dict) and datetime.fromisoformat(exam["slot"]["start"]) == to
    assert exam["agencies"] == ["police", "vet"] and exam["lane"] == "physical"
    assert str(body["note"]).endswith("by analyst-1 (jtc): both teams on Friday")
    history = hub.history(chicken)
    assert [d.version for d in history] == [1, 2]
    assert history[1].agencies == history[0].agencies  # only the slot moved
    assert hub.store.examinations_on(OFFICE, old_day) == []
    assert hub.store.capacity(OFFICE).booked == {(OFFICE, Lane.PHYSICAL, to.date()): 1}
    (entry,) = [e for e in hub.store.audit_trail() if e.action == "examination.moved"]
    assert entry.actor == "jtc:analyst-1" and entry.subject == chicken
    assert entry.detail == {
        "version": 2,
        "office": OFFICE,
        "lane": "physical",
        "from": before.examination.slot.start.isoformat(),
        "to": to.isoformat(),
        "over_capacity": False,
        "reason": "both teams on Friday",
    }


def test_the_trader_sees_the_new_time_but_cannot_move_it(
    client: TestClient, tokens: Tokens, hub: Hub, chicken: str
) -> None:
    to = later_slot(hub, OFFICE)
    status, body = _move(client, tokens.trader(), chicken, to.isoformat())
    assert status == 403, body
    assert _move(client, tokens.jtc(), chicken, to.isoformat())[0] == 200
    seen = client.get(f"/v1/declarations/{chicken}/decision", headers=tokens.trader()).json()
    assert datetime.fromisoformat(seen["examination"]["time"]) == to
    assert "note" not in seen and "agencies" not in seen


def test_an_officer_moves_it_only_for_an_agency_taking_part(
    client: TestClient, tokens: Tokens, hub: Hub, chicken: str
) -> None:
    to = later_slot(hub, OFFICE).isoformat()
    assert _move(client, tokens.officer("customs"), chicken, to)[0] == 403  # documents only
    assert _move(client, tokens.officer("phyto"), chicken, to)[0] == 404  # not routed
    assert _move(client, tokens.jtc(), "DEC-UNKNOWN", to)[0] == 404
    status, body = _move(client, tokens.officer("vet"), chicken, to)
    assert status == 200 and body["version"] == 2
    assert body["note"] is not None and "by officer-1 (vet)" in str(body["note"])


def test_a_move_the_calendar_refuses_is_a_422_and_stores_nothing(
    client: TestClient, tokens: Tokens, hub: Hub, chicken: str
) -> None:
    to = later_slot(hub, OFFICE)
    jtc = tokens.jtc()
    off_grid = (to + timedelta(minutes=20)).isoformat()
    status, body = _move(client, jtc, chicken, off_grid)
    assert status == 422 and body["title"] == "Scheduling refused", body
    past = (to - timedelta(days=30)).isoformat()
    assert _move(client, jtc, chicken, past)[1]["title"] == "Scheduling refused"
    assert _move(client, jtc, chicken, to.replace(tzinfo=None).isoformat())[0] == 422
    assert _move(client, jtc, chicken, to.isoformat(), reason="")[0] == 422
    assert [d.version for d in hub.history(chicken)] == [1]
    assert not [e for e in hub.store.audit_trail() if e.action == "examination.moved"]
