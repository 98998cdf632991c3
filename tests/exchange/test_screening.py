"""The liaison in a running (embedded) hub: partners' data meets the declarations, overdue
pre-arrival data alerts the JTC, and our messages reach a partner's endpoint with retries."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapters import FunctionAdapter
from hub.decision import Decision
from hub.decision.merge import partner_findings_of
from hub.exchange.liaison import Liaison
from hub.exchange.matching import MovementKeys
from hub.model import Declaration
from hub.model.finding import Finding, FindingSource
from hub.orchestrator import Hub
from tests.conftest import MESSAGE_SCHEMAS
from tests.exchange.partners_fixtures import (
    PARTNER,
    PartnerKeys,
    consignment_warning,
    header,
    partner_keys,
    partner_of,
    pre_arrival,
    signed,
)
from tests.orchestrator.support import embedded_hub, quick_agencies, wait_for_versions

ROAD = MESSAGE_SCHEMAS / "cargo_report/samples/valid/road_truck_istanbul_sofia.xml"
REFERENCE = "24RS0000000000777"  # the partner's export declaration in partners_fixtures


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> PartnerKeys:
    return partner_keys(PARTNER, tmp_path_factory.mktemp("keys"))


def _open(tmp_path: Path, rs: PartnerKeys, *, endpoint: str | None = None, **kw: Any) -> Hub:
    hub = embedded_hub(tmp_path, relay=False, exchange_backoff_s=0.05, **kw)
    hub.store.record_partner(
        partner_of(rs, endpoint=endpoint), actor="admin:ops", at=datetime.now(UTC)
    )
    return hub


@pytest.fixture
def hub(tmp_path: Path, rs: PartnerKeys) -> Iterator[Hub]:
    with _open(tmp_path, rs) as h:
        yield h


def _liaison(hub: Hub) -> Liaison:
    assert hub.liaison is not None
    return hub.liaison


def _cargo_report(
    *, report: str = "ANT20240307A", means: str = "34 ABC 123", mass: str = "19800"
) -> bytes:
    """The road cargo report sample, arriving now, with its means of transport and mass set."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    text = ROAD.read_text()
    for pattern, value in (
        (r"<ID>ANT20240307A</ID>", f"<ID>{report}</ID>"),
        (r"<FunctionalReferenceID>[^<]*<", f"<FunctionalReferenceID>REF-{report}<"),
        (r"<IssueDateTime>[^<]*<", f"<IssueDateTime>{now}<"),
        (r"<ArrivalDateTime>[^<]*<", f"<ArrivalDateTime>{now}<"),
        (r"<ID>34 ABC 123</ID>", f"<ID>{means}</ID>"),
        (r'unitCode="KGM">19800<', f'unitCode="KGM">{mass}<'),
    ):
        text, n = re.subn(pattern, value, text)
        assert n == 1, pattern
    return text.encode()


def _announce(hub: Hub, rs: PartnerKeys, message_id: str = "RS-SEED-1", **changes: Any) -> None:
    now = datetime.now(UTC)
    _liaison(hub).receive(signed(pre_arrival(header(message_id, now), **changes), rs))


def _decided(hub: Hub, raw: bytes) -> Decision:
    submitted = hub.submit(raw)
    decision = hub.wait_for_decision(submitted.declaration_id, 10)
    assert decision is not None
    return decision


def _of(decision: Decision, source: FindingSource) -> list[Finding]:
    return [f for a in decision.agencies.values() for f in a.findings if f.source is source]


def _matched_by(hub: Hub) -> str | None:
    [stored] = hub.store.pre_arrival_candidates(
        MovementKeys.of(references=[REFERENCE]),
        departed_after=datetime.now(UTC) - timedelta(days=3),
    )
    return stored.matched_declaration


def test_a_declaration_disagreeing_with_pre_arrival_data_gets_a_finding_in_every_version(
    tmp_path: Path, rs: PartnerKeys
) -> None:
    def slow_phyto(view: Declaration) -> list[Finding]:
        time.sleep(1.0)
        return []

    late = FunctionAdapter(slow_phyto, agency="phyto")
    with _open(
        tmp_path, rs, agencies=quick_agencies(0.8, phyto=0.3), adapters={"phyto": late}
    ) as hub:
        _announce(hub, rs)
        first = _decided(hub, _cargo_report(mass="9800"))

        [found] = _of(first, FindingSource.PRE_ARRIVAL)
        assert found.agency == "customs" and found in first.agencies["customs"].findings
        assert found.indicators == (
            "gross mass 9,800 kg declared against 19,800 kg sent by RS "
            "(50.5 % apart, more than twice the 5 % tolerance)",
        )
        assert found.channel.value == "orange"
        assert _matched_by(hub) == first.declaration_id
        assert first.pending == ("phyto",)

        history = wait_for_versions(hub, first.declaration_id, 2)
    assert "late answer from phyto" in (history[1].note or "")
    assert partner_findings_of(history[1]) == (found,)


