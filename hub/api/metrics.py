"""``GET /metrics``: the hub's counts in the Prometheus text format, one registry per app.

Two sources, because decisions are not made where submissions arrive:

- **Submissions are counted in this process**, by a middleware on
  ``POST /v1/declarations`` reading the answer's status (the route itself is
  untouched): ``hub_submissions_total{outcome, kind}`` with outcome
  ``accepted`` (a new declaration), ``duplicate`` (the same bytes again: the
  message's sha256 was already stored when the request came in),
  ``refused`` (a 4xx; ``kind`` is the problem's ``kind``, the hub's exception
  class, or ``http-<status>`` for a problem without one) or ``error`` (a
  5xx). Each API process counts its own; Prometheus sums the replicas. Two
  identical submissions in flight at once both count as accepted.
- **Decisions are read from the store at scrape time** (a collector), since
  workers, threads or processes, make them: every replica reports the same
  values and nothing is lost when one restarts.
  ``hub_decisions_total{channel}`` counts *every version* stored (the table
  is insert-only, so this is a true counter: amendments and re-routings
  count as decisions of their own). Over the *first versions made in the
  last window* (an hour by default): ``hub_decision_latency_seconds``, from
  the message's ``received_at`` to the first decision's ``made_at``, a gauge
  histogram (its buckets may go down as the window slides: read it with
  ``histogram_quantile`` directly, not through ``rate``), and
  ``hub_decisions_pending{agency}``, the first decisions made while that
  agency was pending (no answer by its deadline; its fail-safe stood in).
  ``hub_store_readable`` is 0 when the store could not be read, and those
  families are then missing from that scrape rather than failing it.
  Cost per scrape: a grouped count over ``decisions`` and a read of the
  window's first versions (their JSON only where one may name a pending
  agency).

``hub_info{version, mode, database}`` says what answers. ``/metrics`` needs no
token, like ``/healthz``: it holds counts, never declaration content, parties
or findings. Expose it only inside the administration's network (the
reverse proxy should not route it from outside).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.decision import AgencyStatus
from hub.orchestrator import Hub
from hub.store.engine import READ_ONLY
from hub.store.schema import Base, DecisionRecord, DeclarationRecord, MessageRecord

__all__ = ["LATENCY_BUCKETS", "SUBMISSIONS_PATH", "WINDOW", "install_metrics"]

SUBMISSIONS_PATH = "/v1/declarations"
"""The route whose answers ``hub_submissions_total`` counts (POST only)."""

WINDOW = timedelta(hours=1)
"""How far back the latency and pending families look, unless ``install_metrics`` is told."""

LATENCY_BUCKETS: Sequence[float] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 900, 3600)
"""Upper bounds (seconds) of the latency buckets: agencies' deadlines are tens of seconds."""

_SUBMISSION = ("http", "POST", SUBMISSIONS_PATH)  # ASGI type, method, path
_PENDING = AgencyStatus.PENDING.value
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")  # an exception class name: bounded labels
_PROBLEM_BODY_LIMIT = 65_536

_TABLES = Base.metadata.tables
_MESSAGES = _TABLES[MessageRecord.__tablename__]
_DECLARATIONS = _TABLES[DeclarationRecord.__tablename__]
_DECISIONS = _TABLES[DecisionRecord.__tablename__]

_MESSAGE_STORED = select(_MESSAGES.c.sha256).where(_MESSAGES.c.sha256 == bindparam("sha256"))
_BY_CHANNEL = select(_DECISIONS.c.channel, func.count()).group_by(_DECISIONS.c.channel)
_FIRST_SINCE = (
    _DECISIONS.c.version == 1,
    _DECISIONS.c.made_at >= bindparam("since"),
)
_LATENCIES = (
    select(_DECISIONS.c.made_at, _MESSAGES.c.received_at)
    .join(_DECLARATIONS, _DECLARATIONS.c.id == _DECISIONS.c.declaration_id)
    .join(_MESSAGES, _MESSAGES.c.sha256 == _DECLARATIONS.c.message_sha256)
    .where(*_FIRST_SINCE)
)
# Only a decision whose JSON holds the string "pending" can have a pending agency
# (the key "pending_reason" does not match); the JSON says which.
_MAYBE_PENDING = select(_DECISIONS.c.decision_json).where(
    *_FIRST_SINCE, _DECISIONS.c.decision_json.like(f'%"{_PENDING}"%')
)


def install_metrics(api: FastAPI, *, window: timedelta = WINDOW) -> CollectorRegistry:
    """Count ``api``'s submissions and serve ``GET /metrics`` from a registry of its own.

    The registry (also ``api.state.metrics``) is not the process-wide
    default, so several apps in one process, as in tests, never collide.
    ``window`` bounds the latency and pending families (module docstring).
    """
    registry = CollectorRegistry()
    submissions = Counter(
        "hub_submissions",
        "Answers to POST /v1/declarations by this process: accepted, duplicate (the same "
        "bytes again), refused (kind: the problem's kind) or error.",
        ["outcome", "kind"],
        registry=registry,
    )
    for outcome in ("accepted", "duplicate"):
        submissions.labels(outcome=outcome, kind="")
    registry.register(_StoreCollector(api, window))
    api.state.metrics = registry
    api.add_middleware(_SubmissionCounter, submissions=submissions)

    def metrics(request: Request) -> Response:
        encode, media_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(registry), media_type=media_type)

    api.add_api_route(
        "/metrics",
        metrics,
        methods=["GET"],
        response_class=Response,
        summary="Counts for Prometheus (no token: serve it inside the network only)",
        responses={200: {"content": {"text/plain": {}}}},
    )
    return registry


