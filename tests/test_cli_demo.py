"""``hub demo --once``: what ``make demo`` runs, so it cannot silently rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.store import Store
from tests.conftest import CORPUS, MESSAGE_SCHEMAS


def test_demo_once_submits_the_samples_and_prints_each_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    args = ["demo", "--once", "--port", "0", "--workdir", str(tmp_path / "demo"), "--history", "0"]
    result = CliRunner().invoke(app, [*args, "--corpus", str(CORPUS)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "filling" not in out and "history:" not in out
    assert (tmp_path / "demo" / "hub.db").is_file()
    assert "hub (embedded) serving at http://127.0.0.1:" in out
    assert "REFUSED" not in out and "still assessing" not in out
    # Every submission sample is sent; the hub's own response samples are not.
    samples = sorted((MESSAGE_SCHEMAS / "cargo_report" / "samples" / "valid").glob("*.xml"))
    assert samples
    for sample in samples:
        assert sample.name in out
    assert "hub_decision_response" not in out and "released_green.xml" not in out
    block = out.split("air_waybill_nairobi_amsterdam.xml\n", 1)[1]
    assert re.match(r"\s+decision: DEC-\w+ v1, channel (green|yellow|orange|red), ", block)
    assert re.search(r"agencies: customs [a-z-]+/[a-z]+", block)
    assert "cancellation accepted" in out
    if not (CORPUS / "wco-dec-dms").is_dir():
        return
    # The corpus chicken from Brazil: vet examines.
    chicken = out.split("TT_IM026a.xml\n", 1)[1]
    assert "channel red, not released" in chicken.splitlines()[0]
    assert "vet examination-required/red" in chicken


def test_demo_again_shows_the_same_decisions_and_fills_its_history_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    args = ["demo", "--once", "--port", "0", "--workdir", str(tmp_path), "--corpus", "-"]
    first = CliRunner().invoke(app, [*args, "--history", "20"])
    second = CliRunner().invoke(app, [*args, "--history", "20"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    ids = [re.findall(r"DEC-\w+", r.output.split("submitting", 1)[1]) for r in (first, second)]
    assert ids[0] and ids[0] == ids[1]
    assert "filling the last 14 days: 20 declarations" in first.output
    assert re.search(r"history: 20 declarations over \d+ days", first.output)
    assert re.search(
        r"decisions by channel: green \d+, yellow \d+, orange \d+, red \d+", first.output
    )
    assert re.search(r"control results: \d+ \(no-finding \d+, discrepancy \d+", first.output)
    assert "not filled again" in second.output and "filling" not in second.output
    with Store.open(f"sqlite:///{tmp_path / 'hub.db'}") as store:
        # The history's twenty and the samples, none twice.
        assert len(store.latest_decisions(limit=1000)) == 20 + len(ids[0])
