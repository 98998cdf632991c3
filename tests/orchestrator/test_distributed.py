"""The distributed mode against the machine's real RabbitMQ and PostgreSQL.

``hub worker`` processes (one per routed agency, one for decisions) consume
queues named with a per-test prefix; the store is a fresh PostgreSQL schema.
Without the services the test is skipped, except under CI (env ``CI``), where
it fails: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu.connection import Connection

from hub.orchestrator import Hub, load_wiring, open_hub
from hub.rules import ProfileStatus
from hub.settings import Settings
from tests.orchestrator.support import AGENCIES, CHICKEN
from tests.rules._profile_factory import T0, activate, make_profile
from tests.services import hub_process, wait_for_consumers

RELOAD_S = 0.1  # how often a worker looks whether the registry changed
ROLES = [["--agency", name] for name in ("customs", "police", "vet")] + [["--decide"]]


@pytest.fixture
def settings(broker: str, database: str) -> Settings:
    return Settings(
        database_url=database,
        broker_url=broker,
        queue_prefix=f"test-{uuid.uuid4().hex[:8]}.",
        relay_interval_s=0.5,
    )


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    """The API side: stores and relays, no worker of its own."""
    with open_hub(settings, load_wiring(), migrate=True) as h:
        yield h
        queues = h.orchestrator.queues
    with Connection(settings.broker_url) as conn:
        channel = conn.default_channel
        for queue in queues:
            channel.queue_delete(queue)


@contextlib.contextmanager
def _workers(settings: Settings, hub: Hub, logs: Path) -> Iterator[None]:
    """One ``hub worker`` per role in :data:`ROLES`, consuming before this yields."""
    env = {
        **os.environ,
        "HUB_BROKER_URL": settings.broker_url,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_QUEUE_PREFIX": settings.queue_prefix,
        "HUB_PROFILE_RELOAD_S": str(RELOAD_S),
    }
    files = [logs / f"worker{i}.log" for i in range(len(ROLES))]
    with contextlib.ExitStack() as stack:
        workers = [
            stack.enter_context(hub_process(["worker", *role, "--concurrency", "2"], env, log))
            for role, log in zip(ROLES, files, strict=True)
        ]
        # The phyto agency has no worker here: its deadline passes, its fail-safe stands.
        queues = [q for q in hub.orchestrator.queues if not q.endswith("agency.phyto")]
        wait_for_consumers(settings.broker_url, queues, workers, files)
        yield


def test_workers_over_rabbitmq_and_postgresql_decide(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    with _workers(settings, hub, tmp_path):
        submitted = hub.submit(CHICKEN.read_bytes())
        decision = hub.wait_for_decision(submitted.declaration_id, 30)
        logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker*.log")))
        assert decision is not None, logs
        assert set(decision.agencies) == {"customs", "police", "vet"}
        assert decision.agencies["vet"].channel.value == "red"
        assert decision.pending == ()
        hub.orchestrator.flush_published()
        assert hub.store.unpublished() == []
        assert set(AGENCIES) >= set(decision.agencies)


def test_every_worker_follows_an_activation_in_the_shared_database(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    def customs_selects(lrn: str) -> set[str | None]:
        raw = CHICKEN.read_bytes().replace(b"7849431S2YFQ", lrn.encode(), 1)
        decision = hub.wait_for_decision(hub.submit(raw).declaration_id, 30)
        assert decision is not None
        return {f.profile_id for f in decision.agencies["customs"].findings}

    with _workers(settings, hub, tmp_path):
        assert hub.orchestrator.profiles is not None
        registry = hub.orchestrator.profiles.registry  # the API's: the hub's database
        poultry = {"commodity": ["0207"], "origin": ["BR"]}
        registry.publish(make_profile("CUS-TST-902", when=poultry, channel="red"), by="o", at=T0)
        activate(registry, "CUS-TST-902")
        time.sleep(RELOAD_S * 5)
        assert "CUS-TST-902" in customs_selects("WORKER-1")

        registry.set_status("CUS-TST-902", ProfileStatus.RETIRED, by="o", at=T0, reason="done")
        time.sleep(RELOAD_S * 5)
        assert "CUS-TST-902" not in customs_selects("WORKER-2")
