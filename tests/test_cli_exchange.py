"""``hub partner`` and ``hub exchange``: set up a partner, verify its messages, send ours."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from hub.cli import app
from hub.exchange.keys import SigningIdentity, certificate_info, keygen
from hub.exchange.signing import sign, verify
from hub.store import Store
from tests.conftest import MESSAGE_SCHEMAS

SAMPLES = MESSAGE_SCHEMAS / "exchange" / "samples" / "valid"
NS = "{urn:hub:exchange:1}"


@pytest.fixture
def hub_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded hub of GB whose SQLite file (and so its exchange key) is in ``tmp_path``."""
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_ADMINISTRATION", "GB")
    for name in (
        "HUB_BROKER_URL",
        "HUB_EXCHANGE_KEY_FILE",
        "HUB_EXCHANGE_CERT_FILE",
        "HUB_REGISTERS_DIR",
        "HUB_EXCHANGE_MAX_RETRIES",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _hub(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _store(env: Path) -> Store:
    return Store.open(f"sqlite:///{env / 'hub.db'}", migrate=True)


def _keygen(env: Path, administration: str) -> tuple[Path, Path]:
    code, output = _hub("partner", "keygen", "--administration", administration, "--out", str(env))
    assert code == 0, output
    return env / f"{administration}-exchange-key.pem", env / f"{administration}-exchange-cert.pem"


def _add_xk(env: Path, *extra: str) -> Path:
    """XK as a partner that may send us pre-arrival data; its key pair made in ``env/xk``."""
    _, cert = _keygen(env / "xk", "XK")
    code, output = _hub(
        "partner", "add", "XK", "--name", "Kosovo Customs", "--cert", str(cert),
        "--endpoint", "https://xk.example/v1/exchange", "--receives", "pre-arrival", *extra,
    )  # fmt: skip
    assert code == 0, output
    return env / "xk"


def _signed_by_xk(keys: Path, sample: str, out: Path) -> Path:
    """``sample`` as XK's message to GB created now, signed with XK's key."""
    root = etree.fromstring((SAMPLES / sample).read_bytes())
    for name, value in (
        ("SenderID", "XK"),
        ("ReceiverID", "GB"),
        ("CreationDateTime", datetime.now(UTC).isoformat()),
    ):
        element = root.find(f"{NS}Header/{NS}{name}")
        assert element is not None
        element.text = value
    identity = SigningIdentity.load(keys / "XK-exchange-key.pem", keys / "XK-exchange-cert.pem")
    out.write_bytes(sign(root, identity))
    return out


def test_keygen_writes_a_private_key_and_a_certificate_and_never_overwrites(hub_env: Path) -> None:
    code, output = _hub("partner", "keygen", "--administration", "XK", "--out", str(hub_env))

    key, cert = hub_env / "XK-exchange-key.pem", hub_env / "XK-exchange-cert.pem"
    assert code == 0, output
    assert key.stat().st_mode & 0o777 == 0o600
    assert str(key) in output and str(cert) in output and "never commit" in output
    assert certificate_info(cert.read_bytes()).fingerprint in output
    before = key.read_bytes()

    code, output = _hub("partner", "keygen", "--administration", "XK", "--out", str(hub_env))

    assert code == 2
    assert "already exists" in output and "XK-exchange-key.pem" in output
    assert key.read_bytes() == before


def test_a_partner_added_is_listed_with_its_certificate_and_agreements(hub_env: Path) -> None:
    keys = _add_xk(hub_env, "--sends", "risk-warning", "--mra-from", "2025-01-01")
    info = certificate_info((keys / "XK-exchange-cert.pem").read_bytes())

    code, output = _hub("partner", "list")

    assert code == 0, output
    assert "XK  Kosovo Customs" in output
    assert "https://xk.example/v1/exchange" in output
    assert info.subject in output and info.fingerprint in output
    assert "we send: risk-warning" in output and "they send: pre-arrival" in output
    assert "recognises AEOS, AEOF" in output

    code, output = _hub("partner", "list", "--json")

    (listed,) = json.loads(output)
    assert listed["code"] == "XK"
    assert listed["certificates"][0]["fingerprint"] == info.fingerprint
    assert listed["assistance"]["receives"] == ["pre-arrival"]
    assert listed["assistance"]["in_force"] is True
    assert listed["mra"]["valid_from"] == "2025-01-01"


def test_adding_the_same_code_again_replaces_it_and_is_audited(hub_env: Path) -> None:
    keys = _add_xk(hub_env)
    cert = str(keys / "XK-exchange-cert.pem")

    code, output = _hub("partner", "add", "XK", "--name", "Kosovo", "--cert", cert)

    assert (code, output.strip()) == (0, "updated XK (Kosovo)")
    with _store(hub_env) as store:
        partner = store.partner("XK")
        recorded = [e for e in store.audit_trail() if e.action == "partner.recorded"]
    assert partner is not None and (partner.name, partner.assistance) == ("Kosovo", None)
    assert len(recorded) == 2 and recorded[-1].actor.startswith("cli:")


def test_add_refuses_a_file_that_is_not_a_certificate_naming_it(hub_env: Path) -> None:
    key, _ = _keygen(hub_env, "XK")

    code, output = _hub("partner", "add", "XK", "--name", "Kosovo", "--cert", str(key))

    assert code == 2
    assert f"ERROR {key}: not a PEM X.509 certificate" in output
    with _store(hub_env) as store:
        assert store.partners() == ()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--sends", "aeo-list"],
            "one of: pre-arrival, risk-warning, risk-feedback, seizure-report",
        ),
        (["--receives", "pre-arrival", "--assistance-to", "2020-01-01"], "before the agreement"),
        (["--mra-to", "2030-01-01"], "an MRA starts on a day"),
        (["--amqp", "amqp://xk.example//"], "AMQP delivery needs both"),
    ],
)
def test_add_refuses_an_agreement_it_cannot_record(
    hub_env: Path, args: list[str], says: str
) -> None:
    _, cert = _keygen(hub_env, "XK")

    code, output = _hub("partner", "add", "XK", "--name", "K", "--cert", str(cert), *args)

    assert code == 2
    assert says in " ".join(output.replace("│", " ").split())
    with _store(hub_env) as store:
        assert store.partners() == ()


