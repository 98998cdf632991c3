"""``/v1/ratings``: the JTC and the AEO programme owner's officers read them; nobody else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from hub.rating import Rating, RatingBand
from tests.api.support import Tokens

LOW = Rating(
    party="GB-BAD",
    score=20,
    band=RatingBand.LOW,
    reasons=("3 of 4 controls found something (75 %)",),
    rated_at=datetime(2026, 11, 26, tzinfo=UTC),
    basis={"controls": 4},
)


@pytest.fixture
def rated(client: TestClient) -> TestClient:
    client.app.state.hub.store.record_ratings([LOW], LOW.rated_at)  # type: ignore[attr-defined]
    return client


def test_the_jtc_and_customs_read_ratings(rated: TestClient, tokens: Tokens) -> None:
    for headers in (tokens.jtc(), tokens.officer("customs")):
        one = rated.get("/v1/ratings/GB-BAD", headers=headers)
        assert one.status_code == 200 and one.json()["score"] == 20
        assert one.json()["reasons"] == ["3 of 4 controls found something (75 %)"]
        low = rated.get("/v1/ratings", params={"band": "low"}, headers=headers)
        assert [r["party"] for r in low.json()] == ["GB-BAD"]
        assert rated.get("/v1/ratings", params={"band": "high"}, headers=headers).json() == []
        assert rated.get("/v1/ratings/audit-proposals", headers=headers).status_code == 200
        application = rated.get("/v1/ratings/GB553202734852/aeo-application", headers=headers)
        assert application.status_code == 200 and application.json()["recommendation"]


def test_an_unrated_party_is_a_404(rated: TestClient, tokens: Tokens) -> None:
    assert rated.get("/v1/ratings/GB-NOBODY", headers=tokens.jtc()).status_code == 404
    assert (
        rated.get("/v1/ratings/GB-NOBODY/aeo-application", headers=tokens.jtc()).status_code == 404
    )


@pytest.mark.parametrize("who", ["trader", "vet", "admin"])
def test_traders_other_agencies_and_admins_never_read_ratings(
    rated: TestClient, tokens: Tokens, who: str
) -> None:
    headers = {
        "trader": tokens.trader("GB-BAD"),
        "vet": tokens.officer("vet"),
        "admin": tokens.admin(),
    }[who]
    for path in (
        "/v1/ratings/GB-BAD",
        "/v1/ratings",
        "/v1/ratings/audit-proposals",
        "/v1/ratings/GB-BAD/aeo-application",
    ):
        assert rated.get(path, headers=headers).status_code == 403, path
