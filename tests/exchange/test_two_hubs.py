"""Two administrations, two hubs, end to end over real HTTPS.

Bulgaria (BG) and Turkey (TR) each run an embedded hub (``hub serve`` over
HTTPS: their own SQLite database, TLS certificate, exchange key pair and
token key) and know each other as partners, each trusting the other's TLS
certificate. Over the wire, each hub signing and checking for itself:

1. TR's lorry leaves under transit: TR sends BG the pre-arrival data; BG's
   trader then reports the same lorry with 19,800 kg against the 23,500 kg
   TR saw leave, and BG's decision carries the mismatch in words.
2. BG warns TR about a container; TR answers with a feedback naming the
   warning; BG links it back to what it sent.
3. BG sends TR its AEO register under their MRA; TR keeps the list and the
   certificates, names included.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.access import Principal, Role, SigningKey
from hub.exchange.keys import keygen
from hub.exchange.messages import (
    ControlOutcome,
    Header,
    MessageKind,
    PreArrival,
    PreArrivalItem,
    RiskFeedback,
    RiskWarning,
    SuspectConsignment,
)
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner
from hub.exchange.wire import to_bytes
from hub.model.finding import RequestedChannel
from hub.store import Store
from tests.services import free_port, hub_process
from tests.tls import localhost_tls

ROOT = Path(__file__).resolve().parents[2]
LORRY_REPORT = ROOT / "message_schemas/cargo_report/samples/valid/road_truck_istanbul_sofia.xml"
WAIT_S = 30.0


@dataclass
class RunningHub:
    """One administration's hub: where it listens, its folder, and tokens for its people."""

    code: str
    url: str
    folder: Path
    client: httpx.Client  # verifies the hub's TLS certificate, nothing else
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    tokens: SigningKey

    def token(self, role: Role, **scope: Any) -> dict[str, str]:
        principal = Principal(subject=f"{role.value}-{self.code}", role=role, **scope)
        return {"Authorization": f"Bearer {self.tokens.issue(principal)}"}

    @property
    def jtc(self) -> dict[str, str]:
        return self.token(Role.JTC)

    def store(self) -> Store:
        return Store.open(self.env["HUB_DATABASE_URL"])


def _registers(folder: Path, code: str, certificates: list[dict[str, Any]]) -> Path:
    """The repository's registers, with this administration's own AEO register."""
    registers = folder / "registers"
    shutil.copytree(ROOT / "registers", registers)
    aeo = yaml.safe_load((registers / "aeo.yaml").read_text())
    aeo["administration"] = code
    aeo["certificates"] = certificates
    (registers / "aeo.yaml").write_text(yaml.safe_dump(aeo))
    return registers


def _prepare(folder: Path, code: str, certificates: list[dict[str, Any]]) -> dict[str, str]:
    folder.mkdir()
    key, cert = keygen(code, folder / "keys")
    tls_cert, tls_key = localhost_tls(folder / "keys")
    return {
        "TEST_TLS_CERT": str(tls_cert),
        "TEST_TLS_KEY": str(tls_key),
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite:///{folder / 'hub.db'}",
        "HUB_ADMINISTRATION": code,
        "HUB_REGISTERS_DIR": str(_registers(folder, code, certificates)),
        "HUB_EXCHANGE_KEY_FILE": str(key),
        "HUB_EXCHANGE_CERT_FILE": str(cert),
        "HUB_TOKEN_KEY_FILE": str(folder / "keys" / "token-key.pem"),
        "HUB_RELAY_INTERVAL_S": "0.2",
        "HUB_EXCHANGE_BACKOFF_S": "0.2",
    }


