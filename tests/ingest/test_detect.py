"""Format detection and the one entry point every submission goes through."""

from __future__ import annotations

import resource
import time

import pytest

from hub.errors import EnvelopeError, HostileInput, IngestError, UnsupportedMessage
from hub.ingest import MessageLimits, WireFormat, detect, read, read_with_warnings
from hub.ingest.schemas import SchemaSet
from hub.model import SourceFormat
from tests.conftest import CORPUS, MESSAGE_SCHEMAS

CUSDEC = CORPUS / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi"
CUSCAR = CORPUS / "edifact/CUSCAR_D99B_AU-ICS-warehouse-release_ts-edifact.edi"


def _refused_quickly(data: bytes, **options: object) -> IngestError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(IngestError) as caught:
        read(data, **options)  # type: ignore[arg-type]
    assert time.perf_counter() - start < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024
    return caught.value


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"UNA:+.? 'UNB+UNOC:3", WireFormat.EDIFACT),
        (b"UNB+UNOA:1+X+Y", WireFormat.EDIFACT),
        (b"\n  UNB+UNOA:1", WireFormat.EDIFACT),
        (b"<?xml version='1.0'?><a/>", WireFormat.XML),
        (b"\xef\xbb\xbf<a/>", WireFormat.XML),
        (b"  \r\n<a/>", WireFormat.XML),
    ],
)
def test_detection_by_first_bytes(head: bytes, expected: WireFormat) -> None:
    assert detect(head) is expected


@pytest.mark.parametrize("data", [b"", b"   ", b"%PDF-1.7", b"\x00\x01\x02", b'{"json": 1}'])
def test_anything_else_is_unsupported_at_byte_0(data: bytes) -> None:
    with pytest.raises(UnsupportedMessage) as caught:
        read(data)
    assert caught.value.where == "byte 0"


def test_each_wire_format_reaches_its_reader() -> None:
    samples = {
        CORPUS / "wco-dec-dms/declarations/TT_IM160a/Step1_TT_IM160a.xml": SourceFormat.WCO_DEC_DMS,
        CUSDEC: SourceFormat.EDIFACT_CUSDEC,
        CUSCAR: SourceFormat.EDIFACT_CUSCAR,
        CORPUS / "ics1-ens/315NoOptional.xml": SourceFormat.ICS_IE315,
    }
    for sample in sorted((MESSAGE_SCHEMAS / "cargo_report/samples/valid").glob("*.xml")):
        samples[sample] = SourceFormat.HUB_CARGO_REPORT
    for path, source_format in samples.items():
        assert read(path.read_bytes()).source_format is source_format, path


def test_an_unknown_xml_root_names_itself() -> None:
    with pytest.raises(UnsupportedMessage) as caught:
        read(b'<?xml version="1.0"?>\n<Invoice xmlns="urn:example"/>')
    assert "{urn:example}Invoice" in caught.value.message
    assert caught.value.where == "line 2, /Invoice"


def test_an_invalid_own_cargo_report_is_refused_even_without_schemas() -> None:
    invalid = next((MESSAGE_SCHEMAS / "cargo_report/samples/invalid").glob("*.xml"))
    with pytest.raises(IngestError):
        read(invalid.read_bytes())


def test_configured_schemas_that_do_not_cover_a_message_are_a_warning() -> None:
    dms = SchemaSet.from_path(CORPUS / "wco-dec-dms/schemas")
    reading = read_with_warnings((CORPUS / "ics1-ens/315NoOptional.xml").read_bytes(), schemas=dms)
    assert any(w.startswith("not validated: no schema for namespace") for w in reading.warnings)


def test_an_oversize_edifact_interchange_is_refused_before_tokenising() -> None:
    data = CUSDEC.read_bytes() + b"FTX+AAA+++" + b"X" * (10 * 1024 * 1024) + b"'"
    error = _refused_quickly(data)
    assert isinstance(error, HostileInput)
    assert error.where == "whole message"


def test_half_a_million_segments_are_refused_at_the_segment_limit() -> None:
    body = b"UNB+UNOC:3+S+R+040127:0730+1'UNH+1+CUSDEC:D:99B:UN'" + b"FTX+AAA+++x'" * 500_000
    error = _refused_quickly(body)
    assert isinstance(error, HostileInput)
    assert error.where == "segment 50001"


def test_a_truncated_interchange_within_the_limits_is_an_envelope_error() -> None:
    body = b"UNB+UNOC:3+S+R+040127:0730+1'UNH+1+CUSDEC:D:99B:UN'" + b"FTX+AAA+++x'" * 20_000
    error = _refused_quickly(body)
    assert isinstance(error, EnvelopeError)
    assert error.where is not None and error.where.startswith("segment ")


def test_a_wrong_segment_count_through_the_entry_point() -> None:
    data = CUSDEC.read_bytes().replace(b"UNT+28+1", b"UNT+313+1")
    error = _refused_quickly(data)
    assert isinstance(error, EnvelopeError)
    assert "313" in error.message and "28" in error.message
    assert error.where is not None and error.where.endswith("UNT")


def test_the_limit_is_configurable_for_edifact_too() -> None:
    with pytest.raises(HostileInput, match="over the limit of 100"):
        read(CUSDEC.read_bytes(), limits=MessageLimits(max_bytes=100))
