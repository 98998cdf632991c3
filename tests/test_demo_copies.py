"""The demo's copies of a sample: each a distinct message the hub reads like any other."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from random import Random

import pytest
from lxml import etree

from hub._demo_copies import copy_of
from hub.ingest import read_with_warnings
from tests.conftest import CORPUS, MESSAGE_SCHEMAS

SAMPLES = MESSAGE_SCHEMAS / "cargo_report" / "samples" / "valid"
DMS = CORPUS / "wco-dec-dms" / "declarations"


def _masses(raw: bytes) -> list[Decimal]:
    root = etree.fromstring(raw.lstrip(b"\xef\xbb\xbf"))
    return [
        Decimal(e.text)
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname.endswith("MassMeasure")
    ]


def test_a_copy_has_its_own_references_its_day_and_masses_a_little_off() -> None:
    raw = (SAMPLES / "sea_container_shanghai_rotterdam.xml").read_bytes()
    original = read_with_warnings(raw).declaration
    made = copy_of(raw, serial=7, day=date(2026, 11, 20), rng=Random(1))
    copy = read_with_warnings(made).declaration

    assert copy.id != original.id
    assert copy.functional_reference == f"{original.functional_reference}-00007"
    text = made.decode()
    assert "<IssueDateTime>2026-11-20T09:15:00+01:00</IssueDateTime>" in text
    # Arrival stays five days after issue, at its time of day.
    assert "<ArrivalDateTime>2026-11-25T06:00:00+01:00</ArrivalDateTime>" in text
    before, after = _masses(raw), _masses(made)
    assert len(before) == len(after) and before != after
    ratios = {round(a / b, 2) for a, b in zip(after, before, strict=True)}
    assert len(ratios) == 1 and all(Decimal("0.92") <= r <= Decimal("1.08") for r in ratios)
    assert copy.goods_items and len(copy.goods_items) == len(original.goods_items)


def test_two_copies_of_one_sample_are_two_declarations() -> None:
    raw = (SAMPLES / "road_truck_istanbul_sofia.xml").read_bytes()
    rng = Random(3)
    first = read_with_warnings(copy_of(raw, serial=1, day=date(2026, 11, 20), rng=rng))
    second = read_with_warnings(copy_of(raw, serial=2, day=date(2026, 11, 20), rng=rng))
    assert first.declaration.id != second.declaration.id
    assert first.declaration.functional_reference != second.declaration.functional_reference


def test_a_wco_declaration_keeps_its_wrapper_and_moves_its_compact_dates() -> None:
    path = DMS / "TT_IM047b/TT_IM047b.xml"
    if not path.is_file():
        pytest.skip("the shared corpus is not here")
    raw = path.read_bytes()
    made = copy_of(raw, serial=12, day=date(2026, 11, 24), rng=Random(5))
    copy = read_with_warnings(made).declaration
    assert copy.functional_reference == "U.7867523UWMVK-00012"
    assert b'formatCode="304">20261124132920+01<' in made
    assert b"MetaData" in made.split(b"\n", 2)[1]
