"""``hub profiles backtest`` with the hub's control results, over its own declarations, and
``--compare``: a draft beside the active version it would replace."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub._cli_profiles import profiles_app
from hub.decision import merge
from hub.decision.model import Officer
from hub.feedback import ControlOutcome, ControlResult
from hub.ingest import read
from hub.rules.profile import RiskProfile
from hub.store import Store
from hub.store.profile_registry import DatabaseRegistry
from tests.conftest import CORPUS
from tests.decision.support import context
from tests.rules._profile_factory import profile_data, profile_yaml

runner = CliRunner()
DECLARATIONS = CORPUS / "wco-dec-dms" / "declarations"
ACCEPTED = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENCY = """\
name: customs
title: Customs
concerns: {always: true}
queue: agency.customs
deadline_s: 2
fail_safe: yellow
"""
# functional reference -> (agency, outcome, duty, value) of the control recorded on it
CONTROLS = {
    "TT_IM14a_v2.1_2306_01": ("customs", ControlOutcome.DISCREPANCY, "120.50", "900"),  # 0703
    "U.7847767ARN6T": ("customs", ControlOutcome.SEIZURE, None, "1000"),  # 22
    "R330_419_TC1_1906_03": ("customs", ControlOutcome.NO_FINDING, None, None),  # 22
    "TT_IM31a_020721_01": ("vet", ControlOutcome.SEIZURE, None, "5000"),  # 22, not customs'
}


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(profiles_app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def agencies(tmp_path: Path) -> Path:
    root = tmp_path / "agencies"
    (root / "customs" / "profiles").mkdir(parents=True)
    (root / "customs" / "agency.yaml").write_text(AGENCY)
    onions = profile_yaml("CUS-VEG-001", when={"commodity": ["0703"]})
    (root / "customs" / "profiles" / "veg.yaml").write_text(onions)
    return root


@pytest.fixture
def hub_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The hub's database, holding the corpus as accepted, decided and partly controlled."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    with Store.open(url, migrate=True) as store:
        for path in sorted(p for p in DECLARATIONS.rglob("*") if p.is_file()):
            raw = path.read_bytes()
            declaration = read(raw)
            store.accept(raw, declaration, wire_format="xml", received_at=ACCEPTED)
            control = CONTROLS.get(declaration.functional_reference or "")
            if control is None:
                continue
            answers = {"customs": [], "vet": []}
            store.save_decision(merge(declaration, answers, context=context(), now=ACCEPTED))
            agency, outcome, duty, value = control
            store.record_control_result(
                ControlResult(
                    declaration_id=declaration.id,
                    decision_version=1,
                    agency=agency,
                    officer=Officer(id="officer-1", agency=agency),
                    checked="documents and goods",
                    outcome=outcome,
                    duty_at_stake=None if duty is None else Decimal(duty),
                    value_at_stake=None if value is None else Decimal(value),
                    recorded_at=ACCEPTED,
                ),
                actor=f"officer:{agency}:officer-1",
            )
    return url


def _activate_onions_and_draft_wider(agencies: Path, url: str) -> None:
    """CUS-VEG-001 v2 active (onions, 0703); v3 a draft that also selects beverages (22)."""
    common = ["--agencies", str(agencies)]
    assert _run("sync", "--by", "alice", *common)[0] == 0
    veg = str(agencies / "customs" / "profiles")
    assert _run("backtest", veg, "--against", str(DECLARATIONS), "--record", "--by", "bob",
                *common)[0] == 0  # fmt: skip
    assert _run("activate", "CUS-VEG-001", "--by", "chief")[0] == 0
    wider = RiskProfile.model_validate(
        profile_data("CUS-VEG-001", version=3, when={"commodity": ["0703", "22"]}, status="draft")
    )
    with Store.open(url) as store:
        assert DatabaseRegistry(store).publish(wider, by="alice", at=ACCEPTED) is not None


def test_files_back_tested_read_the_hubs_control_results_for_the_same_declarations(
    agencies: Path, hub_db: str
) -> None:
    profile = str(agencies / "customs" / "profiles" / "veg.yaml")

    code, output = _run(
        "backtest", profile, "--against", str(DECLARATIONS), "--agencies", str(agencies), "--json"
    )

    assert code == 0, output
    [hits] = json.loads(output)["result"]["profiles"]
    assert (hits["declarations"], hits["controls_known"], hits["detections"]) == (2, 1, 1)
    assert Decimal(hits["value_recovered"]) == Decimal("120.50")  # the duty, not the value


def test_without_the_hubs_database_the_hit_rate_stays_unknown(
    agencies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    profile = str(agencies / "customs" / "profiles" / "veg.yaml")

    code, output = _run("backtest", profile, "--against", str(DECLARATIONS),
                        "--agencies", str(agencies))  # fmt: skip

    assert code == 0, output
    assert "hit rate unknown" in output
    assert not (tmp_path / "none.db").exists()  # back-testing files creates no database


def test_from_store_back_tests_the_declarations_accepted_in_the_period(
    agencies: Path, hub_db: str
) -> None:
    _activate_onions_and_draft_wider(agencies, hub_db)
    common = ["--from-store", "--agencies", str(agencies)]

    code, output = _run("backtest", "CUS-VEG-001", *common, "--from", "2026-03-02",
                        "--to", "2026-03-02")  # fmt: skip

    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == (
        "Back-test on 66 declaration(s), 70 goods item(s)"
        " from the hub's declarations accepted 2026-03-02 to 2026-03-02"
    )
    assert lines[1].startswith("CUS-VEG-001 v3 (customs, yellow): 9 declaration(s) hit")
    assert lines[1].endswith("hit rate 66.7% (2/3), value recovered 1,120.50")
    assert lines[-1] == "control outcomes known for 3 declaration(s)"
    code, output = _run("backtest", "CUS-VEG-001", *common, "--from", "2026-03-03",
                        "--to", "2026-03-09")  # fmt: skip
    assert code == 0 and output.startswith("Back-test on 0 declaration(s)")
    code, _ = _run("backtest", "CUS-VEG-001", *common, "--from", "2026-03-02")
    assert code == 2  # --to is missing


def test_compare_sets_the_draft_beside_the_active_version_it_would_replace(
    agencies: Path, hub_db: str
) -> None:
    _activate_onions_and_draft_wider(agencies, hub_db)

    code, output = _run(
        "backtest", "CUS-VEG-001", "--from-store", "--from", "2026-03-01", "--to", "2026-03-02",
        "--compare", "--agencies", str(agencies),
    )  # fmt: skip

    assert code == 0, output
    compared = output.split("\n\n", 1)[1].splitlines()
    assert compared[0] == "CUS-VEG-001 v3 against what it would replace (same id)"
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in compared[2:8]}
    assert compared[1].split() == ["draft", "CUS-VEG-001", "v3", "active", "CUS-VEG-001", "v2"]
    assert rows["declarations hit"] == ["9", "2"]
    assert rows["controls known"] == ["3", "1"]
    assert rows["value recovered"] == ["1,120.50", "120.50"]
    assert rows["only this side hits"] == ["7", "0"]
    assert compared[3].split()[-2:] == ["13.6%", "3.0%"]
    assert compared[5].split()[-4:] == ["66.7%", "(2/3)", "100.0%", "(1/1)"]
    assert compared[-1] == (
        "only the draft hits: 1 of 2 known control(s) found something, 1,000.00 recovered"
    )

    code, output = _run(
        "backtest", "CUS-VEG-001", "--version", "2", "--against", str(DECLARATIONS),
        "--compare", "--agencies", str(agencies), "--json",
    )  # fmt: skip
    assert code == 0, output
    comparison = json.loads(output)["comparison"]
    assert comparison["basis"] == "same owner and risk area"  # v2 is the active one itself
    assert comparison["active"] == []
