"""``hub profiles``: what an officer runs to check, record, activate and back-test profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub._cli_profiles import profiles_app
from hub.cli import app
from hub.rules.profile import ProfileStatus
from hub.rules.registry import FileRegistry
from hub.store import Store
from hub.store.profile_registry import DatabaseRegistry
from tests.conftest import CORPUS
from tests.rules._profile_factory import profile_yaml

runner = CliRunner()
DECLARATIONS = CORPUS / "wco-dec-dms" / "declarations"
AGENCY = """\
name: customs
title: Customs
concerns: {always: true}
queue: agency.customs
deadline_s: 2
fail_safe: yellow
"""


@pytest.fixture(autouse=True)
def no_hub_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub.db of the working folder (say, `make demo`'s) lends these tests its results."""
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")


@pytest.fixture
def agencies(tmp_path: Path) -> Path:
    root = tmp_path / "agencies"
    (root / "customs" / "profiles").mkdir(parents=True)
    (root / "customs" / "agency.yaml").write_text(AGENCY)
    profile = profile_yaml("CUS-VEG-001", when={"commodity": ["07"]})
    (root / "customs" / "profiles" / "veg.yaml").write_text(profile)
    return root


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(profiles_app, list(args))
    return result.exit_code, result.output


def test_check_names_the_file_line_and_field_of_a_broken_profile(agencies: Path) -> None:
    broken = agencies / "customs" / "profiles" / "broken.yaml"
    broken.write_text(profile_yaml("CUS-BRK-001", score=400))

    code, output = _run("check", str(agencies))

    assert code == 1
    assert f"OK    {agencies}/customs/profiles/veg.yaml  CUS-VEG-001 v1 (testing)" in output
    assert f"ERROR {broken}:13 [score]: " in output


def test_check_json_gives_one_object_per_file(agencies: Path) -> None:
    (agencies / "customs" / "profiles" / "list.yaml").write_text(
        profile_yaml("CUS-LST-001", when={"expression": 'in_list("nowhere", item.origin)'})
    )

    code, output = _run("check", "--json", str(agencies))

    good, bad = (json.loads(line) for line in output.splitlines())
    assert code == 1
    assert good["profiles"] == [{"id": "CUS-VEG-001", "version": 1, "status": "testing"}]
    assert bad["error"]["kind"] == "InvalidProfile"
    assert bad["error"]["file"].endswith("list.yaml")
    assert (bad["error"]["line"], bad["error"]["field"]) == (11, "when.expression")
    assert "nowhere" in bad["error"]["message"]


def test_sync_list_history_and_show(agencies: Path, tmp_path: Path) -> None:
    registry = str(tmp_path / "registry")

    assert _run("sync", "--agencies", str(agencies), "--by", "alice", "--registry", registry) == (
        0,
        "recorded CUS-VEG-001 v1 (testing)\n1 recorded, 0 unchanged, 0 refused\n",
    )
    code, listed = _run("list", "--registry", registry, "--status", "testing")
    assert code == 0 and listed.split()[:5] == ["CUS-VEG-001", "v1", "testing", "customs", "yellow"]
    assert _run("list", "--registry", registry, "--agency", "vet")[1].startswith("no profiles")
    code, history = _run("history", "CUS-VEG-001", "--registry", registry)
    assert code == 0 and "alice" in history and "publish  v1" in history
    code, shown = _run("show", "CUS-VEG-001", "--registry", registry)
    assert code == 0 and shown.startswith("# v1: publish by alice at ")
    assert "id: CUS-VEG-001" in shown


def test_activation_waits_for_a_recorded_backtest(agencies: Path, tmp_path: Path) -> None:
    registry = str(tmp_path / "registry")
    common = ["--registry", registry, "--agencies", str(agencies)]
    _run("sync", "--by", "alice", *common)

    code, refused = _run("activate", "CUS-VEG-001", "--by", "chief", "--registry", registry)
    assert code == 1
    assert "refused: CUS-VEG-001 v1: no back-test is recorded" in refused

    profiles = str(agencies / "customs" / "profiles")
    code, tested = _run(
        "backtest", profiles, "--against", str(DECLARATIONS), "--record", "--by", "bob", *common
    )
    assert code == 0, tested
    assert "recorded back-test of CUS-VEG-001 v1 by bob" in tested

    code, done = _run("activate", "CUS-VEG-001", "--by", "chief", "--registry", registry)
    assert (code, done) == (0, "CUS-VEG-001 v2 is active (was v1, testing)\n")
    code, _ = _run("retire", "CUS-VEG-001", "--by", "chief", "--registry", registry)
    assert code == 2  # a retirement without --reason is not even attempted


