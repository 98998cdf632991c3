"""Who sees what through REST: the whole matrix of roles, resources and actions.

One decided declaration (frozen chicken: customs, police and vet concerned),
with findings chosen so every visibility rule shows: customs' finding is
shared with every agency, police's plain finding only with customs and the
JTC, police's confidential finding with the JTC alone, vet's own red.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters import FunctionAdapter
from hub.access import Principal, Role, SigningKey
from hub.api import create_api
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from hub.orchestrator import Hub
from tests.api.support import TRADER, Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub

XML = {"content-type": "application/xml"}
CUSTOMS_FINDING = Finding(
    agency="customs",
    profile_id="CUS-VAL-1",
    title="valuation check",
    channel=RequestedChannel.YELLOW,
)
POLICE_PLAIN = Finding(
    agency="police",
    profile_id="POL-ROUTE-1",
    title="route of concern",
    channel=RequestedChannel.ORANGE,
)
POLICE_SECRET = Finding(
    agency="police",
    profile_id="POL-INTEL-7",
    title="informant: consignee under investigation",
    channel=RequestedChannel.ORANGE,
    confidential=True,
)


def _answer(*found: Finding) -> FunctionAdapter:
    def answer(view: Declaration) -> list[Finding]:
        return list(found)

    return FunctionAdapter(answer, agency=found[0].agency)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Hub, TestClient, Tokens, str]]:
    folder = tmp_path_factory.mktemp("access")
    tokens = Tokens(folder)
    adapters = {
        "customs": _answer(CUSTOMS_FINDING),
        "police": _answer(POLICE_PLAIN, POLICE_SECRET),
    }
    with (
        embedded_hub(folder, adapters=adapters) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        submitted = client.post(
            "/v1/declarations", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
        )
        assert submitted.status_code == 202, submitted.text
        declaration_id = submitted.json()["declaration_id"]
        assert hub.wait_for_decision(declaration_id, 10) is not None
        yield hub, client, tokens, declaration_id


def _get(world: tuple[Hub, TestClient, Tokens, str], path: str, headers: dict[str, str]) -> Any:
    _, client, _, declaration_id = world
    return client.get(f"/v1/declarations/{declaration_id}{path}", headers=headers)


def _profiles(contract: dict[str, Any], agency: str) -> set[str]:
    return {f.get("profile_id", f.get("source")) for f in contract["agencies"][agency]["findings"]}


# Reading the decision


def test_the_jtc_reads_every_finding_and_its_confidential_read_is_audited(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, _, tokens, declaration_id = world
    before = sum(1 for e in hub.store.audit_trail() if e.action == "read.confidential")
    seen = _get(world, "/decision", tokens.jtc()).json()
    assert _profiles(seen, "police") == {"POL-ROUTE-1", "POL-INTEL-7"}
    assert _profiles(seen, "customs") == {"CUS-VAL-1"}
    reads = [e for e in hub.store.audit_trail() if e.action == "read.confidential"]
    assert len(reads) == before + 1
    assert reads[-1].actor == "jtc:analyst-1" and reads[-1].subject == declaration_id


@pytest.mark.parametrize(
    ("agency", "sees", "withheld"),
    [
        ("vet", {"vet", "customs"}, {"police"}),  # police shares with customs and the JTC only
        ("customs", {"customs", "police", "vet"}, {"police"}),  # never the confidential one
        ("police", {"police", "customs"}, {"vet"}),  # vet shares with customs and the JTC
    ],
)
def test_an_officer_reads_what_the_agencies_share_and_never_a_confidential_finding(
    world: tuple[Hub, TestClient, Tokens, str], agency: str, sees: set[str], withheld: set[str]
) -> None:
    hub, _, tokens, _ = world
    reads_before = sum(1 for e in hub.store.audit_trail() if e.action == "read.confidential")
    seen = _get(world, "/decision", tokens.officer(agency)).json()
    assert set(seen["agencies"]) == {"customs", "police", "vet"}  # statuses are for all
    with_findings = {n for n, a in seen["agencies"].items() if a["findings"]}
    assert with_findings == sees
    for name in withheld:
        assert seen["agencies"][name].get("findings_withheld") is True
    text = str(seen)
    assert "POL-INTEL-7" not in text and "informant" not in text
    reads = sum(1 for e in hub.store.audit_trail() if e.action == "read.confidential")
    assert reads == reads_before


def test_the_trader_reads_only_the_traders_view(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    tokens = world[2]
    response = _get(world, "/decision", tokens.trader())
    assert response.status_code == 200
    seen = response.json()
    assert set(seen) == {
        "declaration_id",
        "version",
        "status",
        "channel",
        "released",
        "post_clearance_audit",
        "examination",
    }
    text = str(seen)
    for secret in ("CUS-VAL-1", "POL-", "valuation", "informant", "vet", "police"):
        assert secret not in text
    history = _get(world, "/decision/history", tokens.trader()).json()["versions"]
    assert all("agencies" not in v for v in history)


@pytest.mark.parametrize(
    "who",
    ["other-trader", "phyto-officer", "admin", "partner"],
)
@pytest.mark.parametrize("path", ["", "/decision", "/decision/history", "/rerouting"])
def test_those_without_a_need_to_know_get_what_an_unknown_id_gets(
    world: tuple[Hub, TestClient, Tokens, str], who: str, path: str
) -> None:
    _, client, tokens, _ = world
    headers = {
        "other-trader": tokens.trader("GB999999999999"),
        "phyto-officer": tokens.officer("phyto"),
        "admin": tokens.admin(),
        "partner": tokens.headers(
            Principal(subject="fr-dgddi", role=Role.PARTNER, administration="FR")
        ),
    }[who]
    response = _get(world, path, headers)
    unknown = client.get(f"/v1/declarations/DEC-GUESSED0000000000000000{path}", headers=headers)
    assert response.status_code == unknown.status_code == 404
    assert response.json()["title"] == unknown.json()["title"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t, k: {}, "no bearer token"),
        (lambda t, k: {"authorization": "Basic dXNlcjpwdw=="}, "not 'Bearer"),
        (lambda t, k: {"authorization": "Bearer not.a.token"}, "not valid"),
        (
            lambda t, k: {"authorization": f"Bearer {k.issue(Principal('x', Role.JTC))}"},
            "signature does not verify",
        ),
        (
            lambda t, k: {
                "authorization": "Bearer "
                + t.key.issue(
                    Principal("x", Role.JTC),
                    ttl=timedelta(minutes=1),
                    now=datetime.now(UTC) - timedelta(hours=1),
                )
            },
            "expired",
        ),
    ],
)
def test_a_missing_forged_or_expired_token_is_a_401_saying_why(
    world: tuple[Hub, TestClient, Tokens, str], make: Any, reason: str, tmp_path: Path
) -> None:
    _, _, tokens, _ = world
    stranger = SigningKey.load(tmp_path / "stranger.pem", create=True)
    response = _get(world, "/decision", make(tokens, stranger))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert reason in response.json()["detail"]


# Submitting


def test_a_trader_submits_only_for_its_own_parties(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, _ = world

    def submissions() -> int:
        return sum(1 for e in hub.store.audit_trail() if e.action == "submission")

    before = submissions()
    other = CHICKEN.read_bytes().replace(b"7849431S2YFQ", b"OTHER-LRN-1", 1)
    for headers, status in (
        (tokens.trader("GB999999999999", **XML), 403),
        (tokens.officer("customs", **XML), 403),
        (tokens.jtc(**XML), 403),
    ):
        assert client.post("/v1/declarations", content=other, headers=headers).status_code == status
    assert submissions() == before  # nothing stored (each token's first use is audited)
    accepted = client.post("/v1/declarations", content=other, headers=tokens.trader(TRADER, **XML))
    assert accepted.status_code == 202
    submission = [e for e in hub.store.audit_trail() if e.action == "submission"][-1]
    assert submission.subject == accepted.json()["declaration_id"]
    assert submission.actor == "trader:trader-user"


def test_the_same_reference_with_other_content_is_a_409_unless_it_amends(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    _, client, tokens, _ = world
    changed = CHICKEN.read_bytes().replace(b"</Declaration>", b"<!-- v2 --></Declaration>", 1)
    response = client.post("/v1/declarations", content=changed, headers=tokens.trader(**XML))
    assert response.status_code == 409
    assert response.json()["kind"] == "ReferenceInUse"
    assert response.json()["existing"]


# Acting on the decision


def test_control_results_by_the_routed_agency_or_the_jtc_only(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, declaration_id = world
    url = f"/v1/declarations/{declaration_id}/control-results"
    body = {
        "decision_version": 1,
        "checked": "carcasses sampled",
        "outcome": "seizure",
        "value_at_stake": "12500.00",
        "currency": "EUR",
        "findings": ["random"],
    }
    assert client.post(url, json=body, headers=tokens.officer("vet")).status_code == 201
    assert (
        client.post(
            url, json={**body, "agency": "customs"}, headers=tokens.officer("vet")
        ).status_code
        == 403
    )
    assert client.post(url, json=body, headers=tokens.trader()).status_code == 403
    assert client.post(url, json=body, headers=tokens.officer("phyto")).status_code == 404
    assert client.post(url, json=body, headers=tokens.jtc()).status_code == 403  # names no agency
    assert (
        client.post(url, json={**body, "agency": "police"}, headers=tokens.jtc()).status_code == 201
    )
    bad = client.post(url, json={**body, "outcome": "lost"}, headers=tokens.officer("vet"))
    assert bad.status_code == 422
    beyond = client.post(url, json={**body, "decision_version": 9}, headers=tokens.officer("vet"))
    assert beyond.status_code == 422 and "no decision version 9" in beyond.json()["detail"]
    listed = client.get(url, headers=tokens.officer("vet")).json()["results"]
    assert [r["agency"] for r in listed] == ["vet"]  # not police's
    assert [r.agency for r in hub.store.control_results(declaration_id)] == ["vet", "police"]


def test_a_raise_needs_a_second_officer_and_is_approved_once(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, declaration_id = world
    base = f"/v1/declarations/{declaration_id}/rerouting"
    raise_body = {"action": "raise", "agency": "customs", "to": "red", "reason": "new intelligence"}
    assert client.post(base, json=raise_body, headers=tokens.trader()).status_code == 403
    requested = client.post(base, json=raise_body, headers=tokens.officer("vet", "officer-1"))
    assert requested.status_code == 202
    approve = f"{base}/{requested.json()['request_id']}/approve"
    same = client.post(approve, headers=tokens.officer("vet", "officer-1"))
    assert same.status_code == 422 and "two-person" in same.json()["detail"]
    done = client.post(approve, headers=tokens.officer("customs", "officer-2"))
    assert done.status_code == 200
    assert done.json()["agencies"]["customs"]["channel"] == "red"
    again = client.post(approve, headers=tokens.jtc())
    assert again.status_code == 409
    latest = hub.decision(declaration_id)
    assert latest is not None and latest.reroutings[-1].approved_by is not None
    actions = [e.action for e in hub.store.audit_trail() if e.subject == declaration_id]
    assert "rerouting.requested" in actions and "rerouting.approved" in actions


def test_only_the_owning_agency_lowers_its_own_finding(
    world: tuple[Hub, TestClient, Tokens, str],
) -> None:
    hub, client, tokens, declaration_id = world
    base = f"/v1/declarations/{declaration_id}/rerouting"
    lower = {
        "action": "lower",
        "agency": "police",
        "profile_id": "POL-ROUTE-1",
        "to": None,
        "reason": "route cleared by the patrol",
    }
    assert client.post(base, json=lower, headers=tokens.officer("customs")).status_code == 403
    before = hub.decision(declaration_id)
    done = client.post(base, json=lower, headers=tokens.officer("police"))
    assert done.status_code == 200, done.text
    after = hub.decision(declaration_id)
    assert before is not None and after is not None and after.version == before.version + 1
    assert after.reroutings[-1].action.value == "lower"
    no_reason = client.post(base, json={**lower, "reason": ""}, headers=tokens.officer("police"))
    assert no_reason.status_code == 422
