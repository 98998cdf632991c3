"""The distributed mode against the machine's real RabbitMQ and PostgreSQL.

``hub worker`` processes (one per routed agency, one for decisions) consume
queues named with a per-test prefix; the store is a fresh PostgreSQL schema.
Without the services the test is skipped, except under CI (env ``CI``), where
it fails: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from kombu.connection import Connection

from hub.orchestrator import Hub, load_wiring, open_hub
from hub.rules import ProfileStatus
from hub.settings import Settings
from tests.orchestrator.support import AGENCIES, CHICKEN
from tests.postgres import scratch_schema
from tests.rules._profile_factory import T0, activate, make_profile

BROKER_URL = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES_URL = os.environ.get(
    "HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HUB = Path(sys.executable).parent / "hub"
RELOAD_S = 0.1  # how often a worker looks whether the registry changed


def _unreachable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def broker() -> str:
    with Connection(BROKER_URL, connect_timeout=2) as conn:
        try:
            conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            _unreachable(f"RabbitMQ unreachable at {BROKER_URL}: {exc}")
    return BROKER_URL


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh schema in the server's test database, dropped afterwards."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema(POSTGRES_URL, "orch"))
        except Exception as exc:
            _unreachable(f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}")
        yield url


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


def _start(settings: Settings, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_BROKER_URL": settings.broker_url,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_QUEUE_PREFIX": settings.queue_prefix,
        "HUB_PROFILE_RELOAD_S": str(RELOAD_S),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(HUB), "worker", *args, "--concurrency", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the workers, then kill any that has not stopped in 15 s."""
    for process in workers:
        process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_for_consumers(
    url: str, queues: list[str], workers: list[subprocess.Popen[bytes]], timeout: float = 30
) -> None:
    """Return once every queue has a consumer: deadlines run from publication."""
    wanted = [q for q in queues if not q.endswith("agency.phyto")]
    end = time.monotonic() + timeout
    with Connection(url) as conn:
        channel = conn.default_channel
        while True:
            assert all(p.poll() is None for p in workers), "a worker exited"
            counts = []
            for queue in wanted:
                try:
                    counts.append(channel.queue_declare(queue, passive=True).consumer_count)
                except Exception:  # not declared yet: the passive declare closed the channel
                    channel = conn.channel()
                    counts.append(0)
            if all(counts):
                channel.close()
                return
            assert time.monotonic() < end, dict(zip(wanted, counts, strict=True))
            time.sleep(0.1)


def test_workers_over_rabbitmq_and_postgresql_decide(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    roles = [["--agency", name] for name in ("customs", "police", "vet")] + [["--decide"]]
    workers = [_start(settings, role, tmp_path / f"worker{i}.log") for i, role in enumerate(roles)]
    try:
        _wait_for_consumers(settings.broker_url, hub.orchestrator.queues, workers)
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
    finally:
        _stop(workers)


def test_every_worker_follows_an_activation_in_the_shared_database(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    roles = [["--agency", name] for name in ("customs", "police", "vet")] + [["--decide"]]
    workers = [_start(settings, role, tmp_path / f"worker{i}.log") for i, role in enumerate(roles)]

    def customs_selects(lrn: str) -> set[str | None]:
        raw = CHICKEN.read_bytes().replace(b"7849431S2YFQ", lrn.encode(), 1)
        decision = hub.wait_for_decision(hub.submit(raw).declaration_id, 30)
        assert decision is not None
        return {f.profile_id for f in decision.agencies["customs"].findings}

    try:
        _wait_for_consumers(settings.broker_url, hub.orchestrator.queues, workers)
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
    finally:
        _stop(workers)
