"""The decision response as XML: valid against its schema, and read back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import MalformedMessage, SchemaInvalid, UnsupportedMessage
from hub.ingest._xml import parse_xml
from hub.ingest.own_schemas import own_schema_set
from hub.model import Channel, CustomsResponse, ResponseError, ResponseStatus
from hub.response import read_response, write_response
from hub.response.xml import NAMESPACE, ROOT_TAG
from tests.conftest import MESSAGE_SCHEMAS

SAMPLES = MESSAGE_SCHEMAS / "response" / "samples"
CET = timezone(timedelta(hours=1))
NOW = datetime(2024, 3, 8, 22, 10, 45, tzinfo=CET)


def _valid(data: bytes) -> None:
    own_schema_set().validate(parse_xml(data))


def test_root_tag() -> None:
    assert ROOT_TAG == "{urn:hub:message:DecisionResponse:1}Response"
    assert NAMESPACE in own_schema_set().namespaces


def test_released_green() -> None:
    response = CustomsResponse(
        message_id="RSP-1",
        issued_at=NOW,
        sender="NL-CUSTOMS-HUB",
        receiver="NL812345670",
        declaration_id="DEC-5D41402ABC4B2A76B9719D9112",
        functional_reference="NSL-CR-2024-004711",
        status=ResponseStatus.RELEASED,
        channel=Channel.GREEN,
    )
    data = write_response(response)
    _valid(data)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parse_xml(data).getroot()
    assert root.findtext(f"{{{NAMESPACE}}}FunctionCode") == "released"
    assert root.findtext(f"{{{NAMESPACE}}}IssueDateTime") == "2024-03-08T22:10:45+01:00"
    assert root.findtext(f"{{{NAMESPACE}}}Control/{{{NAMESPACE}}}ChannelCode") == "green"
    assert read_response(data) == response


def test_under_control_with_examination_place_and_time() -> None:
    response = CustomsResponse(
        message_id="RSP-2",
        issued_at=NOW,
        sender="NL-CUSTOMS-HUB",
        declaration_id="DEC-X",
        status=ResponseStatus.UNDER_CONTROL,
        channel=Channel.RED,
        examination_place="Maasvlakte bay 4 <customs & phyto>",
        examination_time=datetime(2024, 3, 9, 8, 0, tzinfo=UTC),
    )
    data = write_response(response)
    _valid(data)
    assert b"Maasvlakte bay 4 &lt;customs &amp; phyto&gt;" in data
    assert b"<DateTime>2024-03-09T08:00:00+00:00</DateTime>" in data
    assert read_response(data) == response


def test_rejected_with_errors_has_no_control() -> None:
    response = CustomsResponse(
        message_id="RSP-3",
        issued_at=NOW,
        sender="BG-CUSTOMS-HUB",
        functional_reference="ANT-2024-03-0098",
        status=ResponseStatus.REJECTED,
        errors=(
            ResponseError(code="SCHEMA", description="not expected", pointer="line 89"),
            ResponseError(code="MISSING", description="goods item 1: commodity code is missing"),
        ),
    )
    data = write_response(response)
    _valid(data)
    assert b"<Control>" not in data
    assert data.count(b"<Error>") == 2
    assert read_response(data) == response


def test_blue_is_a_flag_beside_the_channel() -> None:
    response = CustomsResponse(
        message_id="RSP-4",
        issued_at=NOW,
        sender="S",
        status=ResponseStatus.RELEASED,
        post_clearance_audit=True,
    )
    data = write_response(response)
    _valid(data)
    assert b"<PostClearanceAuditIndicator>true</PostClearanceAuditIndicator>" in data
    assert read_response(data).post_clearance_audit is True


def test_a_time_without_zone_is_refused() -> None:
    naive = CustomsResponse(
        message_id="R", issued_at=datetime(2024, 1, 1), sender="S", status=ResponseStatus.ACCEPTED
    )
    with pytest.raises(ValueError, match="no time zone"):
        write_response(naive)


def test_an_offset_xml_cannot_say_is_written_in_utc() -> None:
    odd = timezone(timedelta(hours=5, minutes=30, seconds=7))
    response = CustomsResponse(
        message_id="R",
        issued_at=datetime(2024, 1, 1, 12, 0, tzinfo=odd),
        sender="S",
        status=ResponseStatus.ACCEPTED,
    )
    data = write_response(response)
    _valid(data)
    assert b"2024-01-01T06:29:53+00:00" in data
    assert read_response(data) == response


@pytest.mark.parametrize("path", sorted((SAMPLES / "valid").glob("*.xml")), ids=lambda p: p.name)
def test_every_valid_sample_reads_and_writes_back_equal(path: Path) -> None:
    response = read_response(path.read_bytes())
    assert read_response(write_response(response)) == response


def test_sample_values() -> None:
    red = read_response((SAMPLES / "valid" / "under_control_red_examination.xml").read_bytes())
    assert red.status is ResponseStatus.UNDER_CONTROL
    assert red.channel is Channel.RED
    assert red.examination_place == (
        "Rotterdam Maasvlakte, joint inspection bay 4 (customs & phyto)"
    )
    assert red.examination_time == datetime(2024, 3, 9, 9, 0, tzinfo=CET)
    assert red.receiver == "NL812345670"
    rejected = read_response((SAMPLES / "valid" / "rejected_with_errors.xml").read_bytes())
    assert rejected.declaration_id is None
    assert rejected.functional_reference == "ANT-2024-03-0098"
    assert [(e.code, e.pointer) for e in rejected.errors] == [
        ("SCHEMA", "line 89, /Declaration/DestinationOffice"),
        ("MISSING", None),
    ]
    held = read_response((SAMPLES / "valid" / "held_by_agency.xml").read_bytes())
    assert held.status is ResponseStatus.HELD
    assert held.examination_time is None
    accepted = read_response((SAMPLES / "valid" / "accepted_pending.xml").read_bytes())
    assert (accepted.channel, accepted.post_clearance_audit) == (None, False)
    assert accepted.issued_at == datetime(2024, 3, 4, 8, 15, 0, 500000, tzinfo=UTC)


def test_invalid_response_is_refused_naming_the_line() -> None:
    with pytest.raises(SchemaInvalid) as refused:
        read_response((SAMPLES / "invalid" / "unknown_channel.xml").read_bytes())
    assert refused.value.where is not None
    assert refused.value.where.startswith("line 14,")


def test_another_root_is_unsupported() -> None:
    with pytest.raises(UnsupportedMessage):
        read_response(b"<Response/>")


# Text XML 1.0 can carry: no C0 controls but tab, LF, CR; no surrogates or U+FFFE/U+FFFF.
_XML_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("\t\n\r<>&\"' ]]>")
_TEXT = st.text(_XML_CHARS, max_size=40)
_ZONES = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_ZONES
)
_RESPONSES = st.builds(
    CustomsResponse,
    message_id=_TEXT,
    issued_at=_MOMENTS,
    sender=_TEXT,
    receiver=st.none() | _TEXT,
    declaration_id=st.none() | _TEXT,
    functional_reference=st.none() | _TEXT,
    status=st.sampled_from(ResponseStatus),
    channel=st.none() | st.sampled_from(Channel),
    post_clearance_audit=st.booleans(),
    examination_place=st.none() | _TEXT,
    examination_time=st.none() | _MOMENTS,
    errors=st.lists(
        st.builds(ResponseError, code=_TEXT, description=_TEXT, pointer=st.none() | _TEXT),
        max_size=3,
    ).map(tuple),
)


@given(_RESPONSES)
def test_any_response_round_trips_through_valid_xml(response: CustomsResponse) -> None:
    data = write_response(response)
    _valid(data)
    assert read_response(data) == response


def test_hour_24_passes_the_schema_but_is_refused_by_name() -> None:
    data = (SAMPLES / "valid" / "accepted_pending.xml").read_bytes()
    data = data.replace(b"2024-03-04T08:15:00.5Z", b"2024-03-04T24:00:00Z")
    with pytest.raises(MalformedMessage) as refused:
        read_response(data)
    assert refused.value.where == "line 6, /Response/IssueDateTime"
