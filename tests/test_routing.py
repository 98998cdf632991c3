"""Routing: which agencies, which items, and the reasons in words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hub.agency import AgencySpec
from hub.ingest import read
from hub.model import (
    AdditionalDocument,
    Declaration,
    DeclarationKind,
    GoodsItem,
    Procedure,
    SourceFormat,
)
from hub.routing import Route, route, view_for


def _spec(name: str, **concerns: object) -> AgencySpec:
    return AgencySpec.model_validate(
        {
            "name": name,
            "title": name.title(),
            "concerns": concerns,
            "queue": f"agency.{name}",
            "deadline_s": 5,
            "fail_safe": "yellow",
        }
    )


CUSTOMS = _spec("customs", always=True)
PHYTO = _spec("phyto", commodity=["06", "07", "4401"], documents=["N851"])
VET = _spec(
    "vet",
    commodity=["02", "0401", "16"],
    documents=["N853"],
    kinds=["import", "transit", "pre-arrival"],
)


def _doc(code: str) -> AdditionalDocument:
    return AdditionalDocument(category=code[0], type_code=code[1:], id="X1")


def _declaration(*items: GoodsItem, kind: DeclarationKind = DeclarationKind.IMPORT) -> Declaration:
    return Declaration(
        id="DEC-TEST",
        source_format=SourceFormat.WCO_DEC_DMS,
        message_hash="0" * 64,
        functional_reference="LRN-1",
        kind=kind,
        goods_items=items,
    )


def test_an_always_agency_gets_every_item() -> None:
    d = _declaration(GoodsItem(sequence=1, commodity_code="85434000"))
    assert route(d, [CUSTOMS]) == (
        Route(
            agency="customs",
            item_sequences=(1,),
            reasons=("customs: concerned with every declaration",),
        ),
    )


def test_commodity_prefixes_pick_items_and_say_which_chapter() -> None:
    d = _declaration(
        GoodsItem(sequence=1, commodity_code="07099310"),
        GoodsItem(sequence=2, commodity_code="85434000"),
        GoodsItem(sequence=3, commodity_code="44012100"),
    )
    (phyto,) = route(d, [PHYTO])
    assert phyto.item_sequences == (1, 3)
    assert phyto.reasons == (
        "phyto: item 1 commodity 07099310 in chapter 07 (edible vegetables, roots and tubers)",
        "phyto: item 3 commodity 44012100 under heading 4401"
        " (chapter 44, wood and articles of wood)",
    )


def test_a_document_concerns_the_item_that_carries_it() -> None:
    d = _declaration(
        GoodsItem(sequence=1, commodity_code="19053205", documents=(_doc("N853"),)),
        GoodsItem(sequence=2, commodity_code="19053205"),
    )
    (vet,) = route(d, [VET])
    assert vet.item_sequences == (1,)
    assert vet.reasons == ("vet: item 1 carries document N853",)


def test_a_header_document_concerns_every_item() -> None:
    d = _declaration(
        GoodsItem(sequence=1, commodity_code="19053205"),
        GoodsItem(sequence=2, commodity_code="85434000"),
    ).model_copy(update={"documents": (_doc("N851"),)})
    (phyto,) = route(d, [PHYTO])
    assert phyto.item_sequences == (1, 2)
    assert phyto.reasons == ("phyto: the declaration carries document N851 (covers every item)",)


def test_procedure_prefixes_concern_items() -> None:
    spec = _spec("standards", procedures=["51"])
    d = _declaration(
        GoodsItem(
            sequence=1, commodity_code="85", procedure=Procedure(current="51", previous="00")
        ),
        GoodsItem(
            sequence=2, commodity_code="85", procedure=Procedure(current="40", previous="00")
        ),
    )
    (r,) = route(d, [spec])
    assert r == Route(
        agency="standards",
        item_sequences=(1,),
        reasons=("standards: item 1 procedure 5100 under 51",),
    )


def test_every_matching_indicator_is_a_reason() -> None:
    d = _declaration(GoodsItem(sequence=1, commodity_code="02071290", documents=(_doc("N853"),)))
    (vet,) = route(d, [VET])
    assert vet.reasons == (
        "vet: item 1 commodity 02071290 in chapter 02 (meat and edible offal)",
        "vet: item 1 carries document N853",
    )


def test_an_agency_with_no_concerned_item_gets_no_route() -> None:
    d = _declaration(GoodsItem(sequence=1, commodity_code="85434000"))
    assert [r.agency for r in route(d, {"customs": CUSTOMS, "phyto": PHYTO, "vet": VET})] == [
        "customs"
    ]


def test_kinds_limit_the_declarations_an_agency_sees() -> None:
    meat = GoodsItem(sequence=1, commodity_code="02071290")
    assert route(_declaration(meat, kind=DeclarationKind.EXPORT), [VET]) == ()
    assert len(route(_declaration(meat, kind=DeclarationKind.TRANSIT), [VET])) == 1


def test_an_unknown_kind_routes_rather_than_risk_missing_goods() -> None:
    d = _declaration(GoodsItem(sequence=1, commodity_code="02071290")).model_copy(
        update={"kind": None}
    )
    assert [r.agency for r in route(d, [VET])] == ["vet"]


def test_a_declaration_without_items_still_reaches_the_always_agencies() -> None:
    d = _declaration()
    assert route(d, [CUSTOMS, PHYTO]) == (
        Route(
            agency="customs",
            item_sequences=(),
            reasons=("customs: concerned with every declaration",),
        ),
    )


def test_routes_follow_the_order_the_agencies_were_given() -> None:
    d = _declaration(GoodsItem(sequence=1, commodity_code="07099310"))
    assert [r.agency for r in route(d, [PHYTO, CUSTOMS])] == ["phyto", "customs"]


def test_the_view_holds_only_the_routed_items() -> None:
    d = _declaration(
        GoodsItem(sequence=1, commodity_code="07099310"),
        GoodsItem(sequence=2, commodity_code="85434000"),
    )
    (phyto,) = route(d, [PHYTO])
    view = view_for(d, phyto)
    assert [i.sequence for i in view.goods_items] == [1]
    assert view.id == d.id and view.functional_reference == d.functional_reference
    assert len(d.goods_items) == 2  # the original is untouched


# The real corpus: what the UK's own samples say about their agency documents.


def _corpus_rows(corpus: Path, code: str) -> list[str]:
    with (corpus / "wco-dec-dms/MANIFEST.csv").open(encoding="utf-8") as f:
        return [row["file"] for row in csv.DictReader(f) if code in row["agency_docs"].split()]


@pytest.mark.parametrize(
    ("code", "agency"), [("N853", "vet"), ("N851", "phyto")], ids=["N853-vet", "N851-phyto"]
)
def test_corpus_declarations_with_agency_documents_reach_that_agency(
    corpus: Path, code: str, agency: str
) -> None:
    files = _corpus_rows(corpus, code)
    assert files, f"the manifest lists no {code} declaration"
    for name in files:
        d = read((corpus / "wco-dec-dms/declarations" / name).read_bytes())
        routes = {r.agency: r for r in route(d, [CUSTOMS, PHYTO, VET])}
        assert agency in routes, name
        assert any(code in reason for reason in routes[agency].reasons), name
