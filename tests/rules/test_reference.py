"""Reference lists: four kinds, each with a source and a date; errors name file, line, field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import InvalidReference
from hub.rules import (
    CodesList,
    ReferenceData,
    ValuationEntry,
    ValuationList,
    WatchKind,
    Watchlist,
    load_reference,
    parse_reference,
)
from tests.rules.builders import references

CODES = """\
name: pest_origins
owner: phyto
kind: codes
source: EPPO Global Database, distribution of Thrips palmi
date: 2025-01-15
entries: [CN, VN, IN]
"""

VALUATION = """\
name: floors
owner: customs
kind: valuation
source: customs valuation database, median unit values 2024
date: 2025-02-01
entries:
  - {commodity: "0703", floor: 1.10, currency: GBP}
  - {commodity: "07032000", floor: 1.40, currency: GBP}
"""

WATCHLIST = """\
name: police_watchlist
owner: police
kind: watchlist
source: national police intelligence, bulletin 2025/07
date: 2025-03-01
entries:
  - kind: person
    name: Muhammad Alhassan
    aliases: [Abu Hassan]
    reason: wanted for firearms trafficking
  - kind: vehicle
    identifiers: [AB-123-CD]
    reason: reported stolen
"""


def _refusal(text: str) -> InvalidReference:
    with pytest.raises(InvalidReference) as caught:
        parse_reference(text, file="customs/reference/floors.yaml")
    return caught.value


def test_each_kind_loads(tmp_path: Path) -> None:
    for name, text in (("codes", CODES), ("floors", VALUATION), ("watch", WATCHLIST)):
        (tmp_path / f"{name}.yaml").write_text(text)
    codes = load_reference(tmp_path / "codes.yaml")
    assert isinstance(codes, CodesList) and codes.entries == {"CN", "VN", "IN"}
    assert codes.date == date(2025, 1, 15) and codes.source.startswith("EPPO")
    assert codes.file.endswith("codes.yaml")
    floors = load_reference(tmp_path / "floors.yaml")
    assert isinstance(floors, ValuationList)
    assert floors.entries[0].floor == Decimal("1.10")
    watch = load_reference(tmp_path / "watch.yaml")
    assert isinstance(watch, Watchlist)
    assert watch.entries[1].kind is WatchKind.VEHICLE


def test_a_source_is_required() -> None:
    error = _refusal(
        CODES.replace("source: EPPO Global Database, distribution of Thrips palmi\n", "")
    )
    assert (error.line, error.field) == (1, "source")


def test_a_bad_entry_names_its_line_and_field() -> None:
    error = _refusal(VALUATION.replace("floor: 1.40", "floor: -1"))
    assert (error.file, error.line, error.field) == (
        "customs/reference/floors.yaml",
        8,
        "entries[1].floor",
    )


def test_an_unquoted_code_is_named_with_a_hint() -> None:
    error = _refusal(VALUATION.replace('commodity: "0703"', "commodity: 0703"))
    assert (error.line, error.field) == (7, "entries[0].commodity")
    assert "quote" in error.message


def test_an_unknown_kind_names_the_kind_line() -> None:
    error = _refusal(CODES.replace("kind: codes", "kind: colours"))
    assert (error.line, error.field) == (3, "kind")


def test_a_watchlist_entry_needs_something_to_screen() -> None:
    error = _refusal(WATCHLIST.replace("    identifiers: [AB-123-CD]\n", ""))
    assert (error.line, error.field) == (11, "entries[1]")


def test_a_yaml_syntax_error_names_its_line() -> None:
    error = _refusal(CODES.replace("entries: [CN, VN, IN]", "entries: [CN, VN"))
    assert error.line == 7 and "YAML" in error.message


def test_reference_data_lookups() -> None:
    refs = references()
    assert set(refs) == {"pest_origins", "floors", "ratings", "police_watchlist"}
    assert refs.contains("pest_origins", "VN") and not refs.contains("pest_origins", "IL")
    assert refs.valuation_floor("07032000") == Decimal("1.10")  # 0703 is longer than 07
    assert refs.valuation_floor("0709") == Decimal("0.50")
    assert refs.valuation_floor("85") is None
    assert refs.rating("GB123456789000") == 35 and refs.rating("GB0") is None
    assert refs.watchlist("police_watchlist").entries[0].name == "Muhammad Alhassan"
    with pytest.raises(KeyError):
        refs.contains("floors", "07")
    with pytest.raises(KeyError):
        refs.watchlist("pest_origins")


def test_longest_prefix_wins_across_valuation_lists() -> None:
    day = date(2025, 1, 1)
    first = ValuationList(
        name="a",
        owner="customs",
        source="s",
        date=day,
        entries=(ValuationEntry(commodity="0703", floor=Decimal("1"), currency="GBP"),),
    )
    second = ValuationList(
        name="b",
        owner="customs",
        source="s",
        date=day,
        entries=(ValuationEntry(commodity="070320", floor=Decimal("2"), currency="EUR"),),
    )
    refs = ReferenceData([first, second])
    assert refs.valuation_floor("07032000") == Decimal("2")
    entry = refs.valuation("07032000", "GBP")
    assert entry is not None and entry.floor == Decimal("1")


def test_a_list_name_is_unique() -> None:
    codes = parse_reference(CODES, file="phyto/pest.yaml")
    again = parse_reference(CODES, file="vet/pest.yaml")
    with pytest.raises(InvalidReference) as caught:
        ReferenceData([codes, again])
    assert caught.value.file == "vet/pest.yaml" and "phyto/pest.yaml" in caught.value.message
