"""``hub assess``: route corpus messages and print each agency's reasons and findings."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from hub.agency import default_agencies_dir
from hub.cli import app
from tests.conftest import CORPUS

runner = CliRunner()
DECLARATIONS = CORPUS / "wco-dec-dms/declarations"
CHICKEN_BR = DECLARATIONS / "TT_IM026a/TT_IM026a.xml"  # N853, frozen chicken from Brazil
COURGETTES = DECLARATIONS / "TT_IM160a/Step1_TT_IM160a.xml"  # N851 and C085
NO_COMMODITY = DECLARATIONS / "TT_IM005b/TT_IM005b.xml"
AT = ["--at", "2026-11-26T12:00:00Z"]


def _records(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_readable_output_gives_each_agency_its_reasons_and_findings() -> None:
    result = runner.invoke(app, ["assess", *AT, str(CHICKEN_BR)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(f"OK    {CHICKEN_BR}\n")
    assert "customs (items 1)\n        why: customs: concerned with every declaration" in text
    assert "why: vet: item 1 commodity 02071410 in chapter 02 (meat and edible offal)" in text
    assert "why: vet: item 1 carries document N853" in text
    assert "RED    VET-ORG-002 v1 Poultry" in text
    assert "phyto" not in text


def test_json_gives_one_object_per_file_with_routes_and_findings_by_agency() -> None:
    result = runner.invoke(app, ["assess", "--json", *AT, str(CHICKEN_BR), str(COURGETTES)])
    assert result.exit_code == 0, result.output
    chicken, courgettes = _records(result.output)
    assert chicken["file"] == str(CHICKEN_BR)
    assert [r["agency"] for r in chicken["routes"]] == ["customs", "police", "vet"]
    vet = chicken["findings"]["vet"]
    assert [f["profile_id"] for f in vet] == ["VET-ORG-002"]
    assert vet[0]["channel"] == "red" and vet[0]["item_sequences"] == [1]
    assert [r["agency"] for r in courgettes["routes"]] == ["customs", "phyto", "police"]
    assert courgettes["findings"] == {"customs": [], "phyto": [], "police": []}


def test_an_incomplete_declaration_is_refused_with_the_words_of_hub_check() -> None:
    checked = runner.invoke(app, ["check", "--json", str(NO_COMMODITY)])
    warnings = _records(checked.output)[0]["warnings"]
    assert warnings

    result = runner.invoke(app, ["assess", "--json", *AT, str(NO_COMMODITY), str(COURGETTES)])
    assert result.exit_code == 1
    refused, assessed = _records(result.output)
    assert refused["error"]["kind"] == "IncompleteDeclaration"
    assert refused["error"]["missing"] == warnings
    assert "routes" in assessed  # the run goes on after a refusal

    text = runner.invoke(app, ["assess", *AT, str(NO_COMMODITY)]).output
    assert text.splitlines()[0] == f"REFUSED {NO_COMMODITY}"
    assert [line.strip() for line in text.splitlines()[1:]] == [
        f"incomplete: {w}" for w in warnings
    ]


def test_the_whole_corpus_routes_n853_to_vet_and_n851_to_phyto() -> None:
    result = runner.invoke(app, ["assess", "--json", *AT, str(DECLARATIONS)])
    assert result.exit_code == 1  # the corpus holds amendments without goods
    records = {str(r["file"]): r for r in _records(result.output)}
    with (CORPUS / "wco-dec-dms/MANIFEST.csv").open(encoding="utf-8") as f:
        manifest = list(csv.DictReader(f))
    assert len(records) == len(manifest)
    checked = 0
    for row in manifest:
        record = records[str(DECLARATIONS / row["file"])]
        if "error" in record:
            continue
        agencies = {r["agency"] for r in record["routes"]}
        assert {"customs", "police"} <= agencies
        docs = row["agency_docs"].split()
        assert ("N853" in docs) <= ("vet" in agencies), row["file"]
        assert ("N851" in docs) <= ("phyto" in agencies), row["file"]
        checked += "N853" in docs or "N851" in docs
    assert checked == 8


def test_a_missing_file_fails_the_run_and_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", *AT, str(tmp_path / "nothing.xml")])
    assert result.exit_code == 1
    assert result.output.startswith(f"ERROR {tmp_path / 'nothing.xml'}")


def test_at_must_be_an_iso_moment_with_an_offset() -> None:
    for bad in ("tomorrow", "2026-11-26T12:00:00"):
        result = runner.invoke(app, ["assess", "--at", bad, str(COURGETTES)])
        assert result.exit_code == 2, bad


def test_another_agencies_folder_and_its_refused_profiles(tmp_path: Path) -> None:
    root = tmp_path / "agencies"
    shutil.copytree(
        default_agencies_dir(), root, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    (root / "vet/profiles/VET-ORG-002.yaml").write_text("id: [broken\n")
    result = runner.invoke(app, ["assess", *AT, "--agencies", str(root), str(CHICKEN_BR)])
    assert result.exit_code == 0
    assert "warning: vet: profile refused:" in result.stderr
    assert "VET-ORG-002" not in result.stdout
    assert "vet (items 1)" in result.stdout


def test_a_broken_agency_stops_the_run_before_any_file(tmp_path: Path) -> None:
    (tmp_path / "customs").mkdir()
    result = runner.invoke(app, ["assess", *AT, "--agencies", str(tmp_path), str(COURGETTES)])
    assert result.exit_code == 2
    assert "ERROR agencies:" in result.stderr and "agency.yaml" in result.stderr
    assert result.stdout == ""


def test_json_carries_the_coordinated_decision_and_text_summarises_it() -> None:
    result = runner.invoke(app, ["assess", "--json", *AT, str(CHICKEN_BR)])
    (chicken,) = _records(result.output)
    decision = chicken["decision"]
    assert decision["channel"] == "red" and decision["released"] is False
    assert decision["agencies"]["vet"]["status"] == "examination-required"
    assert decision["agencies"]["customs"]["status"] == "may-proceed"
    assert decision["joint_examination"] is None
    assert decision["examination"]["agencies"] == ["vet"]
    text = runner.invoke(app, ["assess", *AT, str(CHICKEN_BR)]).output
    assert "decision: red; not released; examination (vet) physical" in text
