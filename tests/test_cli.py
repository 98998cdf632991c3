"""``hub check``: what a new user runs first on their own messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from tests.conftest import CORPUS, MESSAGE_SCHEMAS

runner = CliRunner()
DMS = CORPUS / "wco-dec-dms"
PHYTO_IMPORT = DMS / "declarations/TT_IM160a/Step1_TT_IM160a.xml"
AMENDMENT = DMS / "declarations/TT_IM082a/TT_IM002b_Amendment.xml"


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_output_is_one_object_per_file_with_the_declaration() -> None:
    result = runner.invoke(app, ["check", "--json", str(PHYTO_IMPORT), str(AMENDMENT)])

    assert result.exit_code == 0, result.output
    first, second = _lines(result.output)
    assert first["file"] == str(PHYTO_IMPORT)
    declaration = first["declaration"]
    assert isinstance(declaration, dict)
    assert declaration["functional_reference"] == "U.7847767O5K50"
    assert declaration["goods_items"][0]["commodity_code"] == "07099310"
    assert first["warnings"] == []
    assert "error" not in first
    assert second["warnings"], "an amendment without goods must be warned about"


def test_a_bad_file_fails_the_run_and_names_the_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Declaration>\n<FunctionCode>9</FunctionCode>\n<Type")

    result = runner.invoke(app, ["check", "--json", str(PHYTO_IMPORT), str(broken)])

    assert result.exit_code == 1
    good, bad = _lines(result.output)
    assert "declaration" in good
    error = bad["error"]
    assert isinstance(error, dict)
    assert error["kind"] == "MalformedMessage"
    assert str(error["where"]).startswith("line 3")
    assert "declaration" not in bad


def test_readable_summary_lists_warnings() -> None:
    result = runner.invoke(app, ["check", str(AMENDMENT)])

    assert result.exit_code == 0
    assert "OK" in result.output
    assert "warning:" in result.output


def test_schemas_option_validates_against_the_administrations_xsds(tmp_path: Path) -> None:
    invalid = tmp_path / "invalid.xml"
    invalid.write_bytes(
        PHYTO_IMPORT.read_bytes().replace(b"<FunctionCode>9<", b"<FunctionCode>77<")
    )

    without = runner.invoke(app, ["check", "--json", str(invalid)])
    checked = runner.invoke(
        app, ["check", "--json", "--schemas", str(DMS / "schemas"), str(invalid)]
    )

    assert without.exit_code == 0
    assert checked.exit_code == 1
    (line,) = _lines(checked.output)
    error = line["error"]
    assert isinstance(error, dict)
    assert error["kind"] == "SchemaInvalid"
    assert "FunctionCode" in str(error["where"])


def test_directories_expand_and_hundreds_of_files_are_read(tmp_path: Path) -> None:
    sources = sorted((DMS / "declarations").rglob("*.xml"))
    for copy in range(5):
        for index, source in enumerate(sources):
            shutil.copy(source, tmp_path / f"{copy}-{index}.xml")

    result = runner.invoke(app, ["check", "--json", str(tmp_path)])

    assert result.exit_code == 0
    records = _lines(result.output)
    assert len(records) == 5 * len(sources) >= 300
    assert all("declaration" in record for record in records)


def test_the_hubs_own_samples_and_every_corpus_format_are_readable() -> None:
    paths = [
        str(MESSAGE_SCHEMAS / "cargo_report/samples/valid"),
        str(CORPUS / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi"),
        str(CORPUS / "edifact/CUSCAR_D99B_AU-ICS-warehouse-release_ts-edifact.edi"),
        str(CORPUS / "ics1-ens/CC315A-schemaValidSample-v11-2.xml"),
    ]
    result = runner.invoke(app, ["check", "--json", *paths])

    assert result.exit_code == 0, result.output
    formats = {record["declaration"]["source_format"] for record in _lines(result.output)}  # type: ignore[index]
    assert formats == {"hub-cargo-report", "edifact-cusdec", "edifact-cuscar", "ics-ie315"}


def test_an_unsupported_edifact_message_is_an_error() -> None:
    result = runner.invoke(
        app,
        ["check", "--json", str(CORPUS / "edifact/CUSREP_D99B_AU-ICS-departure_ts-edifact.edi")],
    )
    assert result.exit_code == 1
    (line,) = _lines(result.output)
    assert line["error"]["kind"] == "UnsupportedMessage"  # type: ignore[index]
