"""CUSRES: what the hub writes is a D.99B CUSRES that an independent parser (pydifact) reads
to the same content, and that ``read_cusres`` reads back to an equal response."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydifact.segmentcollection import Interchange

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest.edifact.syntax import Separators, parse_interchange
from hub.model.response import Channel, CustomsResponse, ResponseError, ResponseStatus
from hub.response import read_cusres, write_cusres

# pydifact 0.2.3 ships no segment tables for the service segments or D.99B and
# warns about it for every segment it builds; the tests use it as a parser only.
pytestmark = pytest.mark.filterwarnings("ignore::pydifact.exceptions.MissingImplementationWarning")

ISSUED = datetime(2024, 1, 31, 10, 15, 30, tzinfo=UTC)
RESPONSE = CustomsResponse(
    message_id="RES-0001",
    issued_at=ISSUED,
    sender="HUBCUSTOMS",
    receiver="GB123456789000",
    declaration_id="DEC-4F2A",
    functional_reference="LRN+2024:0001?'x",
    status=ResponseStatus.UNDER_CONTROL,
    channel=Channel.RED,
    post_clearance_audit=True,
    examination_place="Felixstowe CTX, shed 4: bay 12 (bring the seal's number)",
    examination_time=datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
    errors=(
        ResponseError(
            code="ENVELOPE", description="UNT count 313, counted 30", pointer="segment 31, UNT"
        ),
        ResponseError(code="MISSING", description="origin?", pointer="/MetaData/Declaration"),
        ResponseError(code="SCHEMA", description="x" * 700),
    ),
)


def test_the_response_reads_back_equal() -> None:
    assert read_cusres(write_cusres(RESPONSE)) == RESPONSE


def test_writing_is_deterministic() -> None:
    assert write_cusres(RESPONSE) == write_cusres(RESPONSE)


def test_envelope_counts_and_segments_of_the_d99b_cusres_table(corpus: Path) -> None:
    table = json.loads((corpus / "edifact/d99b-structures/D99B_CUSRES.segments.json").read_text())
    parsed = parse_interchange(write_cusres(RESPONSE))  # checks UNT and UNZ counts
    (message,) = parsed.messages
    assert message.identifier == "CUSRES:D:99B:UN"
    assert {segment.tag for segment in message.body} <= set(table)
    assert parsed.separators.una == "UNA:+.? '"
    assert (parsed.sender, parsed.recipient) == ("HUBCUSTOMS", "GB123456789000")


def test_the_segments_written() -> None:
    text = write_cusres(RESPONSE).decode("latin-1")
    segments = text.split("'")
    assert "BGM+962+RES-0001+11+AP" in segments
    assert "DTM+137:20240131101530:204" in segments
    assert "GIS+CTL:STA:ZZZ" in segments and "GIS+RED:CHN:ZZZ" in segments
    assert "GIS+BLU:CHN:ZZZ" in segments
    assert "RFF+AAE:DEC-4F2A" in segments
    assert "RFF+ABO:LRN?+2024?:0001???" in text  # every service character released
    assert "ERP++UNT:31" in segments and "ERC+ENVELOPE" in segments
    assert "ERP+5:/MetaData/Declaration" in segments


def test_a_rejection_is_an_error_response() -> None:
    rejected = RESPONSE.model_copy(update={"status": ResponseStatus.REJECTED, "channel": None})
    text = write_cusres(rejected).decode("latin-1")
    assert "BGM+963+RES-0001+11+RE'" in text
    assert read_cusres(text.encode("latin-1")) == rejected


def test_times_are_written_in_utc() -> None:
    local = RESPONSE.model_copy(
        update={"issued_at": datetime(2024, 1, 31, 12, 15, 30, tzinfo=timezone(timedelta(hours=2)))}
    )
    assert "DTM+137:20240131101530:204'" in write_cusres(local).decode("latin-1")
    assert read_cusres(write_cusres(local)).issued_at == local.issued_at


def test_custom_separators_without_una_when_asked() -> None:
    separators = Separators("|", "^", ".", "!", " ", "~")
    data = write_cusres(RESPONSE, separators=separators)
    assert data.startswith(b"UNA|^.! ~UNB^UNOC|3^")
    assert read_cusres(data) == RESPONSE
    assert write_cusres(RESPONSE, una=False).startswith(b"UNB+UNOC:3+")


def test_unb_partners_and_syntax_version_4() -> None:
    data = write_cusres(RESPONSE, sender="GBHMRC", receiver="BROKER1", syntax="UNOW:4")
    parsed = parse_interchange(data)
    assert (parsed.sender, parsed.recipient, parsed.syntax_identifier) == (
        "GBHMRC",
        "BROKER1",
        "UNOW",
    )
    assert parsed.header.get(3, 0) == "20240131"  # CCYYMMDD in syntax 4
    read = read_cusres(data)
    assert (read.sender, read.receiver) == ("HUBCUSTOMS", "GB123456789000")  # from NAD


def test_text_the_character_set_cannot_carry_is_refused() -> None:
    greek = RESPONSE.model_copy(update={"examination_place": "Πειραιάς"})
    with pytest.raises(ValueError, match="cannot be written in UNOC"):
        write_cusres(greek)
    assert read_cusres(write_cusres(greek, syntax="UNOW:4")) == greek


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"directory": "99B"}, "not a UN directory"),
        ({"syntax": "UNOX:3"}, "is not one of"),
        ({"syntax": "UNOC"}, "is not one of"),
    ],
)
def test_bad_writer_options(options: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        write_cusres(RESPONSE, **options)


def test_a_receiver_is_needed() -> None:
    anonymous = RESPONSE.model_copy(update={"receiver": None})
    with pytest.raises(ValueError, match="receiver"):
        write_cusres(anonymous)
    assert read_cusres(write_cusres(anonymous, receiver="TRADER")).receiver == "TRADER"


def test_a_partners_cusres_without_hub_codes() -> None:
    text = (
        "UNB+UNOC:3+AUCUSTOMS+AAA336C+240131:1015+77'UNH+000001+CUSRES:D:99B:UN'"
        "BGM+961:::EXDR+2601 E47J:001+11+AP'DTM+137:202401311015:203'"
        "NAD+MR+33118455566::95'RFF+ABO:S10033087/ME21::001'UNT+6+000001'UNZ+1+77'"
    )
    response = read_cusres(text.encode())
    assert response.status is ResponseStatus.ACCEPTED
    assert (response.message_id, response.sender, response.receiver) == (
        "2601 E47J",
        "AUCUSTOMS",
        "33118455566",
    )
    assert response.functional_reference == "S10033087/ME21"
    with pytest.raises(MalformedMessage, match=r"^segment 3, BGM: no response status"):
        read_cusres(text.replace("+11+AP'", "+11'").encode())


def test_only_one_cusres_is_read(corpus: Path) -> None:
    cusdec = (corpus / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
    with pytest.raises(UnsupportedMessage, match="CUSDEC:D:99B:UN is not a customs response"):
        read_cusres(cusdec)


# --- the independent parser, and arbitrary content --------------------------


def _components(element: Any) -> list[str]:
    return [element] if isinstance(element, str) else list(element)


def pydifact_reading(data: bytes, encoding: str) -> dict[str, Any]:
    """The fields the writer put in, as pydifact sees them (not the hub's reader)."""
    interchange = Interchange.from_str(data.decode(encoding))
    (message,) = interchange.get_messages()
    assert (message.type, message.version) == ("CUSRES", "D.99B")
    fields: dict[str, Any] = {
        "unb": (interchange.sender, interchange.recipient),
        "gis": [],
        "nad": {},
        "rff": {},
        "dtm": {},
        "errors": [],
    }
    for segment in message.segments:
        first = _components(segment.elements[0])
        if segment.tag == "BGM":
            fields["bgm"] = (first[0], segment.elements[1], segment.elements[3])
        elif segment.tag == "DTM":
            fields["dtm"][first[0]] = first[1]
        elif segment.tag == "GIS":
            fields["gis"].append((first[0], first[1]))
        elif segment.tag == "NAD":
            last = segment.elements[-1]
            fields["nad"][first[0]] = "".join(_components(last))
        elif segment.tag == "RFF":
            fields["rff"][first[0]] = first[1]
        elif segment.tag == "ERP":
            fields["errors"].append({"erp": segment.elements, "code": "", "text": ""})
        elif segment.tag == "ERC":
            fields["errors"][-1]["code"] = first[0]
        elif segment.tag == "FTX":
            fields["errors"][-1]["text"] += "".join(_components(segment.elements[3]))
    return fields


STATUS_CODES = {
    ResponseStatus.ACCEPTED: "ACC",
    ResponseStatus.REJECTED: "REJ",
    ResponseStatus.RELEASED: "REL",
    ResponseStatus.UNDER_CONTROL: "CTL",
    ResponseStatus.HELD: "HLD",
}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def assert_written(fields: dict[str, Any], response: CustomsResponse, receiver: str) -> None:
    assert fields["unb"] == (response.sender, receiver)
    document = "963" if response.status is ResponseStatus.REJECTED else "962"
    assert fields["bgm"] == (document, response.message_id, "RE" if document == "963" else "AP")
    assert fields["dtm"]["137"] == _stamp(response.issued_at)
    if response.examination_time is not None:
        assert fields["dtm"]["ZZZ"] == _stamp(response.examination_time)
    codes = [code for code, _ in fields["gis"]]
    assert codes[0] == STATUS_CODES[response.status]
    assert ("RED" in codes) is (response.channel is Channel.RED)
    assert ("BLU" in codes) is response.post_clearance_audit
    assert fields["nad"].get("MS") == response.sender
    assert fields["nad"].get("MR") == response.receiver
    assert fields["nad"].get("EE") == response.examination_place
    assert fields["rff"].get("AAE") == response.declaration_id
    assert fields["rff"].get("ABO") == response.functional_reference
    assert [(e["code"], e["text"]) for e in fields["errors"]] == [
        (error.code, error.description) for error in response.errors
    ]


def texts(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=60)


def responses(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[CustomsResponse]:
    moments = st.datetimes(
        min_value=datetime(2000, 1, 2),
        max_value=datetime(2098, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]
        ),
    ).map(lambda moment: moment.replace(microsecond=0))
    pointers = (
        st.none()
        | texts(alphabet)
        | st.builds(
            "segment {}, {}".format, st.integers(1, 99999), st.sampled_from(["UNT", "GIS", "CST"])
        )
    )
    errors = st.builds(
        ResponseError,
        code=st.text(alphabet, max_size=8),
        description=st.text(alphabet, max_size=1200),
        pointer=pointers,
    )
    return st.builds(
        CustomsResponse,
        message_id=texts(alphabet),
        issued_at=moments,
        sender=texts(alphabet),
        receiver=st.none() | texts(alphabet),
        declaration_id=st.none() | texts(alphabet),
        functional_reference=st.none() | texts(alphabet),
        status=st.sampled_from(ResponseStatus),
        channel=st.none() | st.sampled_from(Channel),
        post_clearance_audit=st.booleans(),
        examination_place=st.none() | st.text(alphabet, min_size=1, max_size=120),
        examination_time=st.none() | moments,
        errors=st.lists(errors, max_size=3).map(tuple),
    )


LATIN_1 = st.characters(codec="latin-1").filter(lambda c: not "\x80" <= c <= "\x9f")


@settings(max_examples=60, deadline=None)
@given(response=responses(LATIN_1))
def test_any_response_in_unoc_round_trips(response: CustomsResponse) -> None:
    data = write_cusres(response, receiver="TRADER")
    assert_written(pydifact_reading(data, "latin-1"), response, "TRADER")
    expected = response.model_copy(update={"receiver": response.receiver or "TRADER"})
    assert read_cusres(data) == expected


@settings(max_examples=40, deadline=None)
@given(response=responses(st.characters(exclude_categories=["Cs"])))
def test_any_response_in_unow_round_trips(response: CustomsResponse) -> None:
    data = write_cusres(response, receiver="TRADER", syntax="UNOW:4")
    assert_written(pydifact_reading(data, "utf-8"), response, "TRADER")
    expected = response.model_copy(update={"receiver": response.receiver or "TRADER"})
    assert read_cusres(data) == expected
