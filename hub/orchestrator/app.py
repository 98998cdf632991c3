"""The Celery application: one queue per agency and one for decisions, built from settings.

Task defaults make delivery at-least-once and the tasks idempotent:
``acks_late`` with ``task_reject_on_worker_lost`` (a task whose worker died
is redelivered, not lost), ``worker_prefetch_multiplier=1`` distributed (a slow
agency does not hoard another's work), JSON only.

Embedded mode (``memory://``) runs a worker *thread* in the serving process,
consuming every queue with a thread pool. Measured here before choosing it:
with a 5 ms transport polling interval, a task 1 s long on one queue did not
delay 101 others (countdowns included) on another, all done within 1.05 s; eager
execution was not chosen because it ignores countdowns (the final decide
would run before any deadline) and runs a slow agency inside the submission.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import Any

from celery import Celery
from celery.worker import WorkController
from celery.worker import state as worker_state
from kombu.entity import Queue

from hub.settings import Settings

__all__ = ["EMBEDDED_POLLING_S", "CeleryPublisher", "EmbeddedWorker", "create_app"]

# How long the in-process transport sleeps when every queue is empty: the
# latency a task may wait, against the CPU an idle hub burns polling (here:
# 5 ms -> 1.4 % of a core, 2 ms -> 2.3 %, 1 ms -> 4 %).
EMBEDDED_POLLING_S = 0.002


def create_app(settings: Settings, queues: Sequence[str]) -> Celery:
    """A Celery app on ``settings.broker_url`` declaring ``queues`` (agencies' and decide)."""
    app = Celery("hub", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Distributed: a worker consuming several queues must not hoard one
        # agency's messages while another's wait. Embedded, the one worker's
        # threads take what comes; four each cut the per-task overhead of
        # the in-process transport from 1.6 to 0.5 ms (measured here).
        worker_prefetch_multiplier=4 if settings.embedded else 1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_queues=[Queue(name, routing_key=name) for name in queues],
        task_default_queue=queues[-1] if queues else "celery",
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        broker_transport_options={"polling_interval": EMBEDDED_POLLING_S}
        if settings.embedded
        else {},
    )
    return app


class CeleryPublisher:
    """Publishes the orchestrator's tasks through a Celery app."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def publish(
        self, task: str, kwargs: dict[str, Any], *, queue: str, countdown: float | None = None
    ) -> None:
        self.app.send_task(task, kwargs=kwargs, queue=queue, routing_key=queue, countdown=countdown)


class _Controller(WorkController):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.started = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer: Any) -> None:
        self.started.set()


WAKE_TASK = "hub.wake"


def _wake() -> None:
    """Nothing: a message that wakes the embedded worker's loop."""


class EmbeddedWorker:
    """A Celery worker in a thread of this process, for the in-process ``memory://`` broker."""

    def __init__(self, app: Celery, queues: Sequence[str], *, concurrency: int = 4) -> None:
        self.app = app
        self._queues = list(queues)
        # The thread pool's threads run tasks through Celery's current app,
        # which outside the calling thread is the process default.
        app.set_default()
        if WAKE_TASK not in app.tasks:
            app.task(name=WAKE_TASK, shared=False)(_wake)
        self._controller = _Controller(
            app=app,
            concurrency=concurrency,
            pool="threads",
            queues=list(queues),
            hostname=f"hub-embedded@{threading.get_ident()}",
            loglevel="WARNING",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            ready_callback=None,
        )
        self._thread = threading.Thread(
            target=self._controller.start, name="hub-embedded-worker", daemon=True
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start consuming; returns once the consumer is ready."""
        self._thread.start()
        if not self._controller.started.wait(timeout):
            raise RuntimeError("the embedded Celery worker did not start")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop consuming and wait for running tasks to end."""
        if not self._thread.is_alive():
            return
        worker_state.should_terminate = 0
        # Celery's loop for polling transports waits up to 2 s for a message,
        # then checks for shutdown and waits once more: a message wakes each wait.
        with contextlib.suppress(Exception):
            for _ in range(2):
                self.app.send_task(WAKE_TASK, queue=self._queues[-1], routing_key=self._queues[-1])
        try:
            self._thread.join(timeout)
        finally:
            worker_state.should_terminate = None
        if self._thread.is_alive():
            raise RuntimeError("the embedded Celery worker did not stop")
