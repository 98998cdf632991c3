"""``/v1/exchange``, ``/v1/alerts``, ``/v1/partners`` over an embedded hub: a partner's signed
message authenticates itself; the rest is for the roles the access policy names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.access import Principal, Role
from hub.api import create_api
from hub.exchange.wire import to_bytes
from hub.orchestrator import Hub
from tests.api.support import Tokens
from tests.exchange.partners_fixtures import (
    OURS,
    PARTNER,
    PartnerKeys,
    consignment_warning,
    header,
    partner_keys,
    partner_of,
    pre_arrival,
    signed,
)
from tests.orchestrator.support import embedded_hub

XML = {"content-type": "application/xml"}
ROLES = ("trader", "officer", "jtc", "partner", "admin", "none")


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Hub, TestClient, Tokens, PartnerKeys]]:
    folder = tmp_path_factory.mktemp("exchange-api")
    rs = partner_keys(PARTNER, folder / "keys")
    tokens = Tokens(folder)
    with (
        embedded_hub(folder, relay=False) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        hub.store.record_partner(partner_of(rs), actor="admin:ops", at=datetime.now(UTC))
        yield hub, client, tokens, rs


@pytest.fixture
def hub(world: tuple[Hub, TestClient, Tokens, PartnerKeys]) -> Hub:
    return world[0]


@pytest.fixture
def client(world: tuple[Hub, TestClient, Tokens, PartnerKeys]) -> TestClient:
    return world[1]


@pytest.fixture
def tokens(world: tuple[Hub, TestClient, Tokens, PartnerKeys]) -> Tokens:
    return world[2]


@pytest.fixture
def rs(world: tuple[Hub, TestClient, Tokens, PartnerKeys]) -> PartnerKeys:
    return world[3]


def _as(tokens: Tokens, role: str) -> dict[str, str]:
    if role == "trader":
        return tokens.trader()
    if role == "officer":
        return tokens.officer("customs")
    if role == "jtc":
        return tokens.jtc()
    if role == "partner":
        return tokens.headers(
            Principal(subject="rs-gateway", role=Role.PARTNER, administration=PARTNER)
        )
    if role == "admin":
        return tokens.admin()
    return {}


def _seed(rs: PartnerKeys, message_id: str) -> bytes:
    return signed(pre_arrival(header(message_id, datetime.now(UTC))), rs)


# ---------------------------------------------------------------- POST /v1/exchange


def test_a_signed_message_needs_no_token(client: TestClient, rs: PartnerKeys) -> None:
    response = client.post("/v1/exchange", content=_seed(rs, "RS-API-1"), headers=XML)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "accepted": "RS-API-1",
        "kind": "pre-arrival",
        "partner": PARTNER,
        "profile": None,
    }


def test_the_partners_own_token_is_welcome(
    client: TestClient, tokens: Tokens, rs: PartnerKeys
) -> None:
    response = client.post(
        "/v1/exchange", content=_seed(rs, "RS-API-2"), headers={**XML, **_as(tokens, "partner")}
    )
    assert response.status_code == 202, response.text


def test_a_trader_token_may_not_deliver_exchange_messages(
    hub: Hub, client: TestClient, tokens: Tokens, rs: PartnerKeys
) -> None:
    response = client.post(
        "/v1/exchange", content=_seed(rs, "RS-API-3"), headers={**XML, **tokens.trader()}
    )
    assert response.status_code == 403
    assert hub.store.exchange_message("in", PARTNER, "RS-API-3") is None


def test_a_token_of_another_administration_is_not_authenticated(
    client: TestClient, tokens: Tokens, rs: PartnerKeys
) -> None:
    fr = tokens.headers(Principal(subject="fr-gateway", role=Role.PARTNER, administration="FR"))
    response = client.post("/v1/exchange", content=_seed(rs, "RS-API-4"), headers={**XML, **fr})
    assert response.status_code == 401
    assert "FR" in response.json()["detail"]


def _problem(response: Any, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["reason"] == reason
    return body


def test_an_unsigned_message_is_forbidden_with_its_reason(client: TestClient) -> None:
    unsigned = to_bytes(pre_arrival(header("RS-API-5", datetime.now(UTC))))
    body = _problem(client.post("/v1/exchange", content=unsigned, headers=XML), 403, "unsigned")
    assert body["where"] == "Signature"


def test_a_replay_is_a_conflict(client: TestClient, rs: PartnerKeys) -> None:
    raw = _seed(rs, "RS-API-6")
    assert client.post("/v1/exchange", content=raw, headers=XML).status_code == 202
    body = _problem(client.post("/v1/exchange", content=raw, headers=XML), 409, "replayed")
    assert body["where"] == "Header/MessageID"


def test_malformed_xml_is_a_bad_request(client: TestClient) -> None:
    _problem(client.post("/v1/exchange", content=b"<PreArrival>", headers=XML), 400, "malformed")


# ---------------------------------------------------------------- who may do what


def _send_body(message_id: str) -> bytes:
    warning = consignment_warning(
        header(message_id, datetime.now(UTC), sender=OURS, receiver=PARTNER),
        container="MSCU1234565",
    )
    return to_bytes(warning)


ROUTES: dict[str, tuple[str, str, dict[str, Any], set[str], int]] = {
    # name: method, path, request keywords, roles allowed, status when allowed
    "messages": ("GET", "/v1/exchange/messages", {}, {"jtc"}, 200),
    "alerts": ("GET", "/v1/alerts", {}, {"jtc"}, 200),
    "acknowledge": ("POST", "/v1/alerts/987654/acknowledge", {}, {"jtc"}, 404),
    "send": ("POST", "/v1/exchange/send", {"headers": XML}, {"jtc"}, 202),
    "aeo-list": ("POST", "/v1/exchange/aeo-list", {"json": {"partner": PARTNER}}, {"jtc"}, 202),
    "partners": ("GET", "/v1/partners", {}, {"jtc", "admin"}, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(ROUTES))
def test_only_the_roles_the_policy_allows(
    client: TestClient, tokens: Tokens, route: str, role: str
) -> None:
    method, path, request, allowed, status = ROUTES[route]
    kw = dict(request)
    if route == "send":
        kw["content"] = _send_body(f"GB-API-{role}")
    kw["headers"] = {**kw.get("headers", {}), **_as(tokens, role)}
    response = client.request(method, path, **kw)
    expected = 401 if role == "none" else status if role in allowed else 403
    assert response.status_code == expected, response.text


def test_the_jtc_reads_what_was_sent_and_received(
    client: TestClient, tokens: Tokens, rs: PartnerKeys
) -> None:
    assert (
        client.post("/v1/exchange", content=_seed(rs, "RS-API-7"), headers=XML).status_code == 202
    )
    sent = client.post(
        "/v1/exchange/send", content=_send_body("GB-API-OUT-1"), headers={**XML, **tokens.jtc()}
    )
    assert sent.status_code == 202, sent.text
    listed = client.get("/v1/exchange/messages", headers=tokens.jtc()).json()["messages"]
    by_id = {m["message_id"]: m for m in listed}
    assert by_id["RS-API-7"]["direction"] == "in" and by_id["RS-API-7"]["status"] == "accepted"
    out = by_id["GB-API-OUT-1"]
    assert out["direction"] == "out" and out["id"] == sent.json()["queued"]
    partners = client.get("/v1/partners", headers=tokens.admin()).json()["partners"]
    assert [p["code"] for p in partners] == [PARTNER]


def test_every_acknowledgement_is_audited(
    hub: Hub, client: TestClient, tokens: Tokens, rs: PartnerKeys
) -> None:
    warning = consignment_warning(header("RS-API-RW", datetime.now(UTC)), container="TGHU7654321")
    assert client.post("/v1/exchange", content=signed(warning, rs), headers=XML).status_code == 202
    [alert] = [
        a
        for a in client.get("/v1/alerts", headers=tokens.jtc()).json()["alerts"]
        if a["subject"] == "RS/RS-API-RW"
    ]

    path = f"/v1/alerts/{alert['id']}/acknowledge"
    response = client.post(path, headers=tokens.jtc("analyst-7"))
    assert response.status_code == 200 and response.json() == {"acknowledged": alert["id"]}
    assert client.post(path, headers=tokens.jtc("analyst-8")).status_code == 404  # once only

    [audited] = [
        e
        for e in hub.store.audit_trail()
        if e.action == "alert.acknowledged" and e.subject == "RS/RS-API-RW"
    ]
    assert audited.actor == "jtc:analyst-7"
    assert audited.detail == {"alert": alert["id"], "kind": "risk-warning"}
    still_open = client.get("/v1/alerts", headers=tokens.jtc()).json()["alerts"]
    assert alert["id"] not in [a["id"] for a in still_open]
