"""The exchange XML: samples read and round-trip, faults are named, hostile input fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.errors import (
    HostileInput,
    IngestError,
    MalformedMessage,
    SchemaInvalid,
    UnsupportedMessage,
)
from hub.exchange import wire
from hub.exchange.messages import (
    AeoList,
    ControlOutcome,
    Header,
    MessageKind,
    PreArrival,
    PreArrivalItem,
    RiskFeedback,
    RiskWarning,
    SeizureReport,
    SuspectConsignment,
    WarnedProfile,
)
from hub.ingest._xml import parse_xml
from hub.model.finding import RequestedChannel
from tests.conftest import MESSAGE_SCHEMAS

SAMPLES = MESSAGE_SCHEMAS / "exchange" / "samples"
VALID = sorted((SAMPLES / "valid").glob("*.xml"))
INVALID = sorted((SAMPLES / "invalid").glob("*.xml"))
DS = "http://www.w3.org/2000/09/xmldsig#"

# Each invalid sample's one fault: the element path the refusal names and a word of its reason.
FAULTS: dict[str, tuple[str, str]] = {
    "aeo_list_bad_status": ("/AeoList/AEOMutualRecognitionParty/StatusCode", "withdrawn"),
    "aeo_list_bad_type": ("/AeoList/AEOMutualRecognitionParty/TypeCode", "'AEO'"),
    "aeo_list_unknown_scope": ("/AeoList/ScopeCode", "partial"),
    "feedback_unknown_outcome": ("/RiskFeedback/OutcomeCode", "found"),
    "feedback_without_reference": ("/RiskFeedback/Header", "ReferenceMessageID"),
    "header_missing_message_id": ("/PreArrival/Header/SenderID", "MessageID"),
    "header_time_without_zone": ("/AeoList/Header/CreationDateTime", "2025-03-01T00:05:00'"),
    "pre_arrival_commodity_code_with_letters": (
        "/PreArrival/ConsignmentItem/Commodity/Classification/ID",
        "22O4",
    ),
    "pre_arrival_duplicate_item_sequence": ("/PreArrival/ConsignmentItem", "Duplicate"),
    "pre_arrival_mass_in_tonnes": ("/PreArrival/TotalGrossMassMeasure", "TNE"),
    "pre_arrival_missing_gross_mass": ("/PreArrival/TransportEquipment", "TotalGrossMassMeasure"),
    "pre_arrival_no_item": ("/PreArrival", "ConsignmentItem"),
    "pre_arrival_unknown_procedure": ("/PreArrival/Declaration/TypeCode", "import"),
    "seizure_bad_currency": ("/SeizureReport/Commodity/ValueAmount", "gbp"),
    "seizure_negative_quantity": ("/SeizureReport/Commodity/QuantityQuantity", "-398000"),
    "signed_twice": ("/ds:Signature[2]", "not expected"),
    "warning_bad_country_code": ("/RiskWarning/Profile/Origin/CountryCode", "ARE"),
    "warning_confidential_not_boolean": ("/RiskWarning/ConfidentialIndicator", "'yes'"),
    "warning_consignment_without_identifier": (
        "/RiskWarning/Consignment/ArrivalDate",
        "BorderTransportMeans",
    ),
    "warning_profile_and_consignment": ("/RiskWarning/Profile", "not expected"),
    "warning_unknown_channel": ("/RiskWarning/RequestedChannelCode", "green"),
}


def _sample(name: str) -> bytes:
    return (SAMPLES / "valid" / name).read_bytes()


def _refused(raw: bytes) -> IngestError:
    with pytest.raises(IngestError) as refused:
        wire.from_bytes(raw)
    return refused.value


# ------------------------------------------------------------------ samples


def test_the_schema_is_where_the_module_says() -> None:
    root = etree.parse(str(wire.SCHEMA_PATH)).getroot()
    assert root.get("targetNamespace") == wire.NAMESPACE
    assert len(VALID) >= 5 and len(INVALID) >= 8


def test_every_kind_has_a_valid_sample() -> None:
    kinds = {wire.kind_of(parse_xml(sample.read_bytes()).getroot()) for sample in VALID}
    assert kinds == set(MessageKind)


@pytest.mark.parametrize("sample", VALID, ids=lambda path: path.stem)
def test_valid_sample_reads_and_round_trips(sample: Path) -> None:
    raw = sample.read_bytes()
    message = wire.from_bytes(raw)
    assert message.kind is wire.kind_of(parse_xml(raw).getroot())
    assert wire.header_of(parse_xml(raw).getroot()) == message.header
    written = wire.to_bytes(message)
    assert written.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert wire.from_bytes(written) == message
    assert wire.to_bytes(wire.from_bytes(written)) == written


def test_every_invalid_sample_has_its_fault_listed() -> None:
    assert {sample.stem for sample in INVALID} == set(FAULTS)


@pytest.mark.parametrize("sample", INVALID, ids=lambda path: path.stem)
def test_invalid_sample_is_refused_naming_the_element_at_fault(sample: Path) -> None:
    path, reason = FAULTS[sample.stem]
    error = _refused(sample.read_bytes())
    assert isinstance(error, SchemaInvalid)
    assert error.where is not None
    assert error.where.endswith(path), error.where
    assert reason in error.message


def test_a_sample_reads_as_written() -> None:
    message = wire.from_bytes(_sample("pre_arrival_rs_transit_truck_to_gb.xml"))
    assert isinstance(message, PreArrival)
    assert message.header.created_at == datetime(2025, 3, 4, 5, 12, 40, tzinfo=UTC)
    assert (message.procedure, message.means_id, message.means_type) == (
        "transit",
        "BG1234AB",
        "30",
    )
    assert (message.departure_office, message.destination_office) == ("RS15005", "GB000060")
    assert (message.consignor_id, message.consignee_name) == (
        "RS100123456",
        "Brightwell Interiors Ltd",
    )
    assert message.gross_mass == Decimal("18250.5")
    assert message.containers == ("BG9876XY",)
    assert [(i.sequence, i.commodity_code, i.origin, i.gross_mass) for i in message.items] == [
        (1, "94016100", "RS", Decimal("11400")),
        (2, "2009891100", "RS", Decimal("6850.5")),
    ]


def test_prose_is_kept_as_written_and_tokens_are_collapsed() -> None:
    raw = _sample("risk_warning_cigarettes_consignment.xml").replace(
        b"<SenderID>AL</SenderID>", b"<SenderID>\n      AL\n    </SenderID>"
    )
    message = wire.from_bytes(raw)
    assert isinstance(message, RiskWarning)
    assert message.header.sender == "AL"
    assert "about\n400,000 cigarettes" in message.summary
    assert message.confidential is True
    assert message.consignment is not None
    assert message.consignment.expected_arrival == date(2025, 3, 8)


# ------------------------------------------------------- the model's refusals


@pytest.mark.parametrize(
    ("sample", "old", "new", "path", "reason"),
    [
        (
            "aeo_list_rs_delta.xml",
            b"<SinceDate>2025-03-01</SinceDate>",
            b"",
            "/AeoList",
            "a delta names its start (since)",
        ),
        (
            "aeo_list_rs_full.xml",
            b"<AsOfDate>2025-03-01</AsOfDate>",
            b"<AsOfDate>2025-03-01</AsOfDate><SinceDate>2025-02-01</SinceDate>",
            "/AeoList",
            "a full list does not",
        ),
        (
            "aeo_list_rs_full.xml",
            b"<IssuingCountryCode>RS</IssuingCountryCode>\n  </AEOMutualRecognitionParty>",
            b"<IssuingCountryCode>ME</IssuingCountryCode>\n  </AEOMutualRecognitionParty>",
            "/AeoList",
            "only its own AEOs, not ME",
        ),
        (
            "risk_feedback_cigarettes_seized.xml",
            b"<HitQuantity>1</HitQuantity>",
            b"<HitQuantity>2</HitQuantity>",
            "/RiskFeedback",
            "more hits than controls",
        ),
        (
            "seizure_report_cigarettes_dover.xml",
            b"<ReceiverID>AL</ReceiverID>",
            b"<ReceiverID>GB</ReceiverID>",
            "/SeizureReport/Header",
            "sender and receiver are the same",
        ),
    ],
    ids=["delta-without-since", "full-with-since", "foreign-aeo", "hits", "same-receiver"],
)
def test_what_only_the_model_refuses_is_named_too(
    sample: str, old: bytes, new: bytes, path: str, reason: str
) -> None:
    raw = _sample(sample)
    assert old in raw
    error = _refused(raw.replace(old, new, 1))
    assert isinstance(error, MalformedMessage)
    assert error.where is not None and error.where.endswith(path), error.where
    assert error.where.startswith("line ")
    assert reason in error.message


def test_the_header_is_read_alone_even_when_the_body_is_wrong() -> None:
    raw = (SAMPLES / "invalid" / "pre_arrival_missing_gross_mass.xml").read_bytes()
    header = wire.header_of(parse_xml(raw).getroot())
    assert (header.message_id, header.sender, header.receiver) == (
        "RS-SEED-2025-0004711",
        "RS",
        "GB",
    )


def test_a_header_the_model_refuses_is_named() -> None:
    raw = _sample("aeo_list_rs_full.xml").replace(b"<SenderID>RS", b"<SenderID>GB")
    with pytest.raises(MalformedMessage) as refused:
        wire.header_of(parse_xml(raw).getroot())
    assert refused.value.where is not None
    assert refused.value.where.endswith("/AeoList/Header")


# ---------------------------------------------------- roots and namespaces


def test_another_root_or_namespace_is_unsupported() -> None:
    cargo = (MESSAGE_SCHEMAS / "cargo_report" / "samples" / "valid").glob("*.xml")
    for raw in (
        next(iter(cargo)).read_bytes(),
        _sample("aeo_list_rs_full.xml").replace(b"urn:hub:exchange:1", b"urn:hub:exchange:2"),
        _sample("aeo_list_rs_full.xml").replace(b"AeoList", b"AeoRegister"),
    ):
        error = _refused(raw)
        assert isinstance(error, UnsupportedMessage)
        assert "not an exchange message" in error.message
        root = parse_xml(raw).getroot()
        with pytest.raises(UnsupportedMessage):
            wire.kind_of(root)
        with pytest.raises(UnsupportedMessage):
            wire.header_of(root)


# ------------------------------------------------------------ hostile input

ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE AeoList [<!ENTITY who SYSTEM "file:///etc/passwd">]>
<AeoList xmlns="urn:hub:exchange:1"><Header><MessageID>&who;</MessageID></Header></AeoList>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE RiskWarning [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<RiskWarning xmlns="urn:hub:exchange:1"><Description>&lol9;</Description></RiskWarning>"""


