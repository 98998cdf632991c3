"""Reports end to end: real samples submitted to an embedded hub, control results recorded
through the API, and ``hub report``, ``/v1/reports`` and GraphQL agreeing on the figures;
who may read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from adapters import FunctionAdapter
from hub.api import create_api
from hub.cli import app
from hub.ingest import read
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from hub.orchestrator import Hub
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, DECLARATIONS, embedded_hub

SAMPLES = [
    CHICKEN,
    DECLARATIONS / "TT_IM004a/TT_IM004a.xml",
    DECLARATIONS / "TT_IM014a/TT_IM014a.xml",
]
XML = {"content-type": "application/xml"}
KPI = """query($from: Date!, $to: Date!, $agency: String) {
  kpi(from: $from, to: $to, agency: $agency) {
    from to office agency declarations
    channelMix { channel count share }
    byDay { day green yellow orange red blue }
    toDecision { count medianSeconds p90Seconds p99Seconds }
    toRelease { count medianSeconds p90Seconds p99Seconds }
    agencyTimeouts { agency count }
    jointExaminations separateExaminationsAvoided reroutings } }"""
PROFILES = """query($from: Date, $to: Date, $agency: String) {
  profilePerformance(from: $from, to: $to, agency: $agency) {
    profileId version agency hits controls controlsWithFinding hitRate valueRecovered
    flaggedForReview reviewReason } }"""


def customs(view: Declaration) -> list[Finding]:
    return [
        Finding(
            agency="customs",
            profile_id="CUS-T-1",
            profile_version=3,
            channel=RequestedChannel.YELLOW,
        )
    ]


class Reports:
    def __init__(self, client: TestClient, tokens: Tokens, hub: Hub, url: str) -> None:
        self.client, self.tokens, self.hub, self.url = client, tokens, hub, url
        self.today = datetime.now(UTC).date().isoformat()

    def graphql(self, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(
            app,
            ["report", *args, "--from", self.today, "--to", self.today, "--url", self.url],
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if "json" in args else result.output


@pytest.fixture
def reports(tmp_path: Path) -> Iterator[Reports]:
    tokens = Tokens(tmp_path)
    adapters = {"customs": FunctionAdapter(customs, agency="customs")}
    with (
        embedded_hub(tmp_path, adapters=adapters) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        yield Reports(client, tokens, hub, f"sqlite:///{tmp_path / 'hub.db'}")


@pytest.fixture
def submitted(reports: Reports) -> list[str]:
    """Three samples submitted, two customs controls recorded against CUS-T-1."""
    ids = []
    for path in SAMPLES:
        raw = path.read_bytes()
        trader = reports.tokens.trader(read(raw).submitter or "", **XML)
        response = reports.client.post("/v1/declarations?wait=10", content=raw, headers=trader)
        assert response.status_code == 200, response.text
        ids.append(response.json()["declaration_id"])
    customs_officer = reports.tokens.officer("customs")
    for declaration_id, outcome, duty in (
        (ids[0], "discrepancy", "40.00"),
        (ids[1], "no-finding", None),
    ):
        result = {
            "decision_version": 1,
            "checked": "invoice and packing list",
            "outcome": outcome,
            "duty_at_stake": duty,
            "currency": "EUR",
            "findings": ["CUS-T-1"],
        }
        response = reports.client.post(
            f"/v1/declarations/{declaration_id}/control-results",
            json=result,
            headers=customs_officer,
        )
        assert response.status_code == 201, response.text
    return ids


def test_the_cli_rest_and_graphql_agree_on_the_kpis(reports: Reports, submitted: list[str]) -> None:
    jtc = reports.tokens.jtc()
    rest = reports.client.get(
        "/v1/reports/kpi", params={"from": reports.today, "to": reports.today}, headers=jtc
    )
    assert rest.status_code == 200, rest.text
    body = reports.graphql(jtc, KPI, **{"from": reports.today, "to": reports.today})
    assert "errors" not in body, body
    cli = reports.cli("kpi", "--format", "json")
    assert rest.json() == body["data"]["kpi"] == cli
    assert cli["declarations"] == 3 and cli["toDecision"]["count"] == 3
    goods = [s for s in cli["channelMix"] if s["channel"] != "blue"]
    assert sum(s["count"] for s in goods) == 3 and sum(s["share"] for s in goods) == pytest.approx(
        1
    )
    assert cli["byDay"] == [
        {"day": reports.today, **{s["channel"]: s["count"] for s in cli["channelMix"]}}
    ]
    csv = reports.client.get(
        "/v1/reports/kpi",
        params={"from": reports.today, "to": reports.today, "format": "csv"},
        headers=jtc,
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert "declarations,,3" in csv.text.splitlines()


def test_the_cli_rest_and_graphql_agree_on_profile_performance(
    reports: Reports, submitted: list[str]
) -> None:
    jtc = reports.tokens.jtc()
    period = {"from": reports.today, "to": reports.today}
    rest = reports.client.get("/v1/reports/profiles", params=period, headers=jtc)
    assert rest.status_code == 200, rest.text
    body = reports.graphql(jtc, PROFILES, **period)
    assert "errors" not in body, body
    cli = reports.cli("profiles", "--format", "json")
    assert rest.json() == body["data"]["profilePerformance"] == cli
    (mine,) = [r for r in cli if r["profileId"] == "CUS-T-1"]
    assert mine == {
        "profileId": "CUS-T-1",
        "version": 3,
        "agency": "customs",
        "hits": 3,
        "controls": 2,
        "controlsWithFinding": 1,
        "hitRate": 0.5,
        "valueRecovered": 40.0,
        "flaggedForReview": False,  # 2 controls say too little
        "reviewReason": None,
    }
    assert "CUS-T-1 v3" in reports.cli("profiles")
    review = reports.client.get("/v1/reports/review", params=period, headers=jtc)
    assert review.status_code == 200 and review.json() == []


def test_a_profile_below_the_floor_is_in_the_review(reports: Reports, submitted: list[str]) -> None:
    from hub.kpi import ReviewThresholds

    reports.client.app.state.review_thresholds = ReviewThresholds(  # type: ignore[attr-defined]
        min_controls=2, min_hit_rate=0.6
    )
    period = {"from": reports.today, "to": reports.today}
    review = reports.client.get("/v1/reports/review", params=period, headers=reports.tokens.jtc())
    assert [(r["profileId"], r["reviewReason"]) for r in review.json()] == [
        ("CUS-T-1", "hit rate 50.0 % over 2 controls, below the 60.0 % floor")
    ]
    body = reports.graphql(
        reports.tokens.officer("customs"),
        "query($from: Date!, $to: Date!) {"
        " effectivenessReview(from: $from, to: $to) { profileId } }",
        **period,
    )
    assert body["data"]["effectivenessReview"] == [{"profileId": "CUS-T-1"}]


def test_who_reads_reports(reports: Reports, submitted: list[str]) -> None:
    period = {"from": reports.today, "to": reports.today}
    tokens = reports.tokens
    for path in ("/v1/reports/kpi", "/v1/reports/profiles", "/v1/reports/review"):
        assert reports.client.get(path, params=period, headers=tokens.trader()).status_code == 403
        assert reports.client.get(path, params=period, headers=tokens.admin()).status_code == 403
        vet = tokens.officer("vet")
        other = reports.client.get(path, params={**period, "agency": "customs"}, headers=vet)
        assert other.status_code == 403
        assert reports.client.get(path, params=period, headers=vet).status_code == 200
        assert reports.client.get(path, params=period, headers=tokens.jtc()).status_code == 200
    vet_rows = reports.client.get(
        "/v1/reports/profiles", params=period, headers=tokens.officer("vet")
    )
    assert {r["agency"] for r in vet_rows.json()} <= {"vet"}
    own = reports.client.get("/v1/reports/kpi", params=period, headers=tokens.officer("customs"))
    assert own.json()["agency"] == "customs" and own.json()["declarations"] == 3
    denied = reports.graphql(tokens.officer("vet"), KPI, agency="customs", **period)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert reports.graphql(tokens.trader(), PROFILES)["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )
    backwards = reports.client.get(
        "/v1/reports/kpi", params={"from": reports.today, "to": "2000-01-01"}, headers=tokens.jtc()
    )
    assert backwards.status_code == 422
    assert (
        reports.graphql(tokens.jtc(), KPI, **{"from": reports.today, "to": "2000-01-01"})["errors"][
            0
        ]["extensions"]["code"]
        == "BAD_USER_INPUT"
    )
