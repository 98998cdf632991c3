from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.cli import app


def test_a_worker_needs_a_broker_other_processes_can_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    result = CliRunner().invoke(app, ["worker", "--agency", "vet"])
    assert result.exit_code == 2
    assert "HUB_BROKER_URL" in result.output


def test_a_worker_needs_a_queue() -> None:
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
