"""The canonical declaration: immutable, and its JSON round-trips losslessly."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.model import (
    AdditionalDocument,
    Address,
    Authorisation,
    Classification,
    Container,
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    GoodsItem,
    GoodsLocation,
    Money,
    Origin,
    Packaging,
    Party,
    PartyRole,
    Procedure,
    Quantity,
    SourceFormat,
    Totals,
    Transport,
    TransportMeans,
    TransportMode,
)

text = st.text(min_size=1, max_size=12)
maybe_text = st.none() | text
codes = st.none() | st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=4)
decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9)
zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])
moments = st.none() | st.datetimes(timezones=zones)
money = st.none() | st.builds(Money, amount=decimals, currency=codes)

addresses = st.none() | st.builds(
    Address, line=maybe_text, city=maybe_text, postcode=maybe_text, country=codes
)
parties = st.builds(
    Party, role=st.sampled_from(PartyRole), id=maybe_text, name=maybe_text, address=addresses
)
means = st.none() | st.builds(
    TransportMeans,
    id=maybe_text,
    id_type=codes,
    nationality=codes,
    mode=st.none() | st.sampled_from(TransportMode),
    journey_id=maybe_text,
)
documents = st.builds(
    AdditionalDocument, category=codes, type_code=codes, id=maybe_text, status=codes
)
items = st.builds(
    GoodsItem,
    sequence=st.integers(min_value=1, max_value=999),
    commodity_code=st.none() | st.from_regex(r"[0-9]{6,10}", fullmatch=True),
    classifications=st.lists(
        st.builds(
            Classification, code=st.from_regex(r"[0-9A-Z]{2,10}", fullmatch=True), type_code=codes
        ),
        max_size=3,
    ).map(tuple),
    description=maybe_text,
    origin=st.none() | st.builds(Origin, country=codes, type_code=codes, preference_code=codes),
    gross_mass=st.none() | decimals,
    net_mass=st.none() | decimals,
    quantity=st.none() | st.builds(Quantity, value=decimals, unit=codes),
    customs_value=money,
    statistical_value=money,
    item_price=money,
    procedure=st.none()
    | st.builds(Procedure, current=codes, previous=codes, additional=st.tuples(text)),
    documents=st.lists(documents, max_size=3).map(tuple),
    packaging=st.lists(
        st.builds(Packaging, type_code=codes, quantity=st.none() | st.integers(0, 10**6)),
        max_size=2,
    ).map(tuple),
    parties=st.lists(parties, max_size=2).map(tuple),
)
declarations = st.builds(
    Declaration,
    id=text,
    source_format=st.sampled_from(SourceFormat),
    message_hash=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    functional_reference=maybe_text,
    type_code=codes,
    kind=st.none() | st.sampled_from(DeclarationKind),
    function=st.none() | st.sampled_from(DeclarationFunction),
    accepted_at=moments,
    submitter=maybe_text,
    parties=st.lists(parties, max_size=4).map(tuple),
    authorisations=st.lists(
        st.builds(Authorisation, type_code=text, holder_id=maybe_text), max_size=2
    ).map(tuple),
    transport=st.builds(
        Transport,
        mode=st.none() | st.sampled_from(TransportMode),
        border_means=means,
        arrival_means=means,
        containers=st.lists(
            st.builds(Container, id=text, seals=st.lists(text, max_size=2).map(tuple)),
            max_size=2,
        ).map(tuple),
        goods_location=st.none() | st.builds(GoodsLocation, id=maybe_text, country=codes),
        expected_arrival=moments,
    ),
    goods_items=st.lists(items, max_size=3).map(tuple),
    totals=st.builds(Totals, invoice_amount=money, item_count=st.none() | st.integers(0, 999)),
)


@given(declarations)
def test_canonical_json_round_trips(declaration: Declaration) -> None:
    assert Declaration.from_json(declaration.to_json()) == declaration


def test_declarations_are_immutable() -> None:
    declaration = Declaration(
        id="DEC-1", source_format=SourceFormat.WCO_DEC_DMS, message_hash="0" * 64
    )
    with pytest.raises(ValidationError):
        declaration.functional_reference = "changed"  # type: ignore[misc]


def test_unknown_fields_are_refused_rather_than_dropped() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Declaration.model_validate(
            {"id": "x", "source_format": "wco-dec-dms", "message_hash": "0", "colour": "red"}
        )


def test_absent_data_is_not_written_to_json() -> None:
    declaration = Declaration(
        id="DEC-1", source_format=SourceFormat.WCO_DEC_DMS, message_hash="0" * 64
    )
    assert declaration.to_json() == (
        '{"id":"DEC-1","source_format":"wco-dec-dms","message_hash":"' + "0" * 64 + '"}'
    )


def test_decimals_stay_exact_through_json() -> None:
    item = GoodsItem(sequence=1, net_mass=Decimal("0.1"), gross_mass=Decimal("1E+3"))
    declaration = Declaration(
        id="D", source_format=SourceFormat.ICS_IE315, message_hash="0", goods_items=(item,)
    )
    again = Declaration.from_json(declaration.to_json())
    assert again.goods_items[0].net_mass == Decimal("0.1")
    assert again.goods_items[0].gross_mass == Decimal("1000")


def test_transport_mode_codes_follow_recommendation_19() -> None:
    assert TransportMode.from_code("1") is TransportMode.SEA
    assert TransportMode.from_code("4") is TransportMode.AIR
    assert TransportMode.from_code("30") is TransportMode.ROAD  # ICS two-digit form
    assert TransportMode.from_code("0") is None
    assert TransportMode.from_code(None) is None


def test_document_code_joins_category_and_type() -> None:
    assert AdditionalDocument(category="N", type_code="853").code == "N853"
    assert AdditionalDocument(type_code="853").code == "853"
