"""Profiles load from YAML or JSON; a broken one names its file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.errors import InvalidProfile
from hub.rules import ProfileStatus, load_profile, load_profiles, parse_profile

VALID = """\
id: PHY-PEST-001
version: 2
owner: phyto
title: Fresh onions from pest-risk origins
rationale: Thrips on Allium intercepted from these origins in 2024
risk_area: pests
assessment: {probability: medium, consequence: high}
when:
  commodity: ["0703", "0709"]
  origin: [CN, VN]
  documents_missing: [N851]
score: 70
channel: red
instructions: Inspect the consignment for thrips
validity:
  from: 2025-01-01T00:00:00Z
  to: 2025-01-08T00:00:00Z
status: active
"""


def _refusal(text: str, file: str = "phyto/onions.yaml") -> InvalidProfile:
    with pytest.raises(InvalidProfile) as caught:
        parse_profile(text, file=file)
    return caught.value


def test_a_valid_profile_loads(tmp_path: Path) -> None:
    path = tmp_path / "onions.yaml"
    path.write_text(VALID)
    profile = load_profile(path)
    assert profile.key == ("PHY-PEST-001", 2)
    assert profile.when.commodity == ("0703", "0709")
    assert profile.status is ProfileStatus.ACTIVE


def test_a_broken_field_names_file_line_and_field() -> None:
    error = _refusal(VALID.replace('["0703", "0709"]', '["0703",\n    "07a9"]'))
    assert (error.file, error.line, error.field) == ("phyto/onions.yaml", 10, "when.commodity[1]")
    assert "07a9" in error.message
    assert str(error).startswith("phyto/onions.yaml:10 [when.commodity[1]]")


def test_an_out_of_range_score_names_its_line() -> None:
    error = _refusal(VALID.replace("score: 70", "score: 170"))
    assert (error.line, error.field) == (12, "score")


def test_a_missing_field_names_the_mapping_that_lacks_it() -> None:
    error = _refusal(VALID.replace("title: Fresh onions from pest-risk origins\n", ""))
    assert (error.line, error.field) == (1, "title")


def test_an_unquoted_code_gets_a_hint() -> None:
    error = _refusal(VALID.replace("documents_missing: [N851]", "procedure: [4000, 0703]"))
    assert (error.line, error.field) == (11, "when.procedure[0]")
    assert "quote" in error.message


def test_an_unknown_field_is_refused_at_its_line() -> None:
    error = _refusal(VALID.replace("  origin: [CN, VN]", "  orgin: [CN, VN]"))
    assert (error.line, error.field) == (10, "when.orgin")


def test_a_bad_expression_names_the_expression_line() -> None:
    error = _refusal(VALID.replace("  documents_missing: [N851]", "  expression: item.origin +"))
    assert (error.line, error.field) == (11, "when.expression")
    assert error.message.startswith("CEL: Syntax error")


def test_a_type_error_in_a_block_expression_names_its_own_line() -> None:
    block = "  expression: |\n    has(item.net_mass) &&\n    item.net_mass + 'kg' > 1.0"
    error = _refusal(VALID.replace("  documents_missing: [N851]", block))
    assert (error.line, error.field) == (13, "when.expression")
    assert "no matching overload" in error.message


def test_an_expression_must_give_a_bool() -> None:
    error = _refusal(VALID.replace("  documents_missing: [N851]", "  expression: size(item)"))
    assert error.field == "when.expression"
    assert "not a bool" in error.message


def test_a_yaml_syntax_error_names_its_line() -> None:
    error = _refusal(VALID.replace("  origin: [CN, VN]", "  origin: [CN, VN"))
    assert error.file == "phyto/onions.yaml"
    assert error.line == 11
    assert "YAML syntax error" in error.message


def test_a_key_written_twice_is_refused() -> None:
    error = _refusal(VALID + "score: 10\n")
    assert (error.line, error.field) == (19, "score")


def test_a_naive_validity_is_refused_with_a_hint() -> None:
    error = _refusal(VALID.replace("2025-01-01T00:00:00Z", "2025-01-01T00:00:00"))
    assert (error.line, error.field) == (16, "validity.from")
    assert "offset" in error.message


def test_json_is_read_by_the_same_loader(tmp_path: Path) -> None:
    data = parse_profile(VALID, file="x").model_dump(mode="json", by_alias=True)
    data["score"] = 101
    text = json.dumps(data, indent=2)
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(InvalidProfile) as caught:
        load_profile(path)
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if '"score"' in line)
    assert (caught.value.line, caught.value.field) == (expected, "score")


def test_a_directory_loads_lists_and_collects_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    second = VALID.replace("PHY-PEST-001", "PHY-PEST-002")
    (tmp_path / "b.yml").write_text("- " + second.replace("\n", "\n  ").rstrip() + "\n")
    (tmp_path / "c.yaml").write_text(VALID.replace("score: 70", "score: -1"))
    (tmp_path / "d.yaml").write_text(VALID)  # the same id and version again
    (tmp_path / "notes.txt").write_text("not a profile")
    with pytest.raises(InvalidProfile) as caught:
        load_profiles(tmp_path)
    assert caught.value.file.endswith("c.yaml")
    errors: list[InvalidProfile] = []
    loaded = load_profiles(tmp_path, errors=errors)
    assert [p.id for p in loaded] == ["PHY-PEST-001", "PHY-PEST-002"]
    assert [(Path(e.file).name, e.line, e.field) for e in errors] == [
        ("c.yaml", 12, "score"),
        ("d.yaml", 1, "id"),
    ]


def test_a_list_file_names_the_profile_index(tmp_path: Path) -> None:
    broken = VALID.replace("score: 70", "score: 700")
    text = "- " + VALID.replace("\n", "\n  ").rstrip() + "\n- " + broken.replace("\n", "\n  ")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    with pytest.raises(InvalidProfile) as caught:
        load_profiles(tmp_path)
    assert (caught.value.line, caught.value.field) == (30, "[1].score")


def test_the_same_profile_twice_in_one_list_file_is_refused(tmp_path: Path) -> None:
    item = "- " + VALID.replace("\n", "\n  ").rstrip() + "\n"
    (tmp_path / "twice.yaml").write_text(item + item)
    with pytest.raises(InvalidProfile) as caught:
        load_profiles(tmp_path)
    assert (caught.value.line, caught.value.field) == (19, "[1].id")
    assert "this file" in caught.value.message


def test_a_control_character_is_refused_with_its_line_not_a_crash() -> None:
    error = _refusal("id: CUS-X-1\nowner: customs\ntitle: bad \x00 byte\n", file="upload")
    assert "unacceptable character" in error.message
    assert (error.file, error.line) == ("upload", 3)
