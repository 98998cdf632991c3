"""``hub rating``: run, show (latest or fresh), proposals, AEO applications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.feedback import ControlOutcome
from hub.store import Store
from tests.store.test_ratings_store import _control, _declare


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """An embedded hub's store with a trader whose goods were seized twice, and a clean one."""
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    for name in ("HUB_BROKER_URL", "HUB_REGISTERS_DIR"):
        monkeypatch.delenv(name, raising=False)
    opened = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", migrate=True)
    for n in range(14):
        _declare(opened, n, "GB-BAD" if n < 4 else "GB123456789000", days_ago=600 - 40 * n)
    _control(opened, "DEC-0", ControlOutcome.SEIZURE, duty=4000)
    _control(opened, "DEC-1", ControlOutcome.SEIZURE)
    return opened


def _hub(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_run_then_show_and_proposals(store: Store) -> None:
    code, out = _hub("rating", "run")
    assert code == 0, out
    assert out == "rated 3 parties: high 1, medium 0, low 2; 2 proposed for post-clearance audit\n"

    code, out = _hub("rating", "show", "GB-BAD")
    assert code == 0 and "(low)" in out and "2 seizures, the last on" in out
    code, out = _hub("rating", "show", "GB123456789000", "--json")
    shown = json.loads(out)
    assert shown["band"] == "high" and "AEOF granted since 2021" in shown["reasons"]

    code, out = _hub("rating", "proposals", "--json")
    assert {p["party"] for p in json.loads(out)} == {"GB-BAD", "GB-AGENT"}  # the declarant too
    assert store.latest_ratings()["GB-BAD"].band.value == "low"
    recorded = next(e for e in store.audit_trail() if e.action == "ratings.recorded")
    assert recorded.actor.startswith("cli:")
    store.close()


def test_show_fresh_computes_without_storing(store: Store) -> None:
    code, out = _hub("rating", "show", "GB-BAD")
    assert code == 1 and "no rating yet" in out

    code, out = _hub("rating", "show", "GB-BAD", "--fresh", "--json")

    assert code == 0 and json.loads(out)["band"] == "low"
    assert store.latest_ratings() == {}
    store.close()


def test_aeo_application(store: Store) -> None:
    code, out = _hub("rating", "aeo-application", "GB-BAD", "--json")
    assert code == 0 and json.loads(out)["recommendation"] == "refuse"
    code, out = _hub("rating", "aeo-application", "GB123456789000")
    assert code == 0 and out.startswith("GB123456789000:") and "age of record" in out
    store.close()