def _partner(env: dict[str, str], code: str, url: str, **agreed: Any) -> Partner:
    """The partner ``code`` as the other hub configures it: its signing certificate, its
    endpoint, and its TLS certificate as the CA that endpoint is verified with."""
    return Partner(
        code=code,
        name=f"{code} customs",
        certificates=(Path(env["HUB_EXCHANGE_CERT_FILE"]).read_text(),),
        endpoint=f"{url}/v1/exchange",
        tls_ca=env["TEST_TLS_CERT"],
        **agreed,
    )


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningHub, RunningHub]]:
    base = tmp_path_factory.mktemp("two-hubs")
    bg_env = _prepare(
        base / "bg",
        "BG",
        [
            {
                "operator": "BG204455661",
                "name": "Sofia Fresh Market EOOD",
                "type": "AEOF",
                "status": "granted",
                "valid_from": "2023-05-01",
                "issued_by": "BG",
                "reference": "BG AEOF 0412/23",
            }
        ],
    )
    tr_env = _prepare(base / "tr", "TR", [])
    bg_port, tr_port = free_port(), free_port()
    since = date(2020, 1, 1)
    with Store.open(bg_env["HUB_DATABASE_URL"], migrate=True) as store:
        store.record_partner(
            _partner(
                tr_env,
                "TR",
                f"https://127.0.0.1:{tr_port}",
                assistance=MutualAssistance(
                    valid_from=since,
                    sends=(MessageKind.RISK_WARNING, MessageKind.RISK_FEEDBACK),
                    receives=(MessageKind.PRE_ARRIVAL, MessageKind.RISK_FEEDBACK),
                ),
                mra=MutualRecognition(valid_from=since),
            ),
            actor="test",
            at=datetime.now(UTC),
        )
    with Store.open(tr_env["HUB_DATABASE_URL"], migrate=True) as store:
        store.record_partner(
            _partner(
                bg_env,
                "BG",
                f"https://127.0.0.1:{bg_port}",
                assistance=MutualAssistance(
                    valid_from=since,
                    sends=(MessageKind.PRE_ARRIVAL, MessageKind.RISK_FEEDBACK),
                    receives=(MessageKind.RISK_WARNING, MessageKind.RISK_FEEDBACK),
                ),
                mra=MutualRecognition(valid_from=since),
            ),
            actor="test",
            at=datetime.now(UTC),
        )
    with contextlib.ExitStack() as stack:
        bg = _start_on(stack, "BG", base / "bg", bg_env, bg_port)
        tr = _start_on(stack, "TR", base / "tr", tr_env, tr_port)
        yield bg, tr


def _start_on(
    stack: contextlib.ExitStack, code: str, folder: Path, env: dict[str, str], port: int
) -> RunningHub:
    """``hub serve`` on ``port`` (chosen before the partners were configured), once healthy;
    stopped, and its client closed, when ``stack`` closes."""
    args = ["serve", "--port", str(port)]
    args += ["--tls-cert", env["TEST_TLS_CERT"], "--tls-key", env["TEST_TLS_KEY"]]
    process = stack.enter_context(hub_process(args, env, folder / "serve.log"))
    url = f"https://127.0.0.1:{port}"
    client = stack.enter_context(
        httpx.Client(verify=ssl.create_default_context(cafile=env["TEST_TLS_CERT"]), timeout=30)
    )
    end = time.monotonic() + WAIT_S
    while True:
        try:
            if client.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > end:
            raise AssertionError((folder / "serve.log").read_text())
        time.sleep(0.1)
    tokens = SigningKey.load(Path(env["HUB_TOKEN_KEY_FILE"]))
    return RunningHub(code, url, folder, client, env, process, tokens)


def _eventually(what: str, probe: Callable[[], Any], hubs: tuple[RunningHub, ...]) -> Any:
    end = time.monotonic() + WAIT_S
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            logs = "\n".join((h.folder / "serve.log").read_text()[-3000:] for h in hubs)
            raise AssertionError(f"{what}: not within {WAIT_S} s\n{logs}")
        time.sleep(0.1)


def _messages(hub: RunningHub, **query: str) -> list[dict[str, Any]]:
    response = hub.client.get(f"{hub.url}/v1/exchange/messages", params=query, headers=hub.jtc)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["messages"]
    return found


def _send(hub: RunningHub, message: Any) -> str:
    response = hub.client.post(
        f"{hub.url}/v1/exchange/send",
        content=to_bytes(message),
        headers={**hub.jtc, "Content-Type": "application/xml"},
    )
    assert response.status_code == 202, response.text
    sent: str = response.json()["message_id"]
    return sent


def _header(sender: str, receiver: str, message_id: str, *refers: str) -> Header:
    return Header(
        message_id=message_id,
        sender=sender,
        receiver=receiver,
        created_at=datetime.now(UTC),
        refers_to=refers,
    )


