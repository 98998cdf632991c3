"""The JTC's GraphQL API over an embedded hub, through the real FastAPI app.

Customs and police answer through function adapters with known findings
(police one open, one confidential) so the need-to-know matrix is exact;
vet assesses the frozen chicken for real (VET-ORG-002, red).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from adapters import FunctionAdapter
from hub.api import create_api
from hub.api.graphql import MAX_DEPTH
from hub.decision import Lane
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from hub.orchestrator import Hub
from tests.api.support import Tokens, later_slot
from tests.orchestrator.support import CHICKEN, embedded_hub

XML = {"content-type": "application/xml"}
OFFICE = "GB000051"  # the chicken's calendar office


def customs(view: Declaration) -> list[Finding]:
    return [Finding(agency="customs", profile_id="CUS-T-1", channel=RequestedChannel.YELLOW)]


def police(view: Declaration) -> list[Finding]:
    return [
        Finding(agency="police", profile_id="POL-OPEN-1", channel=RequestedChannel.ORANGE),
        Finding(
            agency="police",
            profile_id="POL-INTEL-1",
            channel=RequestedChannel.ORANGE,
            confidential=True,
        ),
    ]


ADAPTERS = {
    "customs": FunctionAdapter(customs, agency="customs"),
    "police": FunctionAdapter(police, agency="police"),
}

FINDINGS = """
query($id: ID!) {
  declaration(id: $id) {
    id routedAgencies
    decision { status channel agencies { agency findingsWithheld findings { profileId } } }
  }
}"""


class Api:
    """A client posting GraphQL as one principal or another."""

    def __init__(self, client: TestClient, tokens: Tokens, hub: Hub) -> None:
        self.client = client
        self.tokens = tokens
        self.hub = hub

    def post(self, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        body = self.post(headers, query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def error_code(self, headers: dict[str, str], query: str, **variables: Any) -> str:
        body = self.post(headers, query, **variables)
        assert body.get("errors"), body
        code: str = body["errors"][0]["extensions"]["code"]
        return code

    def submit(self) -> str:
        response = self.client.post(
            "/v1/declarations?wait=10",
            content=CHICKEN.read_bytes(),
            headers=self.tokens.trader(**XML),
        )
        assert response.status_code == 200, response.text
        declaration_id: str = response.json()["declaration_id"]
        return declaration_id


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    tokens = Tokens(tmp_path)
    with (
        embedded_hub(tmp_path, adapters=ADAPTERS) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        yield Api(client, tokens, hub)


@pytest.fixture
def chicken(api: Api) -> str:
    return api.submit()


def findings_of(declaration: dict[str, Any]) -> dict[str, list[str]]:
    return {
        a["agency"]: [f["profileId"] for f in a["findings"]]
        for a in declaration["decision"]["agencies"]
    }


# Need to know


def test_the_jtc_sees_every_finding_and_its_confidential_read_is_audited(
    api: Api, chicken: str
) -> None:
    seen = api.data(api.tokens.jtc(), FINDINGS, id=chicken)["declaration"]
    assert findings_of(seen) == {
        "customs": ["CUS-T-1"],
        "police": ["POL-OPEN-1", "POL-INTEL-1"],
        "vet": ["VET-ORG-002"],
    }
    assert set(seen["routedAgencies"]) == {"customs", "police", "vet"}
    reads = [e for e in api.hub.store.audit_trail() if e.action == "read.confidential"]
    assert [(e.actor, e.subject, e.detail["findings"]) for e in reads] == [
        ("jtc:analyst-1", chicken, 1)
    ]


def test_a_decision_read_without_findings_is_not_audited_as_confidential(
    api: Api, chicken: str
) -> None:
    query = "query($id: ID!) { declaration(id: $id) { decision { channel } } }"
    assert api.data(api.tokens.jtc(), query, id=chicken)["declaration"]["decision"] == {
        "channel": "RED"
    }
    assert not [e for e in api.hub.store.audit_trail() if e.action == "read.confidential"]


def test_an_officer_sees_its_own_findings_and_those_shared_with_its_agency(
    api: Api, chicken: str
) -> None:
    vet = api.data(api.tokens.officer("vet"), FINDINGS, id=chicken)["declaration"]
    assert findings_of(vet) == {"customs": ["CUS-T-1"], "police": [], "vet": ["VET-ORG-002"]}
    withheld = {a["agency"]: a["findingsWithheld"] for a in vet["decision"]["agencies"]}
    assert withheld == {"customs": False, "police": True, "vet": False}
    customs_view = api.data(api.tokens.officer("customs"), FINDINGS, id=chicken)["declaration"]
    assert findings_of(customs_view)["police"] == ["POL-OPEN-1"]  # never the confidential one
    assert not [e for e in api.hub.store.audit_trail() if e.action == "read.confidential"]


def test_a_trader_sees_its_declaration_without_findings_and_no_other(
    api: Api, chicken: str
) -> None:
    query = """query($id: ID!) { declaration(id: $id) {
        routedAgencies controlResults { agency } raiseRequests { requestId }
        decision { status channel pending reasons agencies { agency }
          examination { place agencies } } } }"""
    seen = api.data(api.tokens.trader(), query, id=chicken)["declaration"]
    assert seen["routedAgencies"] is None and seen["controlResults"] is None
    assert seen["raiseRequests"] is None
    decision = seen["decision"]
    assert decision["status"] == "under-control" and decision["channel"] == "RED"
    assert decision["agencies"] is None and decision["pending"] is None
    assert decision["reasons"] is None
    assert decision["examination"]["place"] and decision["examination"]["agencies"] is None
    other = api.tokens.trader("GB123456789000")
    assert api.data(other, query, id=chicken) == {"declaration": None}
    assert api.data(other, "{ awaiting { id } }") == {"awaiting": []}


def test_an_agency_not_routed_cannot_tell_the_declaration_exists(api: Api, chicken: str) -> None:
    phyto = api.tokens.officer("phyto")
    nested = "query($id: ID!) { declaration(id: $id) { decision { declaration { id } } } }"
    real = api.post(phyto, nested, id=chicken)
    guessed = api.post(phyto, nested, id="DEC-DOES-NOT-EXIST")
    assert real == guessed == {"data": {"declaration": None}}
    assert api.data(phyto, "{ awaiting { id } }") == {"awaiting": []}
    exams = "query($o: String!, $d: Date!) { examinations(office: $o, day: $d) { id } }"
    day = _exam_day(api, chicken)
    assert api.data(phyto, exams, o=OFFICE, d=day) == {"examinations": []}
    assert api.data(api.tokens.jtc(), exams, o=OFFICE, d=day) == {"examinations": [{"id": chicken}]}
    # Acting on it fails exactly as on an id that does not exist.
    act = """mutation($id: ID!) {
        raiseChannel(declarationId: $id, agency: "customs", to: RED, reason: "x") { requestId } }"""
    on_real = api.post(phyto, act, id=chicken)["errors"][0]
    on_guess = api.post(phyto, act, id="DEC-DOES-NOT-EXIST")["errors"][0]
    assert on_real["extensions"] == on_guess["extensions"] == {"code": "NOT_FOUND"}
    assert on_real["message"].replace(chicken, "?") == on_guess["message"].replace(
        "DEC-DOES-NOT-EXIST", "?"
    )


def test_an_administrator_reads_no_declaration(api: Api, chicken: str) -> None:
    admin = api.tokens.admin()
    assert api.data(admin, FINDINGS, id=chicken) == {"declaration": None}
    assert api.data(admin, "{ awaiting { id } }") == {"awaiting": []}
    exams = 'query($d: Date!) { examinations(office: "GB000051", day: $d) { id } }'
    assert api.error_code(admin, exams, d=_exam_day(api, chicken)) == "FORBIDDEN"
    assert api.error_code(admin, "{ profilePerformance { profileId } }") == "FORBIDDEN"


def test_a_missing_or_forged_token_is_the_rest_401(api: Api, tmp_path: Path) -> None:
    forged = Tokens(tmp_path / "elsewhere").jtc()
    for headers in ({}, forged, {"authorization": "Basic abc"}):
        response = api.client.post(
            "/graphql", json={"query": "{ awaiting { id } }"}, headers=headers
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["kind"] == "TokenError"


# Cost


def test_a_query_deeper_than_the_limit_is_refused_before_it_runs(api: Api, chicken: str) -> None:
    def nested(levels: int) -> str:
        inner = "id"
        for _ in range(levels):
            inner = f"decision {{ declaration {{ {inner} }} }}"
        return f"query($id: ID!) {{ declaration(id: $id) {{ {inner} }} }}"

    at_the_limit = api.data(api.tokens.jtc(), nested(3), id=chicken)  # 8 levels with the id
    reached = at_the_limit["declaration"]
    for _ in range(3):
        reached = reached["decision"]["declaration"]
    assert reached == {"id": chicken}
    deep = api.post(api.tokens.jtc(), nested(4), id=chicken)
    assert deep.get("data") is None
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in deep["errors"][0]["message"]


def test_too_many_aliases_are_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: awaiting {{ id }}" for i in range(20)) + " }"
    body = api.post(api.tokens.jtc(), query)
    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"]


# Lists


def test_awaiting_lists_held_declarations_by_filter(api: Api, chicken: str) -> None:
    query = "query($w: DeclarationFilter) { awaiting(where: $w) { id office } }"
    jtc = api.tokens.jtc()

    def ids(**where: Any) -> list[str]:
        return [d["id"] for d in api.data(jtc, query, w=where)["awaiting"]]

    assert ids() == [chicken]
    assert ids(channel="RED", agency="vet", office=OFFICE) == [chicken]
    assert ids(channel="GREEN") == []
    assert ids(agency="phyto") == []
    assert ids(office="XX000000") == []
    assert ids(acceptedFrom="2999-01-01T00:00:00Z") == []
    assert ids(acceptedUntil="2000-01-01T00:00:00Z") == []
    vet = api.data(api.tokens.officer("vet"), query, w={"agency": "vet"})["awaiting"]
    assert vet == [{"id": chicken, "office": OFFICE}]
    assert api.error_code(api.tokens.trader(), query, w={"agency": "vet"}) == "FORBIDDEN"


def test_examinations_by_office_and_day_joint_only(api: Api, chicken: str) -> None:
    query = """query($o: String!, $d: Date!, $j: Boolean!) {
        examinations(office: $o, day: $d, jointOnly: $j) {
          id decision { examination { office lane agencies start } } } }"""
    day = _exam_day(api, chicken)
    listed = api.data(api.tokens.jtc(), query, o=OFFICE, d=day, j=True)["examinations"]
    assert [d["id"] for d in listed] == [chicken]
    exam = listed[0]["decision"]["examination"]
    assert exam["office"] == OFFICE and exam["lane"] == "physical"
    assert len(exam["agencies"]) >= 2 and exam["start"].startswith(day)
    other_day = "2000-01-01"
    assert api.data(api.tokens.jtc(), query, o=OFFICE, d=other_day, j=False) == {"examinations": []}
    assert api.error_code(api.tokens.trader(), query, o=OFFICE, d=day, j=False) == "FORBIDDEN"


# Acts


RAISE = """mutation($id: ID!) {
  raiseChannel(declarationId: $id, agency: "customs", to: RED, reason: "seal broken") {
    requestId toChannel requestedBy approvedAsVersion } }"""
APPROVE = """mutation($id: ID!, $r: Int!) {
  approveRerouting(declarationId: $id, requestId: $r) {
    version agencies { agency channel } declaration { id } } }"""


def test_a_raise_needs_a_second_officer(api: Api, chicken: str) -> None:
    first = api.tokens.officer("vet", "officer-1")
    raised = api.data(first, RAISE, id=chicken)["raiseChannel"]
    assert raised["toChannel"] == "RED" and raised["requestedBy"] == "officer-1"
    assert raised["approvedAsVersion"] is None
    request_id = raised["requestId"]
    assert api.error_code(first, APPROVE, id=chicken, r=request_id) == "REFUSED"
    assert api.hub.decision(chicken).version == 1  # type: ignore[union-attr]
    second = api.tokens.officer("vet", "officer-2")
    approved = api.data(second, APPROVE, id=chicken, r=request_id)["approveRerouting"]
    assert approved["version"] == 2 and approved["declaration"] == {"id": chicken}
    assert {a["agency"]: a["channel"] for a in approved["agencies"]}["customs"] == "RED"
    assert api.error_code(second, APPROVE, id=chicken, r=request_id) == "CONFLICT"
    requests = (
        "query($id: ID!) { declaration(id: $id) { raiseRequests { requestId approvedAsVersion } } }"
    )
    listed = api.data(api.tokens.jtc(), requests, id=chicken)["declaration"]["raiseRequests"]
    assert listed == [{"requestId": request_id, "approvedAsVersion": 2}]
    assert api.error_code(api.tokens.trader(), RAISE, id=chicken) == "FORBIDDEN"


RECORD = """mutation($id: ID!, $r: ControlResultInput!) {
  recordControlResult(declarationId: $id, result: $r) { id agency officer outcome findings } }"""


def test_an_officer_records_a_control_result_counted_against_the_profile(
    api: Api, chicken: str
) -> None:
    result = {
        "decisionVersion": 1,
        "checked": "health certificate and a sample",
        "outcome": "SEIZURE",
        "findings": ["VET-ORG-002"],
    }
    vet = api.tokens.officer("vet")
    recorded = api.data(vet, RECORD, id=chicken, r=result)["recordControlResult"]
    assert recorded["id"] >= 1 and recorded["agency"] == "vet"
    assert recorded["officer"] == "officer-1" and recorded["outcome"] == "SEIZURE"
    assert api.error_code(vet, RECORD, id=chicken, r={**result, "currency": "eur"}) == (
        "BAD_USER_INPUT"
    )
    assert (
        api.error_code(
            api.tokens.officer("customs"), RECORD, id=chicken, r={**result, "agency": "vet"}
        )
        == "FORBIDDEN"
    )
    assert api.error_code(api.tokens.officer("phyto"), RECORD, id=chicken, r=result) == (
        "NOT_FOUND"
    )
    performance = """{ profilePerformance {
        profileId version agency hits controls controlsWithFinding hitRate valueRecovered
        flaggedForReview reviewReason } }"""
    before = len(list(api.hub.store.audit_trail()))
    jtc = {p["profileId"]: p for p in api.data(api.tokens.jtc(), performance)["profilePerformance"]}
    assert jtc["VET-ORG-002"] == {
        "profileId": "VET-ORG-002",
        "version": jtc["VET-ORG-002"]["version"],
        "agency": "vet",
        "hits": 1,
        "controls": 1,
        "controlsWithFinding": 1,
        "hitRate": 1.0,
        "valueRecovered": 0.0,
        "flaggedForReview": False,
        "reviewReason": None,
    }
    assert isinstance(jtc["VET-ORG-002"]["version"], int)
    assert jtc["POL-INTEL-1"]["hits"] == 1 and jtc["CUS-T-1"]["controls"] == 0
    read = list(api.hub.store.audit_trail())[before:]
    assert [r.action for r in read if r.action.startswith("read.")] == ["read.confidential"]
    mine = api.data(vet, performance)["profilePerformance"]
    assert [p["profileId"] for p in mine] == ["VET-ORG-002"]
    police = api.data(api.tokens.officer("police"), performance)["profilePerformance"]
    assert {p["profileId"]: p["hits"] for p in police} == {"POL-OPEN-1": 1}  # not the secret
    assert api.error_code(vet, '{ profilePerformance(agency: "police") { hits } }') == ("FORBIDDEN")
    results = api.data(
        api.tokens.officer("customs"),
        "query($id: ID!) { declaration(id: $id) { controlResults { agency } } }",
        id=chicken,
    )
    assert results["declaration"]["controlResults"] == []  # vet's result is not customs'


MOVE = """mutation($id: ID!, $s: DateTime!, $r: String!) {
  scheduleExamination(declarationId: $id, start: $s, reason: $r) {
    version note examination { start office lane agencies } } }"""


def test_the_jtc_moves_an_examination_as_a_new_audited_version(api: Api, chicken: str) -> None:
    before = api.hub.decision(chicken)
    assert before is not None and before.examination is not None
    old_day = before.examination.slot.start.date()
    to = later_slot(api.hub, OFFICE)
    jtc = api.tokens.jtc()
    moved = api.data(jtc, MOVE, id=chicken, s=to.isoformat(), r="vet team free")
    shown = moved["scheduleExamination"]
    assert shown["version"] == 2 and datetime.fromisoformat(shown["examination"]["start"]) == to
    assert shown["examination"]["agencies"] == ["police", "vet"]
    assert shown["note"].endswith("to " + to.isoformat() + " by analyst-1 (jtc): vet team free")
    assert [v.version for v in api.hub.history(chicken)] == [1, 2]
    assert api.hub.store.examinations_on(OFFICE, old_day) == []
    assert api.hub.store.examinations_on(OFFICE, to.date()) == [(chicken, True)]
    assert api.hub.store.capacity(OFFICE).booked == {(OFFICE, Lane.PHYSICAL, to.date()): 1}
    (entry,) = [e for e in api.hub.store.audit_trail() if e.action == "examination.moved"]
    assert (entry.actor, entry.subject, entry.detail["version"]) == ("jtc:analyst-1", chicken, 2)
    assert entry.detail["to"] == to.isoformat() and entry.detail["reason"] == "vet team free"
    assert api.error_code(jtc, MOVE, id=chicken, s=to.isoformat(), r="again") == "REFUSED"
    off_grid = (to + timedelta(minutes=30)).isoformat()
    assert api.error_code(jtc, MOVE, id=chicken, s=off_grid, r="half past") == "REFUSED"


def test_only_the_jtc_and_agencies_taking_part_move_an_examination(api: Api, chicken: str) -> None:
    to = later_slot(api.hub, OFFICE).isoformat()
    assert api.error_code(api.tokens.trader(), MOVE, id=chicken, s=to, r="x") == "FORBIDDEN"
    customs = api.tokens.officer("customs")  # routed, but checks documents: not at the control
    assert api.error_code(customs, MOVE, id=chicken, s=to, r="x") == "FORBIDDEN"
    assert api.error_code(api.tokens.officer("phyto"), MOVE, id=chicken, s=to, r="x") == (
        "NOT_FOUND"
    )
    assert [v.version for v in api.hub.history(chicken)] == [1]
    vet = api.data(api.tokens.officer("vet"), MOVE, id=chicken, s=to, r="vet team free")
    assert vet["scheduleExamination"]["version"] == 2


# Subscription


SUBSCRIBE = "subscription { decisionChanges { kind declaration { id } decision { version } } }"


def test_the_subscription_streams_a_new_held_declaration(api: Api) -> None:
    with api.client.websocket_connect(
        "/graphql", subprotocols=["graphql-transport-ws"], headers=api.tokens.jtc()
    ) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIBE}})
        declaration_id = api.submit()
        message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["decisionChanges"] == {
            "kind": "NEW_HELD",
            "declaration": {"id": declaration_id},
            "decision": {"version": 1},
        }
        ws.send_json({"type": "complete", "id": "1"})


def test_a_browser_passes_its_token_as_a_websocket_subprotocol(api: Api) -> None:
    token = api.tokens.jtc()["authorization"].removeprefix("Bearer ")
    offered = ["graphql-transport-ws", f"bearer.{token}"]
    with api.client.websocket_connect("/graphql", subprotocols=offered) as ws:
        assert ws.accepted_subprotocol == "graphql-transport-ws"  # never echoes the token
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
    forged = ["graphql-transport-ws", "bearer.not-a-token"]
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        api.client.websocket_connect("/graphql", subprotocols=forged) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 1008


def test_a_subscription_without_a_token_is_closed(api: Api) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 1008


def _exam_day(api: Api, declaration_id: str) -> str:
    decision = api.hub.decision(declaration_id)
    assert decision is not None and decision.examination is not None
    start: datetime = decision.examination.slot.start
    return start.date().isoformat()
