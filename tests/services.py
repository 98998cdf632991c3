"""The machine's real services and hub processes, as the integration tests use them.

RabbitMQ and PostgreSQL run on every machine, CI's included
(``HUB_TEST_BROKER_URL``, ``HUB_TEST_POSTGRES_URL`` change where). Without
them a test is skipped, except under CI (env ``CI``), where it fails: CI must
never pass by skipping. Hub processes (``hub worker``, ``hub serve``) are
started as the deployment starts them and always stopped, killed if they
will not stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import pytest
from kombu.connection import Connection

__all__ = [
    "BROKER_URL",
    "HUB",
    "POSTGRES_URL",
    "free_port",
    "hub_process",
    "reachable_broker",
    "unreachable",
    "wait_for_consumers",
]

BROKER_URL = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES_URL = os.environ.get(
    "HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HUB = Path(sys.executable).parent / "hub"  # the console script, as deployments run it


def unreachable(reason: str) -> NoReturn:
    """Skip, or under CI fail: a service the test needs does not answer."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def reachable_broker(url: str = BROKER_URL) -> str:
    """``url`` once RabbitMQ answers there (else :func:`unreachable`)."""
    with Connection(url, connect_timeout=2) as conn:
        try:
            conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            unreachable(f"RabbitMQ unreachable at {url}: {exc}")
    return url


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def hub_process(
    args: Sequence[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``hub <args>`` as a process writing to ``log``; terminated (killed after 15 s) on exit."""
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [str(HUB), *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_for_consumers(
    url: str,
    queues: Sequence[str],
    processes: Sequence[subprocess.Popen[bytes]],
    logs: Sequence[Path],
    timeout: float = 30,
) -> None:
    """Return once every queue has a consumer (deadlines run from publication); a process
    that exits first, or the time running out, fails with the processes' logs."""
    end = time.monotonic() + timeout
    with Connection(url) as conn:
        channel = conn.channel()
        while True:
            counts = []
            for queue in queues:
                try:
                    counts.append(channel.queue_declare(queue, passive=True).consumer_count)
                except Exception:  # not declared yet: the passive declare closed the channel
                    channel = conn.channel()
                    counts.append(0)
            if all(counts):
                channel.close()
                return
            exited = any(p.poll() is not None for p in processes)
            if exited or time.monotonic() > end:
                text = "\n".join(log.read_text()[-3000:] for log in logs)
                why = "a process exited" if exited else dict(zip(queues, counts, strict=True))
                raise AssertionError(f"no consumer on every queue: {why}\n{text}")
            time.sleep(0.1)
