"""Orchestration over Celery: one queue per agency, deadlines, fail-safe, versioned decisions.

Embedded (``memory://`` broker, a worker thread, SQLite) or distributed
(RabbitMQ, ``hub worker`` processes, PostgreSQL), one code path. Adapters come
in through a :class:`Wiring`; ``hub/`` never imports ``adapters/``.
"""

from hub.orchestrator.app import CeleryPublisher, EmbeddedWorker, create_app
from hub.orchestrator.runtime import ASSESS_TASK, DECIDE_TASK, Orchestrator, Publisher
from hub.orchestrator.submission import Hub, Submitted, decision_context, open_hub
from hub.orchestrator.tasks import register_tasks
from hub.orchestrator.wiring import (
    AdapterFactory,
    AgencyAdapter,
    ProfileSource,
    RatingSource,
    Wiring,
    WiringMissing,
    load_wiring,
)

__all__ = [
    "ASSESS_TASK",
    "DECIDE_TASK",
    "AdapterFactory",
    "AgencyAdapter",
    "CeleryPublisher",
    "EmbeddedWorker",
    "Hub",
    "Orchestrator",
    "ProfileSource",
    "Publisher",
    "RatingSource",
    "Submitted",
    "Wiring",
    "WiringMissing",
    "create_app",
    "decision_context",
    "load_wiring",
    "open_hub",
    "register_tasks",
]
