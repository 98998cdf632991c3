"""``/metrics``: submissions counted in the API process, decisions read from the store."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters import FunctionAdapter
from hub.api import create_api
from hub.model import Declaration
from hub.model.finding import Finding
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub, quick_agencies

XML = {"content-type": "application/xml"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of ``/metrics``, parsed as Prometheus parses it, by name and labels."""
    response = client.get("/metrics", headers={"authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_decided_submission_is_counted_with_its_channel_and_latency(client: TestClient) -> None:
    before = scrape(client)
    assert value(before, "hub_submissions_total", outcome="accepted", kind="") == 0
    assert value(before, "hub_store_readable") == 1
    response = client.post("/v1/declarations?wait=10", content=CHICKEN.read_bytes(), headers=XML)
    assert response.status_code == 200 and response.json()["channel"] == "red"
    after = scrape(client)
    assert value(after, "hub_submissions_total", outcome="accepted", kind="") == 1
    assert value(after, "hub_submissions_total", outcome="duplicate", kind="") == 0
    assert value(after, "hub_decisions_total", channel="red") == 1
    assert value(after, "hub_decision_latency_seconds_gcount") == 1
    assert 0 < value(after, "hub_decision_latency_seconds_gsum") < 10
    assert value(after, "hub_decision_latency_seconds_bucket", le="+Inf") == 1
    assert value(after, "hub_decision_latency_seconds_bucket", le="10.0") == 1
    info = [labels for name, labels in after if name == "hub_info"]
    assert dict(info[0]) == {"version": "0.1.0", "mode": "embedded", "database": "sqlite"}


def test_the_same_bytes_again_count_as_a_duplicate(client: TestClient) -> None:
    for _ in range(2):
        assert client.post("/v1/declarations", content=CHICKEN.read_bytes(), headers=XML).is_success
    samples = scrape(client)
    assert value(samples, "hub_submissions_total", outcome="accepted", kind="") == 1
    assert value(samples, "hub_submissions_total", outcome="duplicate", kind="") == 1


def test_refused_submissions_are_counted_by_kind(client: TestClient, tokens: Tokens) -> None:
    malformed = b"<?xml version='1.0'?>\n<Declaration>\n  <Unclosed>\n</Declaration>\n"
    response = client.post("/v1/declarations", content=malformed, headers=XML)
    assert response.status_code == 400
    kind = response.json()["kind"]
    jtc = tokens.jtc(**XML)
    assert (
        client.post("/v1/declarations", content=CHICKEN.read_bytes(), headers=jtc).status_code
        == 403
    )
    json_body = {"content-type": "application/json"}
    assert client.post("/v1/declarations", content=b"{}", headers=json_body).status_code == 415
    samples = scrape(client)
    assert value(samples, "hub_submissions_total", outcome="refused", kind=kind) == 1
    assert value(samples, "hub_submissions_total", outcome="refused", kind="AccessDenied") == 1
    assert value(samples, "hub_submissions_total", outcome="refused", kind="http-415") == 1
    assert value(samples, "hub_submissions_total", outcome="accepted", kind="") == 0
    assert value(samples, "hub_decisions_total", channel="red") == 0


def test_other_routes_are_not_submissions(client: TestClient) -> None:
    assert client.get("/v1/declarations/DEC-NOPE/decision").status_code == 404
    assert client.post("/v1/declarations/DEC-NOPE/rerouting", json={}).status_code == 422
    counted = [v for (name, _), v in scrape(client).items() if name == "hub_submissions_total"]
    assert sum(counted) == 0


def test_an_agency_past_its_deadline_is_counted_pending(tmp_path: Path) -> None:
    def slow_vet(view: Declaration) -> list[Finding]:
        time.sleep(1.0)
        return []

    tokens = Tokens(tmp_path)
    adapters = {"vet": FunctionAdapter(slow_vet, agency="vet")}
    with (
        embedded_hub(tmp_path, agencies=quick_agencies(0.8, vet=0.2), adapters=adapters) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as client,
    ):
        response = client.post(
            "/v1/declarations?wait=10", content=CHICKEN.read_bytes(), headers=tokens.trader(**XML)
        )
        assert response.status_code == 200
        samples = scrape(client)
        assert value(samples, "hub_decisions_pending", agency="vet") == 1
        assert value(samples, "hub_decisions_pending", agency="customs") == 0


def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    tokens = Tokens(tmp_path)
    with embedded_hub(tmp_path) as hub:
        first, second = (create_api(hub, signing_key=tokens.key) for _ in range(2))
        assert first.state.metrics is not second.state.metrics
        with TestClient(first) as one, TestClient(second) as two:
            one.post("/v1/declarations", content=b"<x/>", headers=tokens.trader(**XML))
            assert sum(v for (n, _), v in scrape(one).items() if n == "hub_submissions_total") == 1
            assert sum(v for (n, _), v in scrape(two).items() if n == "hub_submissions_total") == 0
