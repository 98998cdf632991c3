"""Sending a message to a partner: signed, recorded, then delivered by a task that retries.

:func:`prepare` checks that an agreement in force covers the kind towards the
receiver and signs the message. The caller records it (``queued``) before
anything leaves, then publishes the ``hub.exchange.deliver`` task; the task
is idempotent (a delivered message is not sent again), acknowledged late,
and retried with exponential backoff while the partner is unreachable or
answers 5xx. Every attempt is recorded with its outcome; a partner's 4xx
(other than "already received") is final: the message is marked failed and
the reason kept, since sending the same bytes again cannot change the answer.

Transports: HTTPS ``POST`` of the signed XML to the partner's
``/v1/exchange`` (TLS verified against the partner's CA bundle when one is
configured), or AMQP publishing to the partner's queue with publisher
confirms (the broker has it when the publish returns).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import date
from typing import Literal

import httpx
from kombu.connection import Connection as BrokerConnection
from kombu.entity import Exchange, Queue

from hub.errors import ExchangeRefused
from hub.exchange.keys import SigningIdentity
from hub.exchange.messages import ExchangeMessage
from hub.exchange.partners import Partner
from hub.exchange.signing import sign
from hub.exchange.wire import to_element

__all__ = ["DELIVER_TASK", "EXCHANGE_QUEUE", "Attempt", "deliver", "prepare"]

DELIVER_TASK = "hub.exchange.deliver"
EXCHANGE_QUEUE = "hub.exchange"  # outbound deliveries, behind the queue prefix
HTTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt's outcome; ``retry`` when trying again may succeed."""

    outcome: Literal["delivered", "failed", "retrying"]
    detail: str

    @property
    def final(self) -> bool:
        return self.outcome != "retrying"


def prepare(
    message: ExchangeMessage,
    partner: Partner,
    identity: SigningIdentity,
    *,
    administration: str,
    on: date,
) -> bytes:
    """The signed bytes of ``message`` for ``partner``; :class:`ExchangeRefused` if not agreed."""
    header = message.header
    if header.sender != administration:
        raise ExchangeRefused(
            "wrong-sender",
            f"this hub sends as {administration}, the message says {header.sender}",
            where="Header/SenderID",
        )
    if header.receiver != partner.code:
        raise ExchangeRefused(
            "wrong-receiver",
            f"the message is for {header.receiver}, not {partner.code}",
            where="Header/ReceiverID",
        )
    refused = partner.allows(message.kind, "send", on)
    if refused is not None:
        raise ExchangeRefused("not-agreed", refused, where=type(message).__name__)
    return sign(to_element(message), identity)


def deliver(raw: bytes, partner: Partner) -> Attempt:
    """One attempt to hand ``raw`` to ``partner`` over its endpoint or its queue."""
    if partner.endpoint:
        return _over_https(raw, partner)
    if partner.amqp and partner.queue:
        return _over_amqp(raw, partner)
    return Attempt("failed", f"{partner.code} has neither an endpoint nor an AMQP queue")


def _over_https(raw: bytes, partner: Partner) -> Attempt:
    assert partner.endpoint is not None
    # The partner's CA bundle when configured (a partner's own PKI), else the system's.
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=partner.tls_ca) if partner.tls_ca else True
    )
    try:
        response = httpx.post(
            partner.endpoint,
            content=raw,
            headers={"Content-Type": "application/xml"},
            timeout=HTTP_TIMEOUT_S,
            verify=verify,
        )
    except httpx.HTTPError as exc:
        return Attempt("retrying", f"{partner.endpoint}: {type(exc).__name__}: {exc}")
    said = f"HTTP {response.status_code}: {response.text[:500]}"
    if response.is_success:
        return Attempt("delivered", said)
    if response.status_code == 409 and "replayed" in response.text:
        return Attempt("delivered", f"already received by {partner.code}: {said}")
    if response.status_code >= 500 or response.status_code == 429:
        return Attempt("retrying", said)
    return Attempt("failed", said)


def _over_amqp(raw: bytes, partner: Partner) -> Attempt:
    assert partner.amqp is not None and partner.queue is not None
    queue = Queue(partner.queue, Exchange(""), routing_key=partner.queue, durable=True)
    try:
        with BrokerConnection(
            partner.amqp,
            connect_timeout=HTTP_TIMEOUT_S,
            transport_options={"confirm_publish": True},
        ) as conn:
            producer = conn.Producer()
            producer.publish(
                raw,
                routing_key=partner.queue,
                declare=[queue],
                content_type="application/xml",
                content_encoding="binary",
                delivery_mode=2,
                retry=False,
            )
    except Exception as exc:  # kombu raises the transport's own errors
        return Attempt("retrying", f"{partner.amqp} queue {partner.queue}: {exc}")
    return Attempt("delivered", f"published to {partner.queue}")
