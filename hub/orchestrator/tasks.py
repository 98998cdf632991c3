"""The Celery tasks: ``hub.assess`` (on each agency's queue) and ``hub.decide``.

Thin wrappers: the orchestration rules live in
:class:`~hub.orchestrator.runtime.Orchestrator`. A retryable adapter failure
before the deadline is retried with Celery's own retry (a new message due
after the backoff), so an agency worker never sleeps on one declaration; so
is a failure of the store or broker, after which the assessment gives up and
the final decide at the deadline stands in for its answer.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from hub.exchange.dispatch import DELIVER_TASK
from hub.exchange.liaison import Liaison
from hub.orchestrator.runtime import ASSESS_TASK, DECIDE_TASK, Orchestrator

__all__ = ["register_exchange_tasks", "register_tasks"]


def register_tasks(app: Celery, orchestrator: Orchestrator) -> None:
    """Bind ``hub.assess`` and ``hub.decide`` on ``app`` to ``orchestrator``."""

    @app.task(
        name=ASSESS_TASK, shared=False, bind=True, max_retries=orchestrator.settings.max_retries
    )  # type: ignore[untyped-decorator]
    def assess_for_agency(
        self: Any, declaration_id: str, agency: str, started_at: str, reask: int = 0
    ) -> None:
        attempt = self.request.retries
        try:
            countdown = orchestrator.assess(
                declaration_id, agency, started_at, attempt=attempt, reask=reask
            )
        except Exception as exc:  # the store or the broker failed, not the agency
            if attempt < orchestrator.settings.max_retries:
                backoff = orchestrator.settings.retry_backoff_s * 2.0**attempt
                raise self.retry(
                    exc=exc, countdown=backoff, queue=orchestrator.queue_of(agency)
                ) from exc
            raise  # the final decide at the deadline makes the decision without it
        if countdown is not None:
            raise self.retry(countdown=countdown, queue=orchestrator.queue_of(agency))

    @app.task(name=DECIDE_TASK, shared=False)  # type: ignore[untyped-decorator]
    def decide(declaration_id: str, started_at: str, final: bool = False) -> None:
        orchestrator.decide(declaration_id, started_at, final)


def register_exchange_tasks(app: Celery, liaison: Liaison) -> None:
    """Bind ``hub.exchange.deliver`` on ``app``: one delivery attempt of an outbound message.

    Acknowledged late (a worker dying mid-delivery leaves the message to be
    delivered again: the partner refuses a replay, which counts as delivered),
    idempotent (a delivered message is not sent again), and retried by
    :meth:`~hub.exchange.liaison.Liaison.deliver` itself with backoff.
    """

    @app.task(name=DELIVER_TASK, shared=False, acks_late=True)  # type: ignore[untyped-decorator]
    def deliver(row_id: int, attempt: int = 0) -> None:
        liaison.deliver(row_id, attempt)
