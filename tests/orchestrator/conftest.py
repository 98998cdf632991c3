"""The real RabbitMQ and a scratch PostgreSQL schema, for the distributed-mode tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.postgres import scratch_schema
from tests.services import POSTGRES_URL, reachable_broker, unreachable


@pytest.fixture
def broker() -> str:
    return reachable_broker()


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh schema in the server's test database, dropped afterwards."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema(POSTGRES_URL, "orch"))
        except Exception as exc:
            unreachable(f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}")
        yield url