@pytest.mark.parametrize("raw", [ENTITY, LAUGHS], ids=["entity", "billion-laughs"])
def test_a_document_type_declaration_is_refused(raw: bytes) -> None:
    error = _refused(raw)
    assert isinstance(error, HostileInput)
    assert error.where == "line 2"


def test_deep_nesting_is_refused() -> None:
    deep = b"<Remarks>" + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</Remarks>"
    raw = _sample("risk_feedback_cigarettes_seized.xml").replace(
        b"</RiskFeedback>", deep + b"</RiskFeedback>"
    )
    error = _refused(raw)
    assert isinstance(error, HostileInput)
    assert "nesting too deep" in error.message


# -------------------------------------------------------------- signatures


def _signed(raw: bytes, last: str = "Signature") -> bytes:
    root = parse_xml(raw).getroot()
    signature = etree.SubElement(root, f"{{{DS}}}{last}", nsmap={"ds": DS})  # type: ignore[dict-item]
    info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}Reference", URI="")
    etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = "c2lnbmVk"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("sample", VALID, ids=lambda path: path.stem)
def test_a_trailing_signature_is_left_unread(sample: Path) -> None:
    raw = sample.read_bytes()
    assert wire.from_bytes(_signed(raw)) == wire.from_bytes(raw)