def test_backtest_reports_hits_shares_offices_and_commodities(agencies: Path) -> None:
    profile = str(agencies / "customs" / "profiles" / "veg.yaml")

    code, output = _run(
        "backtest", profile, "--against", str(DECLARATIONS), "--agencies", str(agencies)
    )

    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == f"Back-test on 66 declaration(s), 70 goods item(s) from {DECLARATIONS}"
    assert lines[1] == (
        "CUS-VEG-001 v1 (customs, yellow): 6 declaration(s) hit (9.1%),"
        " 6 item(s) (8.6%), hit rate unknown"
    )
    assert lines[2].startswith("  per office:    WLALONBTW 2, BELBELBEL 1, GBBEL004 1")
    assert lines[3].startswith("  per commodity: 07032000 1, 07039000 1")
    assert lines[4] == (
        "channel mix of these profiles alone: green 60, yellow 6, orange 0, red 0; blue (audit) 0"
    )


def test_backtest_gives_a_hit_rate_only_from_given_control_results(
    agencies: Path, tmp_path: Path
) -> None:
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps({"TT_IM14a_v2.1_2306_01": True, "unknown-ref": False}))
    profile = str(agencies / "customs" / "profiles" / "veg.yaml")

    code, output = _run(
        "backtest", profile, "--against", str(DECLARATIONS), "--agencies", str(agencies),
        "--outcomes", str(outcomes), "--json",
    )  # fmt: skip

    assert code == 0, output
    [hits] = json.loads(output)["result"]["profiles"]
    assert (hits["hit_rate"], hits["controls_known"], hits["detections"]) == (1.0, 1, 1)


def test_backtest_of_an_unknown_id_fails_clearly(tmp_path: Path, agencies: Path) -> None:
    code, output = _run(
        "backtest", "CUS-NONE-001", "--against", str(DECLARATIONS),
        "--registry", str(tmp_path / "registry"), "--agencies", str(agencies),
    )  # fmt: skip

    assert code == 1
    assert "CUS-NONE-001: no such profile" in output


def test_the_hub_command_carries_the_profiles_commands() -> None:
    result = runner.invoke(app, ["profiles", "--help"])

    assert result.exit_code == 0
    commands = ("check", "list", "sync", "activate", "retire", "history", "show", "backtest")
    for command in (*commands, "import-registry"):
        assert command in result.output


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The hub's database (embedded, so the commands migrate it), as ``HUB_DATABASE_URL``."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    return url


def test_without_registry_the_commands_change_the_hubs_database(
    agencies: Path, database: str
) -> None:
    common = ["--agencies", str(agencies)]
    assert _run("sync", "--by", "alice", *common)[0] == 0
    profiles = str(agencies / "customs" / "profiles")
    code, tested = _run(
        "backtest", profiles, "--against", str(DECLARATIONS), "--record", "--by", "bob", *common
    )
    assert code == 0, tested
    assert _run("backtest", "CUS-VEG-001", "--against", str(DECLARATIONS), *common)[0] == 0

    code, done = _run("activate", "CUS-VEG-001", "--by", "chief")
    assert (code, done) == (0, "CUS-VEG-001 v2 is active (was v1, testing)\n")
    code, history = _run("history", "CUS-VEG-001")
    assert code == 0 and [line.split()[1:3] for line in history.splitlines()] == [
        ["alice", "publish"],
        ["bob", "backtest"],
        ["chief", "status"],
    ]
    assert _run("list", "--agency", "vet")[1] == (
        "no profiles in the database; bring them in with `hub profiles sync`\n"
    )
    with Store.open(database) as store:
        assert DatabaseRegistry(store).get("CUS-VEG-001").status is ProfileStatus.ACTIVE


def test_import_registry_brings_a_file_registry_into_the_database(
    agencies: Path, tmp_path: Path, database: str
) -> None:
    registry = str(tmp_path / "registry")
    _run("sync", "--by", "alice", "--registry", registry, "--agencies", str(agencies))

    code, output = _run("import-registry", registry, "--by", "ops")
    assert (code, output) == (
        0,
        "imported CUS-VEG-001\n1 profile(s) imported: 1 version(s), 1 change(s),"
        " 0 back-test(s); 0 already in the database\n",
    )
    assert _run("import-registry", registry, "--by", "ops")[1].startswith("already  CUS-VEG-001")
    with Store.open(database) as store:
        assert DatabaseRegistry(store).changes() == FileRegistry(Path(registry)).changes()

    _run("retire", "CUS-VEG-001", "--by", "chief", "--reason", "diverges", "--registry", registry)
    code, refused = _run("import-registry", registry, "--by", "ops")
    assert code == 1 and "refused: CUS-VEG-001 v2: the database holds only the first" in refused
