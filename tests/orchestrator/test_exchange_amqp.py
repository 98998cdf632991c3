"""The exchange with partners in the distributed hub, and ``hub serve`` over HTTPS.

A ``hub worker --exchange`` process (real RabbitMQ and PostgreSQL, a
per-test queue prefix and schema) takes partners' signed messages from the
inbound queue and delivers ours to a partner's queue; ``hub serve
--tls-cert/--tls-key`` takes them on ``POST /v1/exchange`` over HTTPS. Without
the services the broker tests are skipped, except under CI (env ``CI``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.exchange.amqp_inbox import InboundConsumer, inbound_queue
from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.liaison import Liaison
from hub.exchange.matching import MovementKeys
from hub.exchange.messages import Header, MessageKind, PreArrival
from hub.exchange.partners import MutualAssistance, Partner
from hub.exchange.signing import sign, verify
from hub.exchange.wire import to_element
from hub.orchestrator import load_wiring, open_hub
from hub.settings import Settings
from hub.store import Store
from tests.exchange.pre_arrival_builders import pre_arrival
from tests.services import BROKER_URL, free_port, hub_process, wait_for_consumers
from tests.tls import localhost_tls

US, THEM = "ME", "RS"  # this hub's administration, the partner's
T = TypeVar("T")


# -- partners and their signed messages ---------------------------------------


def _identity(administration: str, folder: Path) -> tuple[SigningIdentity, Path, Path]:
    key, cert = keygen(administration, folder, now=datetime.now(UTC) - timedelta(days=1))
    return SigningIdentity.load(key, cert), key, cert


def _partner(identity: SigningIdentity, **reach: str) -> Partner:
    pre = (MessageKind.PRE_ARRIVAL,)
    return Partner(
        code=THEM,
        name="Serbian customs",
        certificates=(identity.certificate_pem.decode(),),
        assistance=MutualAssistance(valid_from=date(2020, 1, 1), sends=pre, receives=pre),
        **reach,
    )


def _pre_arrival(message_id: str, sender: str = THEM, receiver: str = US) -> PreArrival:
    created = datetime.now(UTC).replace(microsecond=0)
    header = Header(message_id=message_id, sender=sender, receiver=receiver, created_at=created)
    return pre_arrival(header=header)


def _signed_by_partner(identity: SigningIdentity, message_id: str) -> bytes:
    return sign(to_element(_pre_arrival(message_id)), identity)


def _eventually(probe: Callable[[], T | None], what: str, timeout: float = 10) -> T:
    end = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        assert time.monotonic() < end, f"no {what} within {timeout} s"
        time.sleep(0.05)


# -- the services and the processes -------------------------------------------


@pytest.fixture
def prefix(broker: str) -> Iterator[str]:
    """A queue prefix of this test's own; its queues are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}."
    yield name
    with Connection(broker) as conn:
        for queue in ("hub.exchange", "hub.exchange.inbound", "partner.inbox"):
            with contextlib.suppress(Exception):
                conn.channel().queue_delete(name + queue)


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    with Store.open(database, migrate=True) as opened:
        yield opened


