"""An agency that runs its own worker on its queue: request and reply over RabbitMQ.

The contract (``docs/agency-amqp-contract.md``): the hub publishes an
:class:`~adapters.contract.AssessmentRequest` to the agency's queue through
the default exchange, with ``reply_to`` set to RabbitMQ's direct reply-to
(``amq.rabbitmq.reply-to``), a fresh ``correlation_id`` per attempt, the
request id as ``message_id`` (the idempotency key) and ``expiration`` = the
milliseconds left to the deadline, so the broker drops a request nobody took
in time rather than let it be assessed late. The agency replies with an
:class:`~adapters.contract.AssessmentResponse` to ``reply_to``, echoing
``correlation_id``.

Direct reply-to needs no reply queue to declare or clean up; a reply whose
correlation id is not the one awaited (a late answer to an earlier attempt, a
stray) is dropped.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlsplit

import kombu.exceptions
from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer, Producer

from adapters.base import remaining_seconds
from adapters.contract import CONTRACT_VERSION, MEDIA_TYPE, PreparedRequest, prepare
from hub.errors import AdapterError, AdapterTimeout, InvalidAdapter
from hub.model import Declaration
from hub.model.finding import Finding

__all__ = ["DIRECT_REPLY_TO", "AmqpAdapter", "map_amqp_errors"]

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
_SCHEMES = ("amqp", "amqps", "pyamqp")
_CONNECT_TIMEOUT_S = 5.0


def _transport_errors() -> tuple[type[BaseException], ...]:
    # What kombu's AMQP transport raises for a failed connection or a closed channel.
    transport = Connection("amqp://")
    return (*transport.connection_errors, *transport.channel_errors)


_BROKEN: tuple[type[BaseException], ...] = (
    kombu.exceptions.KombuError,
    OSError,
    *_transport_errors(),
)


class AmqpAdapter:
    """Asks an agency's own worker over AMQP, within the deadline.

    ``url`` is the broker (``amqp://`` or ``amqps://``), ``queue`` the
    agency's queue from its ``agency.yaml``; both are checked here
    (:class:`~hub.errors.InvalidAdapter`). The broker is reached on first
    use, so a hub can start while the broker is still coming up; from then
    on one connection is kept and made again after a failure. The queue is
    the agency's to declare: a queue that does not exist is an
    :class:`~hub.errors.AdapterError` saying so, rather than requests
    published into the void.

    Calls are serialised by a lock (a kombu connection is not thread-safe):
    use one adapter per worker thread for parallel requests.
    """

    def __init__(self, url: str, *, agency: str, queue: str) -> None:
        self.agency = agency
        self.url = _checked_url(url, agency=agency)
        self.queue = _checked_queue(queue, agency=agency)
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._awaited: str | None = None
        self._reply: bytes | None = None

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]:
        request = prepare(view, agency=self.agency, deadline=deadline)
        with self._lock:
            left = remaining_seconds(deadline, agency=self.agency)
            end = time.monotonic() + left
            raw = self._call(request, end)
        return request.read(raw)

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    def _call(self, request: PreparedRequest, end: float) -> bytes:
        correlation_id = uuid.uuid4().hex
        self._awaited, self._reply = correlation_id, None
        try:
            with map_amqp_errors(self.agency):
                connection, producer = self._connect(end)
                left = end - time.monotonic()
                if left <= 0:
                    raise AdapterTimeout("the deadline passed while connecting", agency=self.agency)
                headers = {
                    "x-hub-contract": CONTRACT_VERSION,
                    "x-hub-deadline": request.deadline_text,
                }
                producer.publish(
                    request.body,
                    exchange="",
                    routing_key=self.queue,
                    content_type=MEDIA_TYPE,
                    content_encoding="utf-8",
                    headers=headers,
                    correlation_id=correlation_id,
                    message_id=request.request_id,
                    reply_to=DIRECT_REPLY_TO,
                    expiration=max(left, 0.001),
                    delivery_mode=1,  # transient: an unanswered request is re-sent, not recovered
                    type="assessment-request",
                )
                while self._reply is None:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise AdapterTimeout("no reply before the deadline", agency=self.agency)
                    with contextlib.suppress(TimeoutError):  # the loop decides if time is up
                        connection.drain_events(timeout=left)
            return self._reply
        except AdapterError as exc:
            if isinstance(exc.__cause__, _BROKEN):  # the connection is suspect: start afresh
                self._disconnect()
            raise
        finally:
            self._awaited = None

    def _on_reply(self, message: Message) -> None:
        if message.properties.get("correlation_id") == self._awaited and self._reply is None:
            self._reply = message.body if isinstance(message.body, bytes) else message.body.encode()

    def _connect(self, end: float) -> tuple[Connection, Producer]:
        if self._connection is not None and self._producer is not None:
            return self._connection, self._producer
        timeout = max(0.001, min(_CONNECT_TIMEOUT_S, end - time.monotonic()))
        connection = Connection(self.url, connect_timeout=timeout)
        try:
            connection.ensure_connection(max_retries=0)  # retrying is the orchestrator's call
            self._check_queue(connection)
            channel = connection.channel()
            # Direct reply-to: consume (no_ack) before publishing, on the publishing channel.
            replies = Queue(DIRECT_REPLY_TO, no_declare=True)
            consumer = Consumer(channel, queues=[replies], no_ack=True, on_message=self._on_reply)
            consumer.consume()
        except BaseException:
            with contextlib.suppress(*_BROKEN):
                connection.close()
            raise
        self._connection, self._consumer = connection, consumer
        self._producer = Producer(channel)
        return connection, self._producer

    def _check_queue(self, connection: Connection) -> None:
        channel = connection.channel()
        try:
            channel.queue_declare(queue=self.queue, passive=True)
        except connection.channel_errors:
            raise AdapterError(
                f"queue {self.queue!r} does not exist: is the agency's consumer running?",
                agency=self.agency,
            ) from None
        finally:
            channel.close()

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        self._producer = self._consumer = None
        if connection is not None:
            with contextlib.suppress(*_BROKEN):  # already broken: nothing left to release
                connection.close()


@contextmanager
def map_amqp_errors(agency: str) -> Iterator[None]:
    """The one place kombu's, py-amqp's and the socket's errors become the hub's.

    A timeout (connecting, or a broker that stopped answering) is an
    :class:`~hub.errors.AdapterTimeout`; a refused or dropped connection, a
    channel closed by the broker, any kombu error an
    :class:`~hub.errors.AdapterError`. The hub's own errors pass through.
    """
    try:
        yield
    except AdapterError:
        raise
    except TimeoutError as exc:
        raise AdapterTimeout(f"the broker did not answer in time: {exc}", agency=agency) from exc
    except _BROKEN as exc:
        raise AdapterError(f"{type(exc).__name__}: {exc}", agency=agency) from exc


def _checked_url(url: str, *, agency: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise InvalidAdapter(
            f"{url!r} must start with amqp:// or amqps://", agency=agency, setting="url"
        )
    if not parts.hostname:
        raise InvalidAdapter(f"{url!r} names no broker host", agency=agency, setting="url")
    return url


def _checked_queue(queue: str, *, agency: str) -> str:
    if not queue or len(queue.encode()) > 255:
        raise InvalidAdapter("a queue name has 1 to 255 bytes", agency=agency, setting="queue")
    if queue.startswith("amq."):
        raise InvalidAdapter(
            f"{queue!r}: names starting 'amq.' belong to the broker", agency=agency, setting="queue"
        )
    return queue