def test_verify_names_the_signer_and_allows_a_message_the_agreement_covers(
    hub_env: Path,
) -> None:
    keys = _add_xk(hub_env)
    signed = _signed_by_xk(keys, "pre_arrival_mk_export_minimal.xml", hub_env / "in.xml")
    info = certificate_info((keys / "XK-exchange-cert.pem").read_bytes())

    code, output = _hub("exchange", "verify", str(signed))

    assert code == 0, output
    assert f"signed by: {info.subject}, sha256 {info.fingerprint}" in output
    assert "pre-arrival MK-SEED-20250304-118 from XK to GB" in output
    assert "signature: verified" in output
    assert "agreement: allowed" in output

    code, output = _hub("exchange", "verify", "--json", str(signed))

    record = json.loads(output)
    assert (record["signature"], record["agreement"], record["ok"]) == ("verified", "allowed", True)
    with _store(hub_env) as store:  # a forensic check keeps nothing
        assert store.exchange_messages() == [] and store.exchange_refusals() == []


def test_verify_of_a_file_altered_after_signing_fails(hub_env: Path) -> None:
    keys = _add_xk(hub_env)
    signed = _signed_by_xk(keys, "pre_arrival_mk_export_minimal.xml", hub_env / "in.xml")
    text = signed.read_bytes()
    signed.write_bytes(text.replace(b"Vinarija Tikves", b"Vinarija Tikvez", 1))

    code, output = _hub("exchange", "verify", str(signed))

    assert code == 1
    assert "signature: REFUSED altered" in output


def test_verify_of_a_kind_the_agreement_does_not_cover_fails_naming_it(hub_env: Path) -> None:
    keys = _add_xk(hub_env)
    signed = _signed_by_xk(keys, "risk_warning_cigarettes_consignment.xml", hub_env / "rw.xml")

    code, output = _hub("exchange", "verify", str(signed))

    assert code == 1
    assert "signature: verified" in output
    assert "agreement: the agreement with XK does not cover risk-warning from XK" in output