def _environment(**hub: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_ADMINISTRATION": US, **hub}


def _exchange_worker(
    settings: Settings, log: Path
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    env = _environment(
        HUB_BROKER_URL=settings.broker_url,
        HUB_DATABASE_URL=settings.database_url,
        HUB_QUEUE_PREFIX=settings.queue_prefix,
    )
    return hub_process(["worker", "--exchange", "--concurrency", "2"], env, log)


def _ready(url: str, queue: str) -> int:
    with Connection(url) as conn:
        return int(conn.channel().queue_declare(queue, passive=True).message_count)


def _publish(url: str, queue: Queue, raw: bytes) -> None:
    """As a partner does: the signed bytes, persistent, confirmed by the broker."""
    with Connection(url, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(
            raw,
            routing_key=queue.routing_key,
            declare=[queue],
            content_type="application/xml",
            content_encoding="binary",
            delivery_mode=2,
        )


# -- inbound ------------------------------------------------------------------


def test_a_worker_takes_partners_messages_from_the_inbound_queue(
    store: Store, database: str, prefix: str, tmp_path: Path
) -> None:
    them, _, _ = _identity(THEM, tmp_path)
    store.record_partner(_partner(them), actor="test", at=datetime.now(UTC))
    settings = Settings(database_url=database, broker_url=BROKER_URL, queue_prefix=prefix)
    queue = inbound_queue(prefix)
    good = _signed_by_partner(them, "RS-PA-0001")
    tampered = _signed_by_partner(them, "RS-PA-0002").replace(b"BG-123-AB", b"BG-123-AC")
    assert tampered != _signed_by_partner(them, "RS-PA-0002")

    def accepted() -> list[str] | None:
        rows = store.exchange_messages(partner=THEM, direction="in")
        return [r.message_id for r in rows] or None

    def refusals(n: int) -> list[str] | None:
        found = store.exchange_refusals()
        return [r.reason for r in reversed(found)] if len(found) >= n else None

    log = tmp_path / "worker.log"
    with _exchange_worker(settings, log) as worker:
        wait_for_consumers(BROKER_URL, [queue.name, prefix + "hub.exchange"], [worker], [log])
        _publish(BROKER_URL, queue, good)
        assert _eventually(accepted, "accepted message", 5) == ["RS-PA-0001"]

        _publish(BROKER_URL, queue, tampered)
        assert _eventually(lambda: refusals(1), "refusal", 5) == ["altered"]

        _publish(BROKER_URL, queue, good)  # delivered twice: accepted once
        assert _eventually(lambda: refusals(2), "refusal", 5) == ["altered", "replayed"]
        assert accepted() == ["RS-PA-0001"]
        # What the message causes was kept with it: its pre-arrival data, to match.
        waiting = store.pre_arrival_candidates(
            MovementKeys.of(means=["BG-123-AB"]), datetime(2026, 1, 1, tzinfo=UTC)
        )
        assert [(w.partner, w.pre_arrival.header.message_id) for w in waiting] == [
            (THEM, "RS-PA-0001")
        ]
    assert worker.poll() is not None
    # Every message was acknowledged: none came back when the worker stopped.
    assert _ready(BROKER_URL, queue.name) == 0, log.read_text()
    stored = store.exchange_message("in", THEM, "RS-PA-0001")
    assert stored is not None and stored.raw == good


def test_a_message_goes_back_to_the_queue_when_the_store_is_unreachable(
    broker: str, prefix: str, tmp_path: Path
) -> None:
    with socket.socket() as s:  # a port nothing listens on: the database is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = f"postgresql+psycopg://postgres@127.0.0.1:{port}/test?connect_timeout=2"
    settings = Settings(database_url=down, broker_url=broker, queue_prefix=prefix)
    with Store.open(down) as store:
        liaison = Liaison(
            store,
            settings,
            administration=US,
            identity=None,
            publisher=None,
            registry=None,
            clock=lambda: datetime.now(UTC),
        )
        inbox = InboundConsumer(liaison, pause_s=0)
        them, _, _ = _identity(THEM, tmp_path)
        _publish(broker, inbox.queue, _signed_by_partner(them, "RS-PA-0003"))
        with Connection(broker) as conn:
            message = _eventually(lambda: inbox.queue(conn.channel()).get(), "message", 5)
            assert _ready(broker, inbox.queue.name) == 0
            inbox(message)
            assert _ready(broker, inbox.queue.name) == 1  # requeued, not lost


# -- outbound -----------------------------------------------------------------


def test_a_worker_delivers_our_signed_message_to_a_partners_queue(
    store: Store, database: str, prefix: str, tmp_path: Path
) -> None:
    partner_queue = Queue(
        prefix + "partner.inbox", Exchange(""), routing_key=prefix + "partner.inbox", durable=True
    )
    them, _, _ = _identity(THEM, tmp_path)
    store.record_partner(
        _partner(them, amqp=BROKER_URL, queue=partner_queue.name),
        actor="test",
        at=datetime.now(UTC),
    )
    us, key, cert = _identity(US, tmp_path)
    settings = Settings(
        database_url=database,
        broker_url=BROKER_URL,
        queue_prefix=prefix,
        administration=US,
        exchange_key_file=key,
        exchange_cert_file=cert,
    )
    log = tmp_path / "worker.log"
    with (
        _exchange_worker(settings, log) as worker,
        open_hub(settings, load_wiring(), relay=False) as hub,
    ):
        wait_for_consumers(BROKER_URL, [prefix + "hub.exchange"], [worker], [log])
        assert hub.liaison is not None
        message = _pre_arrival("ME-PA-0001", sender=US, receiver=THEM)
        row_id = hub.liaison.send(message, actor="officer:customs:o1")
        with Connection(BROKER_URL) as conn:
            waiting = partner_queue(conn.channel())
            waiting.declare()  # the partner's queue, as its broker keeps it
            got = _eventually(lambda: waiting.get(no_ack=True), "delivery")
        verified = verify(got.body, [us.certificate_pem], at=message.header.created_at)
        assert verified.fingerprint == us.fingerprint
        assert got.content_type == "application/xml"

        def settled() -> str | None:
            sent = store.outbound(row_id)
            return sent.status if sent is not None and sent.status != "queued" else None

        assert _eventually(settled, "settled delivery", 5) == "delivered", log.read_text()
        assert [d.outcome for d in store.deliveries(row_id)] == ["delivered"]


# -- hub serve over HTTPS -----------------------------------------------------


def test_hub_serve_takes_partner_messages_over_https_only(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    them, _, _ = _identity(THEM, tmp_path)
    with Store.open(database, migrate=True) as store:
        store.record_partner(_partner(them), actor="test", at=datetime.now(UTC))
    cert, key = localhost_tls(tmp_path)
    port = free_port()
    trusted = ssl.create_default_context(cafile=str(cert))
    args = ["serve", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)]
    log = tmp_path / "serve.log"
    with hub_process(args, _environment(HUB_DATABASE_URL=database), log) as serving:

        def up() -> bool | None:
            assert serving.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                return httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusted).is_success
            return None

        _eventually(up, "HTTPS listener", 20)
        response = httpx.post(
            f"https://127.0.0.1:{port}/v1/exchange",
            content=_signed_by_partner(them, "RS-PA-0100"),
            headers={"Content-Type": "application/xml"},
            verify=trusted,
        )
        assert response.status_code == 202, response.text
        assert response.json()["accepted"] == "RS-PA-0100"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    with Store.open(database) as store:
        assert [r.message_id for r in store.exchange_messages(direction="in")] == ["RS-PA-0100"]


def test_hub_serve_refuses_a_tls_certificate_without_its_key(tmp_path: Path) -> None:
    cert, key = localhost_tls(tmp_path)
    for given in (["--tls-cert", str(cert)], ["--tls-key", str(key)]):
        result = CliRunner().invoke(cli, ["serve", *given])
        assert result.exit_code == 2
        assert "give both --tls-cert and --tls-key" in result.output


def test_an_embedded_hub_has_no_inbound_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    result = CliRunner().invoke(cli, ["worker", "--exchange"])
    assert result.exit_code == 2
    assert "POST /v1/exchange" in result.output