def test_pre_arrival_data_from_tr_meets_the_lorry_declared_in_bg(
    hubs: tuple[RunningHub, RunningHub],
) -> None:
    bg, tr = hubs
    now = datetime.now(UTC)
    departure = PreArrival(
        header=_header("TR", "BG", "TR-SEED-0001"),
        declaration_reference="24TR340100NCTS0000071",
        procedure="transit",
        means_id="34 ABC 123",
        means_type="30",
        departure_office="TR340100",
        departed_at=now - timedelta(hours=3),
        consignor_id="TR7770098765",
        consignor_name="Antalya Sera Tarim Ltd Sti",
        consignee_id="BG204455661",
        consignee_name="Sofia Fresh Market EOOD",
        gross_mass=Decimal("23500"),
        containers=("34 TR 4567",),
        items=(PreArrivalItem(sequence=1, commodity_code="070200", origin="TR"),),
    )
    _send(tr, departure)
    _eventually(
        "BG accepts TR's pre-arrival data",
        lambda: _messages(bg, direction="in", kind="pre-arrival"),
        hubs,
    )
    (sent,) = _messages(tr, direction="out", kind="pre-arrival")
    assert sent["status"] == "delivered"
    assert sent["deliveries"][-1]["outcome"] == "delivered"

    # The lorry reaches Kapitan Andreevo: its carrier reports it to BG today.
    stamp = now.isoformat(timespec="seconds")
    report = (
        LORRY_REPORT.read_bytes()
        .replace(b"2024-03-07T14:02:31+03:00", stamp.encode())
        .replace(b"2024-03-08T03:30:00+02:00", stamp.encode())
    )
    trader = bg.token(Role.TRADER, parties=("TR4560012345",))
    response = bg.client.post(
        f"{bg.url}/v1/declarations",
        content=report,
        headers={**trader, "Content-Type": "application/xml"},
        timeout=30,
    )
    assert response.status_code in (200, 201, 202), response.text
    declaration_id = response.json()["declaration_id"]
    decision_url = f"{bg.url}/v1/declarations/{declaration_id}/decision"

    def decided() -> Any:
        response = bg.client.get(decision_url, headers=bg.jtc)
        return response.json() if response.status_code == 200 else None

    decision = _eventually("BG decides on the lorry", decided, hubs)
    findings = [f for a in decision["agencies"].values() for f in a["findings"]]
    (mismatch,) = [f for f in findings if f["source"] == "pre-arrival"]
    assert mismatch["agency"] == "customs"
    words = " ".join(mismatch["indicators"])
    assert "19,800 kg" in words and "23,500 kg" in words, words
    assert "TR" in mismatch["title"]


def test_a_warning_from_bg_and_tr_s_feedback_on_it(hubs: tuple[RunningHub, RunningHub]) -> None:
    bg, tr = hubs
    warning = RiskWarning(
        header=_header("BG", "TR", "BG-RIF-0001"),
        risk_area="ipr",
        summary="Counterfeit sportswear declared as tomatoes in a reefer",
        requested_action=RequestedChannel.RED,
        consignment=SuspectConsignment(container="34 TR 9999", means_id="34 XYZ 789"),
    )
    _send(bg, warning)
    _eventually(
        "TR accepts BG's warning",
        lambda: _messages(tr, direction="in", kind="risk-warning"),
        hubs,
    )
    alerts = tr.client.get(f"{tr.url}/v1/alerts", headers=tr.jtc).json()["alerts"]
    assert [a["subject"] for a in alerts if a["kind"] == "risk-warning"] == ["BG/BG-RIF-0001"]

    feedback = RiskFeedback(
        header=_header("TR", "BG", "TR-FB-0001", "BG-RIF-0001"),
        outcome=ControlOutcome.SEIZURE,
        controls=1,
        hits=1,
        notes="4,200 counterfeit shirts found behind the pallets",
    )
    _send(tr, feedback)
    (received,) = _eventually(
        "BG accepts TR's feedback",
        lambda: _messages(bg, direction="in", kind="risk-feedback"),
        hubs,
    )
    assert received["refers_to"] == ["BG-RIF-0001"]
    assert received["partner"] == "TR"


def test_bg_sends_its_aeo_register_to_tr_under_the_mra(
    hubs: tuple[RunningHub, RunningHub],
) -> None:
    bg, tr = hubs
    response = bg.client.post(
        f"{bg.url}/v1/exchange/aeo-list", json={"partner": "TR"}, headers=bg.jtc
    )
    assert response.status_code == 202, response.text
    assert response.json()["entries"] == 1
    _eventually(
        "TR accepts BG's AEO list", lambda: _messages(tr, direction="in", kind="aeo-list"), hubs
    )
    with tr.store() as store:
        (kept,) = store.partner_aeo_lists("BG")
        certificates = store.aeo_certificates(issued_by="BG")
    assert kept.scope == "full"
    assert [(c.operator, c.name, c.type.value) for c in certificates] == [
        ("BG204455661", "Sofia Fresh Market EOOD", "AEOF")
    ]


def test_a_message_one_hub_did_not_sign_is_refused_by_the_other(
    hubs: tuple[RunningHub, RunningHub],
) -> None:
    bg, _ = hubs
    unsigned = to_bytes(
        RiskFeedback(
            header=_header("TR", "BG", "TR-FB-FORGED", "BG-RIF-0001"),
            outcome=ControlOutcome.NO_FINDING,
        )
    )
    response = bg.client.post(
        f"{bg.url}/v1/exchange", content=unsigned, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 403
    assert response.json()["reason"] == "unsigned"
    assert not [m for m in _messages(bg, direction="in") if m["message_id"] == "TR-FB-FORGED"]