class _Partner(BaseHTTPRequestHandler):
    """A partner's /v1/exchange that accepts anything and keeps what it got."""

    received: list[bytes]

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "accepted"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def partner_server() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Handler", (_Partner,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/exchange", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _as_rs_sending_to_gb(env: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This hub is RS (its key beside the database, valid since before the samples were
    written); GB a partner we may send pre-arrival data to at ``endpoint``."""
    monkeypatch.setenv("HUB_ADMINISTRATION", "RS")
    keygen("RS", env, now=datetime(2025, 1, 1, tzinfo=UTC), days=3650)
    _, gb_cert = _keygen(env / "gb", "GB")
    code, output = _hub(
        "partner", "add", "GB", "--name", "HMRC", "--cert", str(gb_cert),
        "--endpoint", endpoint, "--sends", "pre-arrival",
    )  # fmt: skip
    assert code == 0, output
    return env / "RS-exchange-cert.pem"


def test_send_delivers_the_signed_message_over_http(
    hub_env: Path, partner_server: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = partner_server
    our_cert = _as_rs_sending_to_gb(hub_env, endpoint, monkeypatch)
    sample = SAMPLES / "pre_arrival_rs_transit_truck_to_gb.xml"

    code, output = _hub("exchange", "send", str(sample), "--subject", "DEC-1")

    assert code == 0, output
    assert "delivered to GB: HTTP 202" in output
    assert "would refuse it as too old" in output  # the sample was written in 2025
    (body,) = received
    created = datetime.fromisoformat("2025-03-04T06:12:40+01:00")
    verified = verify(body, [our_cert.read_bytes()], at=created)
    assert verified.document.findtext(f"{NS}Header/{NS}MessageID") == "RS-SEED-2025-0004711"

    code, output = _hub("exchange", "messages", "--direction", "out", "--json")

    record = json.loads(output)
    assert (record["partner"], record["status"], record["subject"]) == ("GB", "delivered", "DEC-1")
    assert [d["outcome"] for d in record["deliveries"]] == ["delivered"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_send_to_an_unreachable_partner_leaves_it_queued_for_the_serving_hub(
    hub_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}/v1/exchange"
    _as_rs_sending_to_gb(hub_env, endpoint, monkeypatch)

    code, output = _hub("exchange", "send", str(SAMPLES / "pre_arrival_rs_transit_truck_to_gb.xml"))

    assert code == 0, output
    assert "queued: the serving hub will retry" in output
    with _store(hub_env) as store:
        (sent,) = store.exchange_messages(direction="out")
        attempts = store.deliveries(sent.row_id)
    assert sent.status == "queued"
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "retrying")]


def test_send_refuses_a_message_whose_sender_is_not_this_hub(hub_env: Path) -> None:
    _, cert = _keygen(hub_env / "rs", "RS")
    code, output = _hub(
        "partner", "add", "RS", "--name", "Serbia", "--cert", str(cert), "--sends", "pre-arrival"
    )
    assert code == 0, output

    code, output = _hub("exchange", "send", str(SAMPLES / "pre_arrival_mk_export_minimal.xml"))

    assert code == 2
    assert "ERROR wrong-sender" in output
    assert "this hub sends as GB, the message says MK" in output
    with _store(hub_env) as store:
        assert store.exchange_messages() == []


def test_alerts_lists_the_open_ones_and_all_with_all(hub_env: Path) -> None:
    now = datetime.now(UTC)
    with Store.open(f"sqlite:///{hub_env / 'hub.db'}", migrate=True) as store:
        store.raise_alert(None, "pre-arrival-unmatched", "XK/M-1", "no declaration", {}, now)
        store.raise_alert(None, "risk-warning", "XK/M-2", "XK warns", {}, now + timedelta(1))
        (warning, _) = store.alerts()
        store.acknowledge_alert(warning.id, by="analyst-7", at=now)

    code, output = _hub("exchange", "alerts")

    assert code == 0, output
    assert "XK/M-1" in output and "no declaration" in output and "XK/M-2" not in output

    code, output = _hub("exchange", "alerts", "--all")

    assert "XK/M-2" in output and "acknowledged by analyst-7" in output