class _SubmissionCounter:
    """ASGI middleware counting each ``POST /v1/declarations`` answer by outcome and kind."""

    def __init__(self, app: ASGIApp, submissions: Counter) -> None:
        self.app = app
        self.submissions = submissions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"], scope.get("method"), scope.get("path")) != _SUBMISSION:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its message: nothing to answer
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        hub: Hub | None = getattr(scope["app"].state, "hub", None)
        stored_before = False
        if body and hub is not None:
            stored_before = await run_in_threadpool(_message_stored, hub, bytes(body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        status = 500
        answer = bytearray()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif status >= 400 and len(answer) < _PROBLEM_BODY_LIMIT:
                answer.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, watch)
        except Exception as exc:
            self.submissions.labels(outcome="error", kind=_bounded(type(exc).__name__)).inc()
            raise
        if status < 400:
            outcome, kind = ("duplicate" if stored_before else "accepted"), ""
        else:
            outcome = "refused" if status < 500 else "error"
            kind = _problem_kind(bytes(answer)) or f"http-{status}"
        self.submissions.labels(outcome=outcome, kind=kind).inc()


def _message_stored(hub: Hub, raw: bytes) -> bool:
    with _reading(hub) as conn:
        found = conn.scalar(_MESSAGE_STORED, {"sha256": hashlib.sha256(raw).hexdigest()})
    return found is not None


def _problem_kind(body: bytes) -> str | None:
    try:
        problem = json.loads(body)
    except ValueError:
        return None
    kind = problem.get("kind") if isinstance(problem, dict) else None
    return _bounded(kind) if isinstance(kind, str) else None


def _bounded(kind: str) -> str:
    return kind if _KIND.fullmatch(kind) else "other"


class _StoreCollector(Collector):
    """At each scrape: the hub's identity, and the decision families read from the store."""

    def __init__(self, api: FastAPI, window: timedelta) -> None:
        self.api = api
        self.window = window

    def collect(self) -> Iterable[Metric]:
        hub: Hub | None = getattr(self.api.state, "hub", None)
        if hub is None:  # not started yet
            return
        settings = hub.orchestrator.settings
        yield InfoMetricFamily(
            "hub",
            "The hub answering: its version, mode and database.",
            value={
                "version": _version(),
                "mode": "embedded" if settings.embedded else "distributed",
                "database": hub.store.engine.dialect.name,
            },
        )
        try:
            families = self._from_store(hub)
        except SQLAlchemyError:
            families = []
        yield GaugeMetricFamily(
            "hub_store_readable",
            "1 when this scrape could read the decision families from the store, else 0.",
            value=1 if families else 0,
        )
        yield from families

    def _from_store(self, hub: Hub) -> list[Metric]:
        since = hub.orchestrator.clock() - self.window
        with _reading(hub) as conn:
            by_channel = conn.execute(_BY_CHANNEL).all()
            moments = conn.execute(_LATENCIES, {"since": since}).all()
            texts = conn.scalars(_MAYBE_PENDING, {"since": since}).all()
        window_s = int(self.window.total_seconds())
        decisions = CounterMetricFamily(
            "hub_decisions",
            "Decision versions stored, every version (amendments, re-routings), by channel.",
            labels=["channel"],
        )
        for channel, count in sorted(by_channel):
            decisions.add_metric([channel], count)
        latencies = [max((made - received).total_seconds(), 0.0) for made, received in moments]
        latency = GaugeHistogramMetricFamily(
            "hub_decision_latency_seconds",
            f"From a message's receipt to its first decision, over the first decisions "
            f"made in the last {window_s} s.",
            buckets=_buckets(latencies),
            gsum_value=sum(latencies),
        )
        pending = GaugeMetricFamily(
            "hub_decisions_pending",
            f"First decisions made in the last {window_s} s while this agency was pending "
            "(no answer by its deadline: its fail-safe finding stood in).",
            labels=["agency"],
        )
        for agency, count in sorted(_pending_agencies(texts).items()):
            pending.add_metric([agency], count)
        return [decisions, latency, pending]


def _buckets(latencies: Sequence[float]) -> list[tuple[str, float]]:
    return [
        (
            "+Inf" if math.isinf(bound) else repr(float(bound)),
            sum(1 for s in latencies if s <= bound),
        )
        for bound in (*LATENCY_BUCKETS, math.inf)
    ]


def _pending_agencies(texts: Iterable[str]) -> Tally[str]:
    tally: Tally[str] = Tally()
    for text in texts:
        agencies: dict[str, Any] = json.loads(text).get("agencies", {})
        tally.update(name for name, a in agencies.items() if a.get("status") == _PENDING)
    return tally


@contextmanager
def _reading(hub: Hub) -> Iterator[Connection]:
    """A read-only transaction (deferred on SQLite: it never blocks a writer)."""
    with hub.store.engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            yield conn


def _version() -> str:
    try:
        return version("single-window-hub")
    except PackageNotFoundError:
        return "unknown"
