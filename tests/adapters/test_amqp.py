"""The AMQP adapter against an agency worker in its own process, over the real RabbitMQ.

Skipped only where no broker listens (set ``HUB_TEST_AMQP_URL`` to use
another); under CI, where one always runs, a missing broker fails instead.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from urllib.parse import urlsplit

import amqp.exceptions
import kombu.exceptions
import pytest
from kombu.connection import Connection

from adapters import AmqpAdapter, request_id
from adapters.amqp import map_amqp_errors
from hub.errors import AdapterError, AdapterTimeout, InvalidAdapter
from hub.model import Declaration
from hub.model.finding import RequestedChannel
from tests.adapters.conftest import SERVERS, imported_modules, serving, soon

BROKER = os.environ.get("HUB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="module")
def broker() -> str:
    parts = urlsplit(BROKER)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 5672), timeout=1):
            pass
    except OSError as exc:
        reason = f"RabbitMQ is not reachable at {parts.hostname}:{parts.port}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI runs one: it must be up)")
        pytest.skip(reason)
    return BROKER


@pytest.fixture(scope="module")
def prefix(broker: str) -> Iterator[str]:
    """The queues of an agency worker running in its own process, named for this run."""
    name = f"test.agency.{uuid.uuid4().hex[:12]}"
    # kombu writes the default virtual host "/" as "//"; pika (like the AMQP URI spec) as "/%2F".
    pika_url = broker[:-2] + "/%2F" if broker.endswith("//") else broker
    with serving("amqp_agency.py", pika_url, name):
        yield name


def adapter(broker: str, queue: str) -> closing[AmqpAdapter]:
    return closing(AmqpAdapter(broker, agency="phyto", queue=queue))


def test_the_contract_worker_imports_pika_and_the_standard_library_only() -> None:
    modules = imported_modules(SERVERS / "amqp_agency.py")
    assert modules <= set(sys.stdlib_module_names) | {"__future__", "pika"}, modules


def test_findings_come_back_over_the_broker(
    broker: str, prefix: str, phyto_view: Declaration
) -> None:
    with adapter(broker, f"{prefix}.ok") as amqp_:
        findings = amqp_.assess(phyto_view, soon(2))
    assert [f.item_sequences for f in findings] == [(i.sequence,) for i in phyto_view.goods_items]
    assert {(f.agency, f.channel) for f in findings} == {("phyto", RequestedChannel.YELLOW)}


def test_the_request_carries_expiration_contract_and_idempotency_key(
    broker: str, prefix: str, phyto_view: Declaration
) -> None:
    view = phyto_view.model_copy(update={"message_id": uuid.uuid4().hex})  # not answered yet
    with adapter(broker, f"{prefix}.ok") as amqp_:
        (finding, *_) = amqp_.assess(view, soon(1.5))
    received = dict(i.split("=", 1) for i in finding.indicators)
    assert 1000 < int(received["expiration"]) <= 1500
    assert received["content_type"] == "application/json"
    assert received["x-hub-contract"] == "1.0"
    assert received["x-hub-deadline"].endswith("Z")
    assert received["message_id"] == request_id(view, "phyto")


def test_one_adapter_asks_again_and_gets_the_same_answer(
    broker: str, prefix: str, phyto_view: Declaration
) -> None:
    with adapter(broker, f"{prefix}.ok") as amqp_:
        first = amqp_.assess(phyto_view, soon(2))
        again = amqp_.assess(phyto_view, soon(2))
    assert first == again


def test_no_reply_is_a_timeout_at_the_deadline(
    broker: str, prefix: str, phyto_view: Declaration
) -> None:
    with adapter(broker, f"{prefix}.silent") as amqp_:
        start = time.monotonic()
        with pytest.raises(AdapterTimeout, match="no reply"):
            amqp_.assess(phyto_view, soon(0.3))
    assert time.monotonic() - start < 0.3 + 0.2


def test_a_reply_with_another_correlation_id_is_ignored(
    broker: str, prefix: str, phyto_view: Declaration
) -> None:
    with adapter(broker, f"{prefix}.stray") as amqp_:
        findings = amqp_.assess(phyto_view, soon(2))
    assert {f.channel for f in findings} == {RequestedChannel.YELLOW}  # the stray said red


def test_a_request_nobody_took_by_its_deadline_is_dropped_by_the_broker(
    broker: str, phyto_view: Declaration
) -> None:
    queue = f"test.idle.{uuid.uuid4().hex[:12]}"
    with Connection(broker) as connection:
        channel = connection.channel()
        channel.queue_declare(queue=queue, auto_delete=False)
        try:
            with adapter(broker, queue) as amqp_, pytest.raises(AdapterTimeout):
                amqp_.assess(phyto_view, soon(0.2))
            time.sleep(0.05)
            assert channel.basic_get(queue=queue, no_ack=True) is None
        finally:
            channel.queue_delete(queue=queue)
            channel.close()


def test_a_queue_that_does_not_exist_is_named(broker: str, phyto_view: Declaration) -> None:
    queue = f"test.missing.{uuid.uuid4().hex[:12]}"
    with adapter(broker, queue) as amqp_, pytest.raises(AdapterError, match="does not exist"):
        amqp_.assess(phyto_view, soon(1))


def test_a_broker_that_is_not_there_is_an_adapter_error(phyto_view: Declaration) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"amqp://guest:guest@127.0.0.1:{port}//"
    with adapter(url, "agency.phyto") as amqp_, pytest.raises(AdapterError):
        amqp_.assess(phyto_view, soon(1))


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (TimeoutError("timed out"), AdapterTimeout),
        (ConnectionRefusedError("refused"), AdapterError),
        (ConnectionResetError("reset"), AdapterError),
        (kombu.exceptions.OperationalError("broker gone"), AdapterError),
        (amqp.exceptions.ConnectionForced("shutdown"), AdapterError),
        (amqp.exceptions.NotFound("no queue"), AdapterError),
        (amqp.exceptions.RecoverableConnectionError("lost"), AdapterError),
    ],
)
def test_every_transport_error_is_mapped(raised: Exception, expected: type[AdapterError]) -> None:
    with pytest.raises(expected) as caught, map_amqp_errors("phyto"):
        raise raised
    assert type(caught.value) is expected
    assert caught.value.__cause__ is raised


@pytest.mark.parametrize(
    ("url", "queue", "setting"),
    [
        ("http://127.0.0.1:5672//", "agency.phyto", "url"),
        ("amqp:///", "agency.phyto", "url"),
        (BROKER, "", "queue"),
        (BROKER, "amq.phyto", "queue"),
        (BROKER, "q" * 256, "queue"),
    ],
)
def test_settings_are_checked_when_the_adapter_is_built(url: str, queue: str, setting: str) -> None:
    with pytest.raises(InvalidAdapter) as caught:
        AmqpAdapter(url, agency="phyto", queue=queue)
    assert caught.value.setting == setting
