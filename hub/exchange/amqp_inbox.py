"""Partners' messages arriving on our broker: the inbound queue, consumed by a worker.

A partner that delivers over AMQP publishes its signed XML as raw bytes
(content type ``application/xml``) to ``<HUB_QUEUE_PREFIX>hub.exchange.inbound``
on our RabbitMQ, as our :mod:`hub.exchange.dispatch` publishes to theirs.
Those are not Celery tasks, so a worker consumes the queue with a consumer
bootstep of its own (Celery's "custom message consumers"), on a channel of
the worker's connection beside the task consumer: ``hub worker --exchange``
adds it (:func:`add_inbound_consumer`), and reconnects it with the worker.

Each message meets :meth:`~hub.exchange.liaison.Liaison.receive`, as a
``POST /v1/exchange`` does, and is settled by what the store did
(:func:`settle`):

- accepted, or refused (the refusal is recorded): acknowledged. Sending the
  same bytes again cannot change a refusal, so a bad message must not loop.
  A message delivered again (the worker died between the store's commit and
  the ack) is refused as ``replayed`` and acknowledged: idempotent by
  construction;
- the store failed (SQLAlchemy's error: the database unreachable, nothing
  recorded): rejected back onto the queue after :data:`STORE_PAUSE_S`, so an
  outage delays partners' messages and loses none;
- anything else (a fault of the hub's, which a retry would meet again):
  recorded as a refusal ``unprocessable`` with the error, and acknowledged.

Messages are handled one at a time on the worker's consumer thread (prefetch
one): a reception is a signature check and a transaction, milliseconds.

Embedded mode has no inbound queue: its ``memory://`` broker lives inside the
hub's process and no partner can reach it; partners deliver to
``POST /v1/exchange`` (``hub serve --tls-cert/--tls-key`` serves it over HTTPS).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, Literal

from celery import Celery, bootsteps
from kombu.entity import Exchange, Queue
from kombu.message import Message
from kombu.messaging import Consumer
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import ExchangeRefused
from hub.exchange.liaison import Liaison

__all__ = [
    "INBOUND_QUEUE",
    "STORE_PAUSE_S",
    "InboundConsumer",
    "Settlement",
    "add_inbound_consumer",
    "inbound_queue",
    "settle",
]

log = logging.getLogger(__name__)

INBOUND_QUEUE = "hub.exchange.inbound"  # partners publish here, behind the queue prefix
# How long a message waits before going back to the queue when the store failed:
# without it a database outage would spin the message between broker and worker.
STORE_PAUSE_S = 1.0

Settlement = Literal["ack", "requeue"]


def inbound_queue(prefix: str) -> Queue:
    """The durable queue partners publish to, on the default exchange (routing key = name)."""
    name = prefix + INBOUND_QUEUE
    return Queue(name, Exchange(""), routing_key=name, durable=True)


def settle(liaison: Liaison, raw: bytes) -> Settlement:
    """Receive ``raw`` and say what becomes of its AMQP message (see the module docstring)."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        received = liaison.receive(raw)
    except ExchangeRefused as refusal:
        log.info("partner message %s refused (%s): %s", digest, refusal.reason, refusal)
        return "ack"
    except SQLAlchemyError as exc:
        log.warning("partner message %s not received, the store failed: %s", digest, exc)
        return "requeue"
    except Exception as exc:
        log.exception("partner message %s could not be processed", digest)
        try:
            liaison.store.record_refusal(
                partner=None,
                message_id=None,
                kind=None,
                reason="unprocessable",
                detail=f"{type(exc).__name__}: {exc}",
                sha256=digest,
                at=liaison.clock(),
            )
        except SQLAlchemyError:
            return "requeue"
        return "ack"
    log.info(
        "partner message %s/%s accepted (%s)",
        received.partner,
        received.message_id,
        received.kind.value,
    )
    return "ack"


class InboundConsumer:
    """Settles each raw message from the inbound queue through a liaison."""

    def __init__(self, liaison: Liaison, *, pause_s: float = STORE_PAUSE_S) -> None:
        self.liaison = liaison
        self.queue = inbound_queue(liaison.settings.queue_prefix)
        self.pause_s = pause_s

    def __call__(self, message: Message) -> None:
        body = message.body
        # py-amqp decodes a body that names a text content encoding: undo it.
        raw = body.encode(message.content_encoding or "utf-8") if isinstance(body, str) else body
        if settle(self.liaison, bytes(raw)) == "ack":
            message.ack()
            return
        time.sleep(self.pause_s)
        message.reject(requeue=True)

    def consumer(self, channel: Any) -> Consumer:
        """A kombu consumer of the inbound queue on ``channel``, one message at a time."""
        return Consumer(channel, queues=[self.queue], on_message=self, prefetch_count=1)


def add_inbound_consumer(app: Celery, liaison: Liaison) -> InboundConsumer:
    """Make every worker of ``app`` started from now on also consume the inbound queue."""
    inbox = InboundConsumer(liaison)

    class InboundStep(bootsteps.ConsumerStep):  # type: ignore[misc]
        """The worker's consumer of partners' messages (a bootstep, started with the worker)."""

        name = "hub.exchange.inbound"

        def get_consumers(self, channel: Any) -> list[Consumer]:
            return [inbox.consumer(channel)]

    app.steps["consumer"].add(InboundStep)
    return inbox