def test_only_a_signature_may_end_the_message() -> None:
    error = _refused(_signed(_sample("aeo_list_rs_full.xml"), last="Object"))
    assert isinstance(error, SchemaInvalid)
    assert error.where is not None and error.where.endswith("/AeoList/Object")


def test_a_signature_elsewhere_than_at_the_end_is_refused() -> None:
    signed = _signed(_sample("aeo_list_rs_full.xml"))
    root = parse_xml(signed).getroot()
    root.insert(1, root[-1])  # the signature moved to after the header
    error = _refused(etree.tostring(root))
    assert isinstance(error, SchemaInvalid)
    assert error.where is not None and "Signature" in error.where


# ------------------------------------------------------------------ writing


def test_a_currency_without_a_value_cannot_be_written() -> None:
    message = wire.from_bytes(_sample("seizure_report_cigarettes_dover.xml"))
    assert isinstance(message, SeizureReport)
    with pytest.raises(ValueError, match="currency"):
        wire.to_element(message.model_copy(update={"value": None}))


# ---------------------------------------------------------------- properties

_WORD = st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=8)


def _tokens(words: int) -> st.SearchStrategy[str]:
    """Text as xs:token keeps it: words of printable characters, single spaces."""
    return st.lists(_WORD, min_size=1, max_size=words).map(" ".join)