def test_a_declaration_agreeing_with_pre_arrival_data_is_matched_without_a_finding(
    hub: Hub, rs: PartnerKeys
) -> None:
    _announce(hub, rs)
    decision = _decided(hub, _cargo_report())
    assert _of(decision, FindingSource.PRE_ARRIVAL) == []
    assert _matched_by(hub) == decision.declaration_id


def test_another_lorry_does_not_match(hub: Hub, rs: PartnerKeys) -> None:
    _announce(hub, rs)
    decision = _decided(hub, _cargo_report(means="06 XYZ 999", mass="9800"))
    assert _of(decision, FindingSource.PRE_ARRIVAL) == []
    assert _matched_by(hub) is None


def test_a_watched_consignment_gets_the_control_the_partner_asked_for(
    hub: Hub, rs: PartnerKeys
) -> None:
    warning = consignment_warning(header("RS-RW-1", datetime.now(UTC)), container="34TR4567")
    _liaison(hub).receive(signed(warning, rs))
    decision = _decided(hub, _cargo_report())

    [watched] = _of(decision, FindingSource.WATCH)
    assert watched.agency == "customs" and watched.channel.value == "red"
    assert watched.indicators == ("container '34TR4567' named in RS's warning RS-RW-1",)
    assert decision.channel.value == "red"


def test_pre_arrival_data_no_declaration_followed_alerts_the_jtc_once(
    hub: Hub, rs: PartnerKeys
) -> None:
    departed = datetime.now(UTC) - timedelta(
        hours=hub.orchestrator.settings.pre_arrival_alert_h + 1
    )
    _announce(hub, rs, departed_at=departed)
    _announce(hub, rs, "RS-SEED-2", departed_at=datetime.now(UTC) - timedelta(hours=1))
    liaison = _liaison(hub)

    assert liaison.sweep() == 1
    [alert] = hub.store.alerts()
    assert (alert.kind, alert.subject) == ("pre-arrival-unmatched", "RS/RS-SEED-1")
    assert "no declaration has followed" in alert.summary
    assert liaison.sweep() == 0
    assert len(hub.store.alerts(open_only=False)) == 1


# ---------------------------------------------------------------- outbound


class Partner(ThreadingHTTPServer):
    """A partner's /v1/exchange that answers from a script, keeping what it was sent."""

    def __init__(self, answers: list[tuple[int, str]]) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.answers = answers
        self.received: list[bytes] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/exchange"


class _Answer(BaseHTTPRequestHandler):
    server: Partner

    def do_POST(self) -> None:
        self.server.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        status, body = self.server.answers.pop(0)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def partner_answering() -> Iterator[Any]:
    servers: list[Partner] = []

    def start(*answers: tuple[int, str]) -> Partner:
        server = Partner(list(answers))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _settled(hub: Hub, row_id: int, timeout: float = 15) -> str:
    end = time.monotonic() + timeout
    while True:
        sent = hub.store.outbound(row_id)
        assert sent is not None
        if sent.status != "queued" or time.monotonic() > end:
            return sent.status
        time.sleep(0.05)


def _send(hub: Hub) -> int:
    liaison = _liaison(hub)
    warning = consignment_warning(liaison.header(PARTNER), container="MSCU1234565")
    return liaison.send(warning, actor="jtc:analyst-1")


@pytest.mark.parametrize(
    ("answers", "outcomes", "status"),
    [
        (
            [(503, "busy"), (503, "busy"), (202, '{"accepted": "x"}')],
            ["retrying", "retrying", "delivered"],
            "delivered",
        ),
        ([(400, '{"reason": "schema"}')], ["failed"], "failed"),
        ([(409, '{"reason": "replayed"}')], ["delivered"], "delivered"),
    ],
    ids=["503-twice-then-202", "400", "409-replayed"],
)
def test_a_message_to_a_partner_is_delivered_retried_or_given_up(
    tmp_path: Path,
    rs: PartnerKeys,
    partner_answering: Any,
    answers: list[tuple[int, str]],
    outcomes: list[str],
    status: str,
) -> None:
    server = partner_answering(*answers)
    with _open(tmp_path, rs, endpoint=server.endpoint) as hub:
        row_id = _send(hub)
        assert _settled(hub, row_id) == status
        deliveries = hub.store.deliveries(row_id)
    assert [(d.attempt, d.outcome) for d in deliveries] == list(enumerate(outcomes, 1))
    assert len(server.received) == len(outcomes)
    assert len(set(server.received)) == 1  # the same signed bytes each time
    assert b"<ds:Signature" in server.received[0]


def test_an_amendment_still_disagreeing_keeps_the_pre_arrival_finding(
    hub: Hub, rs: PartnerKeys
) -> None:
    _announce(hub, rs)
    first = _decided(hub, _cargo_report(mass="9800"))
    assert _of(first, FindingSource.PRE_ARRIVAL)
    amendment = _cargo_report(report="ANT20240307A", mass="9800").replace(
        b"<FunctionCode>9<", b"<FunctionCode>4<"
    )
    amendment = amendment.replace(b"<ID>ANT20240307A</ID>", b"<ID>ANT20240307B</ID>")
    second = _decided(hub, amendment)
    assert second.declaration_id != first.declaration_id
    assert _of(second, FindingSource.PRE_ARRIVAL)
