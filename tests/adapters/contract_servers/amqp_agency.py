"""An agency's AMQP worker, from docs/agency-amqp-contract.md with pika and no hub code.

Run as ``python amqp_agency.py BROKER_URL PREFIX``: it declares and consumes
``PREFIX.ok``, ``PREFIX.stray`` and ``PREFIX.silent`` (auto-delete, so they
go when it does), prints ``READY`` and serves until terminated.

``.ok`` follows the contract: one yellow finding per goods item, answered
again from memory for a ``message_id`` seen before; so that a test can see
what arrived, each finding's indicators list the message properties received.
``.stray`` first replies with a wrong correlation id, then correctly.
``.silent`` takes requests and never replies.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

ANSWERS: dict[str, bytes] = {}


def assess(request: dict[str, Any], received: list[str]) -> dict[str, Any]:
    findings = [
        {
            "agency": request["agency"],
            "profile_id": "TEST-DOC-001",
            "profile_version": 1,
            "item_sequences": [item["sequence"]],
            "indicators": received,
            "score": 40,
            "channel": "yellow",
        }
        for item in request["declaration"].get("goods_items", [])
    ]
    return {
        "contract": "1.0",
        "request_id": request["request_id"],
        "agency": request["agency"],
        "findings": findings,
    }


def reply(channel: BlockingChannel, to: str, correlation_id: str | None, body: bytes) -> None:
    properties = BasicProperties(
        correlation_id=correlation_id,
        content_type="application/json",
        headers={"x-hub-contract": "1.0"},
    )
    channel.basic_publish(exchange="", routing_key=to, properties=properties, body=body)


def on_request(
    channel: BlockingChannel, method: Basic.Deliver, props: BasicProperties, body: bytes
) -> None:
    mode = method.routing_key.rsplit(".", 1)[-1]
    request = json.loads(body)
    deadline = datetime.fromisoformat(request["deadline"].replace("Z", "+00:00"))
    if mode == "silent" or datetime.now(UTC) > deadline or not props.reply_to:
        channel.basic_ack(method.delivery_tag)  # too late (or told to stay silent): no reply
        return
    key = props.message_id or request["request_id"]
    if key not in ANSWERS:
        headers = props.headers or {}
        received = [
            f"content_type={props.content_type}",
            f"expiration={props.expiration}",
            f"message_id={props.message_id}",
            f"x-hub-contract={headers.get('x-hub-contract')}",
            f"x-hub-deadline={headers.get('x-hub-deadline')}",
        ]
        ANSWERS[key] = json.dumps(assess(request, received)).encode()
    if mode == "stray":
        stray = json.loads(ANSWERS[key])
        stray["findings"] = [{**f, "channel": "red"} for f in stray["findings"]]
        reply(
            channel, props.reply_to, "not-" + str(props.correlation_id), json.dumps(stray).encode()
        )
    reply(channel, props.reply_to, props.correlation_id, ANSWERS[key])
    channel.basic_ack(method.delivery_tag)  # after replying: a crash before it redelivers


def main() -> None:
    url, prefix = sys.argv[1], sys.argv[2]
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=10)
    for mode in ("ok", "stray", "silent"):
        queue = f"{prefix}.{mode}"
        channel.queue_declare(queue, auto_delete=True)
        channel.basic_consume(queue, on_message_callback=on_request)
    print("READY", flush=True)
    try:
        channel.start_consuming()
    finally:
        connection.close()


if __name__ == "__main__":
    main()