ID17 = _tokens(2)
ID35 = _tokens(4)
NAME = _tokens(12)
PROSE = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")) | st.sampled_from("\n\t"),
    min_size=1,
    max_size=80,
)
COUNTRY = st.from_regex(r"[A-Z]{2}", fullmatch=True)
MESSAGE_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,69}", fullmatch=True)
COMMODITY = st.from_regex(r"[0-9]{4,10}", fullmatch=True)
DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
ZONE = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
MOMENT = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31), timezones=ZONE
)
AMOUNT = st.decimals(
    min_value=0, max_value=Decimal("999999999999"), places=6, allow_nan=False, allow_infinity=False
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def _header(draw: st.DrawFn, *, answering: bool = False) -> Header:
    sender, receiver = draw(st.tuples(COUNTRY, COUNTRY).filter(lambda pair: pair[0] != pair[1]))
    return Header(
        message_id=draw(MESSAGE_ID),
        sender=sender,
        receiver=receiver,
        created_at=draw(MOMENT),
        refers_to=tuple(draw(st.lists(MESSAGE_ID, min_size=int(answering), max_size=3))),
    )


@st.composite
def _pre_arrival(draw: st.DrawFn) -> PreArrival:
    items = draw(
        st.lists(
            st.fixed_dictionaries(
                {"commodity_code": COMMODITY},
                optional={"description": NAME, "origin": COUNTRY, "gross_mass": AMOUNT},
            ),
            min_size=1,
            max_size=4,
        )
    )
    return PreArrival(
        header=draw(_header()),
        declaration_reference=draw(ID35),
        procedure=draw(st.sampled_from(["export", "transit"])),
        means_id=draw(ID35),
        means_type=draw(_maybe(st.from_regex(r"[0-9]{1,3}", fullmatch=True))),
        departure_office=draw(ID17),
        departed_at=draw(MOMENT),
        destination_office=draw(_maybe(ID17)),
        consignor_id=draw(_maybe(ID35)),
        consignor_name=draw(NAME),
        consignee_id=draw(_maybe(ID35)),
        consignee_name=draw(NAME),
        gross_mass=draw(AMOUNT),
        containers=tuple(draw(st.lists(ID17, max_size=3, unique=True))),
        items=tuple(PreArrivalItem(sequence=n, **item) for n, item in enumerate(items, 1)),
    )


_PROFILE = st.builds(
    WarnedProfile,
    title=NAME,
    risk_area=_maybe(ID35),
    hs_prefixes=st.lists(st.from_regex(r"[0-9]{2,10}", fullmatch=True), max_size=3).map(tuple),
    origins=st.lists(COUNTRY, max_size=3).map(tuple),
    routes=st.lists(COUNTRY, max_size=3).map(tuple),
    parties=st.lists(_tokens(8), max_size=3).map(tuple),
    indicators=st.lists(PROSE, max_size=3).map(tuple),
    valid_to=_maybe(DAY),
)
_SUSPECT = (
    st.fixed_dictionaries(
        {},
        optional={
            "means_id": ID35,
            "container": ID17,
            "transport_document": ID35,
            "declaration_reference": ID35,
            "party_id": ID35,
            "expected_arrival": DAY,
        },
    )
    .filter(lambda fields: set(fields) - {"expected_arrival"})
    .map(lambda fields: SuspectConsignment(**fields))
)


@st.composite
def _risk_warning(draw: st.DrawFn) -> RiskWarning:
    about = draw(st.sampled_from(["profile", "consignment"]))
    return RiskWarning(
        header=draw(_header()),
        risk_area=draw(ID35),
        summary=draw(PROSE),
        requested_action=draw(st.sampled_from(RequestedChannel)),
        profile=draw(_PROFILE) if about == "profile" else None,
        consignment=draw(_SUSPECT) if about == "consignment" else None,
        valid_to=draw(_maybe(DAY)),
        confidential=draw(st.booleans()),
    )


@st.composite
def _risk_feedback(draw: st.DrawFn) -> RiskFeedback:
    controls = draw(st.integers(0, 999_999_999))
    return RiskFeedback(
        header=draw(_header(answering=True)),
        outcome=draw(st.sampled_from(ControlOutcome)),
        controls=controls,
        hits=draw(st.integers(0, controls)),
        declaration_reference=draw(_maybe(ID35)),
        notes=draw(_maybe(PROSE)),
    )


@st.composite
def _seizure_report(draw: st.DrawFn) -> SeizureReport:
    value = draw(_maybe(AMOUNT))
    return SeizureReport(
        header=draw(_header()),
        seized_at=draw(MOMENT),
        office=draw(ID17),
        declaration_reference=draw(_maybe(ID35)),
        commodity_code=draw(_maybe(COMMODITY)),
        description=draw(NAME),
        quantity=draw(AMOUNT),
        unit=draw(st.from_regex(r"[0-9A-Z]{2,3}", fullmatch=True)),
        value=value,
        currency=None if value is None else draw(st.from_regex(r"[A-Z]{3}", fullmatch=True)),
        means_id=draw(_maybe(ID35)),
    )


@st.composite
def _aeo_entry(draw: st.DrawFn, sender: str) -> AeoCertificate:
    valid_from = draw(DAY)
    lasting = draw(_maybe(st.integers(0, 3650)))
    return AeoCertificate(
        operator=draw(ID35),
        name=draw(NAME),
        type=draw(st.sampled_from(AeoType)),
        status=draw(st.sampled_from(AeoStatus)),
        valid_from=valid_from,
        valid_to=None if lasting is None else valid_from + timedelta(days=lasting),
        issued_by=sender,
        reference=draw(_maybe(ID35)),
    )


@st.composite
def _aeo_list(draw: st.DrawFn) -> AeoList:
    header = draw(_header())
    scope = draw(st.sampled_from(["full", "delta"]))
    entries = _aeo_entry(header.sender)
    return AeoList(
        header=header,
        scope=scope,
        as_of=draw(DAY),
        since=draw(DAY) if scope == "delta" else None,
        entries=tuple(draw(st.lists(entries, max_size=4))),
    )


@pytest.mark.parametrize(
    "messages",
    [_pre_arrival(), _risk_warning(), _risk_feedback(), _seizure_report(), _aeo_list()],
    ids=[kind.value for kind in MessageKind],
)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_any_message_survives_the_wire(
    messages: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    message = data.draw(messages)
    assert wire.from_bytes(wire.to_bytes(message)) == message
