"""Fixtures of the API tests: a signing key per test, and a trader's client over an embedded hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api import create_api
from tests.api.support import Tokens
from tests.orchestrator.support import embedded_hub


@pytest.fixture
def tokens(tmp_path: Path) -> Tokens:
    return Tokens(tmp_path)


@pytest.fixture
def client(tmp_path: Path, tokens: Tokens) -> Iterator[TestClient]:
    """The API over an embedded hub, sending the frozen-chicken trader's token by default."""
    with (
        embedded_hub(tmp_path) as hub,
        TestClient(create_api(hub, signing_key=tokens.key)) as c,
    ):
        c.headers.update(tokens.trader())
        yield c
