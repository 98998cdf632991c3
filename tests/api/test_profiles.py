"""An agency's profiles and reference lists over the REST API, through the real app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from hub.api import PROBLEM_JSON, create_api
from hub.decision.model import Officer
from hub.feedback import ControlOutcome, ControlResult
from hub.orchestrator import Hub
from hub.rules.registry import FileRegistry
from hub.store.profile_registry import DatabaseRegistry
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub

XML = {"content-type": "application/xml"}
PROFILES = "/v1/agencies/customs/profiles"
PID = "CUS-TST-901"


def chicken_profile(profile_id: str = PID, **changes: Any) -> dict[str, Any]:
    """A customs profile that selects the frozen chicken from Brazil (CHICKEN)."""
    data: dict[str, Any] = {
        "id": profile_id,
        "version": 1,
        "owner": "customs",
        "title": "Poultry from Brazil: check the value",
        "rationale": "Undervalued poultry seen in recent controls.",
        "risk_area": "valuation",
        "assessment": {"probability": "medium", "consequence": "medium"},
        "when": {"commodity": ["0207"], "origin": ["BR"]},
        "score": 55,
        "channel": "yellow",
        "instructions": "Check the invoice against the valuation floor.",
        "validity": {"from": "2026-01-01T00:00:00Z"},
    }
    data.update(changes)
    return data


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with embedded_hub(tmp_path) as the_hub:
        yield the_hub


@pytest.fixture
def client(tmp_path: Path, hub: Hub, tokens: Tokens) -> Iterator[TestClient]:
    app = create_api(hub, signing_key=tokens.key)
    app.state.profile_registry = FileRegistry(tmp_path / "registry")
    with TestClient(app) as c:
        c.headers.update(tokens.officer("customs"))
        yield c


def submit_chicken(client: TestClient, tokens: Tokens) -> str:
    response = client.post(
        "/v1/declarations", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
    )
    assert response.status_code == 202
    declaration_id: str = response.json()["declaration_id"]
    return declaration_id


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_an_officer_takes_its_profile_from_draft_to_retired(
    client: TestClient, hub: Hub, tokens: Tokens
) -> None:
    created = client.post(PROFILES, json=chicken_profile())
    assert created.status_code == 201
    assert created.headers["location"] == f"{PROFILES}/{PID}"
    assert created.json()["profile"]["status"] == "draft"
    listed = client.get(PROFILES).json()["profiles"]
    assert [(p["id"], p["version"], p["status"]) for p in listed] == [(PID, 1, "draft")]

    refused = assert_problem(client.post(f"{PROFILES}/{PID}/activate"), 409)
    assert "only a profile in testing" in refused["detail"]
    testing = client.post(f"{PROFILES}/{PID}/test", json={"reason": "ready for trial"})
    assert testing.status_code == 200
    assert testing.json()["profile"]["version"] == 2
    assert testing.json()["was"] == {"version": 1, "status": "draft"}
    refused = assert_problem(client.post(f"{PROFILES}/{PID}/activate"), 409)
    assert refused["kind"] == "ChangeRefused" and "no back-test" in refused["detail"]

    declaration_id = submit_chicken(client, tokens)
    tried = client.post(
        f"{PROFILES}/{PID}/backtest",
        json={"declarations": [declaration_id], "outcomes": {declaration_id: True}},
    )
    assert tried.status_code == 200
    hits = tried.json()["result"]["profiles"][0]
    assert (hits["profile_id"], hits["version"], hits["declarations"]) == (PID, 2, 1)
    assert hits["hit_rate"] == 1.0
    assert tried.json()["recorded"] is False
    assert_problem(client.post(f"{PROFILES}/{PID}/activate"), 409)  # not recorded: no evidence

    recorded = client.post(
        f"{PROFILES}/{PID}/backtest", json={"declarations": [declaration_id], "record": True}
    )
    assert recorded.status_code == 200 and recorded.json()["recorded"] is True
    active = client.post(f"{PROFILES}/{PID}/activate", json={"reason": "back-test fine"})
    assert active.status_code == 200
    assert active.json()["profile"]["status"] == "active"

    no_reason = assert_problem(client.post(f"{PROFILES}/{PID}/retire"), 422)
    assert no_reason["field"] == "reason"
    retired = client.post(f"{PROFILES}/{PID}/retire", json={"reason": "season over"})
    assert retired.status_code == 200
    assert (retired.json()["profile"]["version"], retired.json()["profile"]["status"]) == (
        4,
        "retired",
    )

    shown = client.get(f"{PROFILES}/{PID}").json()
    assert [v["status"] for v in shown["versions"]] == ["draft", "testing", "active", "retired"]
    assert shown["profile"]["status"] == "retired"
    assert [b["version"] for b in shown["backtests"]] == [2]
    assert shown["changes"][-1]["by"] == "officer:customs:officer-1"
    assert client.get(f"{PROFILES}/{PID}", params={"version": 1}).json()["profile"]["version"] == 1

    trail = [(e.action, e.subject, e.actor) for e in hub.store.audit_trail()]
    ours = [(action, actor) for action, subject, actor in trail if subject == PID]
    assert [action for action, _ in ours] == [
        "profile.publish",
        "profile.test",
        "profile.backtest",
        "profile.backtest",
        "profile.activate",
        "profile.retire",
    ]
    assert {actor for _, actor in ours} == {"officer:customs:officer-1"}
    retirement = next(e for e in hub.store.audit_trail() if e.action == "profile.retire")
    assert retirement.detail["reason"] == "season over"
    assert retirement.detail["from"] == "active"


def test_the_same_profile_again_records_nothing(client: TestClient, hub: Hub) -> None:
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    again = client.post(PROFILES, json=chicken_profile())
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert sum(e.action == "profile.publish" for e in hub.store.audit_trail()) == 1


def test_a_profile_file_is_accepted_as_yaml(client: TestClient) -> None:
    text = yaml.safe_dump(chicken_profile(status="testing"), sort_keys=False)
    created = client.post(PROFILES, content=text, headers={"content-type": "application/yaml"})
    assert created.status_code == 201
    assert created.json()["profile"]["status"] == "testing"


def test_an_invalid_profile_is_a_problem_naming_the_field(client: TestClient, hub: Hub) -> None:
    broken = chicken_profile(when={"commodity": ["7"]})
    problem = assert_problem(client.post(PROFILES, json=broken), 422)
    assert problem["field"] == "when.commodity[0]"
    assert problem["kind"] == "InvalidProfile"
    missing = chicken_profile()
    del missing["score"]
    assert assert_problem(client.post(PROFILES, json=missing), 422)["field"] == "score"
    assert not any(e.action.startswith("profile.") for e in hub.store.audit_trail())
    assert client.get(PROFILES).json()["profiles"] == []


def test_a_profile_must_be_the_agencys_own_and_new(client: TestClient) -> None:
    vets = assert_problem(client.post(PROFILES, json=chicken_profile(owner="vet")), 422)
    assert vets["field"] == "owner"
    live = assert_problem(client.post(PROFILES, json=chicken_profile(status="active")), 422)
    assert live["field"] == "status"


def test_a_profile_must_name_its_agencys_reference_lists(client: TestClient) -> None:
    # Valid as a profile, but the watchlist is police's: customs' rules cannot read it.
    data = chicken_profile(when={"screening": {"watchlist": "police_watchlist"}})
    problem = assert_problem(client.post(PROFILES, json=data), 422)
    assert problem["kind"] == "InvalidProfile"
    assert problem["field"] == "when.screening.watchlist"
    assert client.get(PROFILES).json()["profiles"] == []


def test_another_agencys_profile_is_not_reachable_through_this_one(
    client: TestClient, tokens: Tokens
) -> None:
    vet = tokens.officer("vet", subject="vet-1")
    vet_profile = chicken_profile("VET-TST-901", owner="vet")
    assert (
        client.post("/v1/agencies/vet/profiles", json=vet_profile, headers=vet).status_code == 201
    )
    assert_problem(client.post("/v1/agencies/customs/profiles/VET-TST-901/test"), 404)
    assert_problem(client.get("/v1/agencies/customs/profiles/VET-TST-901"), 404)
    # Nor taken over by publishing the same id as customs'.
    taken = client.post(PROFILES, json=chicken_profile("VET-TST-901"))
    assert_problem(taken, 403)


def test_another_agencys_officer_neither_reads_nor_changes(
    client: TestClient, tokens: Tokens
) -> None:
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    vet = tokens.officer("vet", subject="vet-1")
    assert_problem(client.get(PROFILES, headers=vet), 403)
    assert_problem(client.get(f"{PROFILES}/{PID}", headers=vet), 403)
    assert_problem(client.post(PROFILES, json=chicken_profile(), headers=vet), 403)
    assert_problem(client.post(f"{PROFILES}/{PID}/test", headers=vet), 403)
    assert_problem(client.get("/v1/agencies/customs/reference", headers=vet), 403)
    assert client.get(PROFILES).json()["profiles"][0]["version"] == 1


def test_the_jtc_reads_but_does_not_change(client: TestClient, tokens: Tokens) -> None:
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    jtc = tokens.jtc()
    assert [p["id"] for p in client.get(PROFILES, headers=jtc).json()["profiles"]] == [PID]
    assert client.get(f"{PROFILES}/{PID}", headers=jtc).json()["profile"]["id"] == PID
    refused = assert_problem(client.post(f"{PROFILES}/{PID}/test", headers=jtc), 403)
    assert "does not change" in refused["detail"]
    assert_problem(client.post(PROFILES, json=chicken_profile(), headers=jtc), 403)
    assert client.get(f"{PROFILES}/{PID}").json()["versions"] == [{"version": 1, "status": "draft"}]


def test_traders_and_administrators_are_refused(client: TestClient, tokens: Tokens) -> None:
    for headers in (tokens.trader(), tokens.admin()):
        assert_problem(client.get(PROFILES, headers=headers), 403)
        assert_problem(client.post(PROFILES, json=chicken_profile(), headers=headers), 403)
        assert_problem(client.get("/v1/agencies/customs/reference", headers=headers), 403)
    assert client.get(PROFILES).json()["profiles"] == []


def test_no_token_is_401(client: TestClient) -> None:
    response = client.get(PROFILES, headers={"authorization": ""})
    assert_problem(response, 401)


def test_unknown_agencies_profiles_and_statuses(client: TestClient) -> None:
    assert_problem(client.get("/v1/agencies/nowhere/profiles"), 404)
    assert assert_problem(client.get(f"{PROFILES}/CUS-NOPE-1"), 404)["kind"] == "UnknownProfile"
    assert assert_problem(client.get(PROFILES, params={"status": "live"}), 422)["field"] == "status"


def test_the_status_filter_narrows_the_list(client: TestClient) -> None:
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    testing = chicken_profile("CUS-TST-902", status="testing")
    assert client.post(PROFILES, json=testing).status_code == 201
    drafts = client.get(PROFILES, params={"status": "draft"}).json()["profiles"]
    assert [p["id"] for p in drafts] == [PID]


def test_a_backtest_reads_only_declarations_the_officer_may_read(
    client: TestClient, tokens: Tokens
) -> None:
    declaration_id = submit_chicken(client, tokens)
    phyto = tokens.officer("phyto", subject="phyto-1")
    pest = chicken_profile("PHY-TST-901", owner="phyto", channel="red")
    assert client.post("/v1/agencies/phyto/profiles", json=pest, headers=phyto).status_code == 201
    # Frozen chicken is not routed to phyto: for its officer the declaration does not exist.
    answer = client.post(
        "/v1/agencies/phyto/profiles/PHY-TST-901/backtest",
        json={"declarations": [declaration_id], "record": True},
        headers=phyto,
    )
    assert_problem(answer, 404)
    bad = client.post(f"{PROFILES}/{PID}/backtest", json={"declarations": []})
    assert_problem(bad, 404)  # the profile does not exist yet
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    empty = assert_problem(
        client.post(f"{PROFILES}/{PID}/backtest", json={"declarations": []}), 422
    )
    assert empty["field"] == "declarations"


def test_reference_lists_are_named_and_read(client: TestClient, hub: Hub, tokens: Tokens) -> None:
    lists = client.get("/v1/agencies/customs/reference").json()["lists"]
    names = {lst["name"] for lst in lists}
    assert names == {
        "customs_trader_ratings",
        "customs_valuation_floors",
        "preference_risk_origins",
    }
    assert all(lst["entries"] > 0 for lst in lists)
    floors = client.get("/v1/agencies/customs/reference/customs_valuation_floors").json()
    assert floors["kind"] == "valuation" and floors["entries"][0]["commodity"]
    assert_problem(client.get("/v1/agencies/customs/reference/nope"), 404)

    police = tokens.officer("police", subject="police-1")
    watchlist = client.get("/v1/agencies/police/reference/police_watchlist", headers=police)
    assert watchlist.status_code == 200 and watchlist.json()["kind"] == "watchlist"
    reads = [e for e in hub.store.audit_trail() if e.action == "reference.read"]
    assert [(e.subject, e.actor) for e in reads] == [
        ("police_watchlist", "officer:police:police-1")
    ]


def test_without_a_registry_in_the_state_the_hubs_database_is_used(
    hub: Hub, tokens: Tokens
) -> None:
    with TestClient(create_api(hub, signing_key=tokens.key)) as client:
        response = client.post(PROFILES, json=chicken_profile(), headers=tokens.officer("customs"))
        assert response.status_code == 201
    assert DatabaseRegistry(hub.store).get(PID).version == 1


def _customs_findings(
    hub: Hub, raw: bytes, tokens: Tokens, client: TestClient
) -> tuple[str, set[str | None], list[Any]]:
    """Submit ``raw`` as the trader; its id, the profiles customs selected it with, and how."""
    response = client.post("/v1/declarations", content=raw, headers=tokens.trader(**XML))
    assert response.status_code == 202, response.text
    declaration_id: str = response.json()["declaration_id"]
    decision = hub.wait_for_decision(declaration_id, 10)
    assert decision is not None
    findings = list(decision.agencies["customs"].findings)
    return declaration_id, {f.profile_id for f in findings}, findings


def _another(lrn: str) -> bytes:
    """CHICKEN under another functional reference: a distinct declaration of the same goods."""
    return CHICKEN.read_bytes().replace(b"7849431S2YFQ", lrn.encode(), 1)


def test_an_activation_through_the_api_changes_what_the_running_hub_selects(
    tmp_path: Path, tokens: Tokens
) -> None:
    reload_s = 0.05
    with (
        embedded_hub(tmp_path, profile_reload_s=reload_s) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        client.headers.update(tokens.officer("customs"))
        earlier, selected, _ = _customs_findings(hub, CHICKEN.read_bytes(), tokens, client)
        assert PID not in selected

        red = chicken_profile(channel="red", score=90)
        assert client.post(PROFILES, json=red).status_code == 201
        assert client.post(f"{PROFILES}/{PID}/test").status_code == 200
        tried = client.post(
            f"{PROFILES}/{PID}/backtest", json={"declarations": [earlier], "record": True}
        )
        assert tried.status_code == 200
        assert tried.json()["result"]["profiles"][0]["declarations"] == 1
        time.sleep(reload_s * 3)
        assert PID not in _customs_findings(hub, _another("LIVE-1"), tokens, client)[1]

        activated = client.post(f"{PROFILES}/{PID}/activate", json={"reason": "back-tested"})
        assert activated.status_code == 200
        time.sleep(reload_s * 3)
        _, selected, findings = _customs_findings(hub, _another("LIVE-2"), tokens, client)
        (finding,) = (f for f in findings if f.profile_id == PID)
        assert (finding.channel.value, finding.profile_version) == ("red", 3)

        retired = client.post(f"{PROFILES}/{PID}/retire", json={"reason": "season over"})
        assert retired.status_code == 200
        time.sleep(reload_s * 3)
        assert PID not in _customs_findings(hub, _another("LIVE-3"), tokens, client)[1]


def _control(hub: Hub, declaration_id: str, agency: str, outcome: str, duty: str | None) -> None:
    hub.store.record_control_result(
        ControlResult(
            declaration_id=declaration_id,
            decision_version=1,
            agency=agency,
            officer=Officer(id="officer-1", agency=agency),
            checked="invoice and goods",
            outcome=ControlOutcome(outcome),
            duty_at_stake=None if duty is None else Decimal(duty),
            value_at_stake=Decimal("5000"),
            recorded_at=datetime.now(UTC),
        ),
        actor=f"officer:{agency}:officer-1",
    )


def test_a_backtest_reads_recorded_results_and_compares_a_draft_with_the_active_version(
    client: TestClient, hub: Hub, tokens: Tokens
) -> None:
    first = submit_chicken(client, tokens)
    second, _, _ = _customs_findings(hub, _another("LRN-CHICKEN-2"), tokens, client)
    assert hub.wait_for_decision(first, 10) is not None
    _control(hub, first, "customs", "discrepancy", "300.25")
    _control(hub, first, "vet", "seizure", None)  # vet's result judges no customs profile
    _control(hub, second, "customs", "no-finding", None)
    assert client.post(PROFILES, json=chicken_profile()).status_code == 201
    assert client.post(f"{PROFILES}/{PID}/test").status_code == 200
    both = {"declarations": [first, second]}
    assert client.post(f"{PROFILES}/{PID}/backtest", json={**both, "record": True}).is_success
    assert client.post(f"{PROFILES}/{PID}/activate").status_code == 200  # v3, active
    argentina = chicken_profile(when={"commodity": ["0207"], "origin": ["AR"]})
    assert client.post(PROFILES, json=argentina).status_code == 201  # v4, a draft

    tried = client.post(f"{PROFILES}/{PID}/backtest", json={**both, "compare": True})

    assert tried.status_code == 200, tried.text
    body = tried.json()
    draft, active = body["result"]["profiles"]
    assert (draft["version"], draft["declarations"], draft["hit_rate"]) == (4, 0, None)
    assert (active["version"], active["declarations"], active["hit_rate"]) == (3, 2, 0.5)
    assert active["value_recovered"] == "300.25"
    comparison = body["comparison"]
    assert comparison["basis"] == "same id"
    assert comparison["only_active"]["declaration_ids"] == [first, second]
    assert comparison["only_active"]["detections"] == 1
    assert comparison["only_draft"]["declaration_ids"] == []
    assert body["comparison_summary"][0] == f"{PID} v4 against what it would replace (same id)"
    plain = client.post(f"{PROFILES}/{PID}/backtest", json={**both, "version": 3}).json()
    assert plain["comparison"] is None
    assert plain["result"]["profiles"][0]["hit_rate"] == 0.5
