"""EDIFACT syntax: separators, release character, character sets and envelope checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import EnvelopeError, MalformedMessage, UnsupportedMessage
from hub.ingest.edifact.syntax import (
    LEVEL_A,
    LEVEL_B,
    Separators,
    escape,
    format_segment,
    parse_interchange,
)

UNB = "UNB+UNOC:3+SENDER+RECEIVER+240131:1015+REF1'"


def interchange(*body: str, unb: str = UNB, count: int | None = None, una: str = "") -> bytes:
    """One message around ``body`` (segments without terminator), counted unless ``count`` says."""
    segments = ["UNH+M1+CUSDEC:D:99B:UN'", *(segment + "'" for segment in body)]
    declared = len(segments) + 1 if count is None else count
    text = una + unb + "".join(segments) + f"UNT+{declared}+M1'UNZ+1+REF1'"
    return text.encode("latin-1")


def error_text(exc: pytest.ExceptionInfo[Exception]) -> str:
    return str(exc.value)


# --- the corpus -------------------------------------------------------------


def test_corpus_cusdec_envelope(corpus: Path) -> None:
    data = (corpus / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
    parsed = parse_interchange(data)
    assert (parsed.sender, parsed.recipient) == ("AAA676Y", "AAA336C")
    assert parsed.sender_qualifier is None
    assert parsed.control_reference == "200401270001"
    assert parsed.prepared_at is not None and parsed.prepared_at.isoformat() == (
        "2004-01-27T07:30:00+00:00"
    )
    (message,) = parsed.messages
    assert message.identifier == "CUSDEC:D:99B:UN"
    assert len(message.segments) == 28
    assert message.header.where == "segment 2, UNH"
    assert message.segments[-1].where == "segment 29, UNT"
    assert parsed.trailer.where == "segment 30, UNZ"


def test_every_corpus_interchange_parses(corpus: Path) -> None:
    for path in sorted((corpus / "edifact").glob("*.edi")):
        assert len(parse_interchange(path.read_bytes()).messages) == 1, path.name


# --- separators and release -------------------------------------------------


def test_default_separators_and_release_character() -> None:
    parsed = parse_interchange(interchange("FTX+AAA+++A?+B?:C?'D??E:second"))
    ftx = parsed.messages[0].body[0]
    assert ftx.components(3) == ("A+B:C'D?E", "second")
    assert ftx.get(1) is None  # empty and absent are alike


def test_una_with_custom_separators() -> None:
    text = (
        "UNA|^.! ~"
        "UNB^UNOC|3^SENDER^RECEIVER^240131|1015^REF1~"
        "UNH^M1^CUSDEC|D|99B|UN~"
        "FTX^AAA^^^caret !^ bar !| bang !! apostrophe ' plus + colon :~"
        "UNT^3^M1~UNZ^1^REF1~"
    )
    parsed = parse_interchange(text.encode())
    assert parsed.separators == Separators("|", "^", ".", "!", " ", "~")
    ftx = parsed.messages[0].body[0]
    assert ftx.get(3) == "caret ^ bar | bang ! apostrophe ' plus + colon :"


def test_una_without_release_character() -> None:
    text = (
        "UNA:+.  'UNB+UNOC:3+S+R+240131:1015+1'UNH+1+CUSCAR:D:99B:UN'"
        "FTX+AAA+++why?'UNT+3+1'UNZ+1+1'"
    )
    parsed = parse_interchange(text.encode())
    assert parsed.separators.release is None
    assert parsed.messages[0].body[0].get(3) == "why?"


def test_level_b_default_separators() -> None:
    segments = [
        "UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240131\x1f1015\x1dREF1",
        "UNH\x1d1\x1dCUSCAR\x1fD\x1f99B\x1fUN",
    ]
    segments += [
        "FTX\x1dAAA\x1d\x1d\x1dplain: 'quoted' + more",
        "UNT\x1d3\x1d1",
        "UNZ\x1d1\x1dREF1",
    ]
    parsed = parse_interchange(("\x1c".join(segments) + "\x1c").encode())
    assert parsed.separators == LEVEL_B
    assert parsed.messages[0].body[0].get(3) == "plain: 'quoted' + more"


def test_line_breaks_between_segments_are_ignored() -> None:
    data = interchange("FTX+AAA+++one").replace(b"'", b"'\r\n")
    ftx = parse_interchange(data).messages[0].body[0]
    assert (ftx.tag, ftx.get(3), ftx.position) == ("FTX", "one", 3)


# --- character sets ---------------------------------------------------------


def test_unoc_is_latin_1() -> None:
    ftx = parse_interchange(interchange("FTX+AAA+++Müller")).messages[0].body[0]
    assert ftx.get(3) == "Müller"


def test_unow_is_utf_8() -> None:
    data = interchange("FTX+AAA+++X", unb=UNB.replace("UNOC:3", "UNOW:4"))
    data = data.replace(b"+++X", "+++Ἀθῆναι €".encode())
    assert parse_interchange(data).messages[0].body[0].get(3) == "Ἀθῆναι €"


@pytest.mark.parametrize(
    ("syntax", "raw", "words"),
    [
        ("UNOA:3", b"caf\xe9", "byte 0xE9 is not a character of UNOA (ascii)"),
        ("UNOW:4", b"caf\xc3(", "byte 0xC3 is not a character of UNOW (utf-8)"),
        ("UNOY:4", b"\xff", "byte 0xFF is not a character of UNOY (utf-8)"),
        ("UNOC:3", "€".encode(), "byte 0x82 is not a character of UNOC (latin-1)"),
    ],
)
def test_a_byte_outside_the_declared_character_set(syntax: str, raw: bytes, words: str) -> None:
    data = interchange("DTM+137:20240131:102", "FTX+AAA+++X", unb=UNB.replace("UNOC:3", syntax))
    with pytest.raises(MalformedMessage) as exc:
        parse_interchange(data.replace(b"+++X", b"+++" + raw))
    assert error_text(exc) == f"segment 4, FTX: {words}"


def test_an_unknown_syntax_identifier() -> None:
    with pytest.raises(UnsupportedMessage) as exc:
        parse_interchange(interchange(unb=UNB.replace("UNOC", "UNOX")))
    assert error_text(exc).startswith(
        "segment 1, UNB: syntax identifier 'UNOX' is not a character set the hub reads"
    )


# --- envelope errors --------------------------------------------------------


def test_wrong_unt_count_names_both_numbers_and_the_place(corpus: Path) -> None:
    data = (corpus / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data.replace(b"UNT+28+1", b"UNT+313+1"))
    assert error_text(exc) == "segment 29, UNT: UNT segment count 313, counted 28"
    assert exc.value.where == "segment 29, UNT"


def test_wrong_unz_count() -> None:
    data = interchange("FTX+AAA+++X").replace(b"UNZ+1+", b"UNZ+2+")
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data)
    assert error_text(exc) == "segment 5, UNZ: UNZ message count 2, counted 1"


def test_unt_reference_must_match_unh() -> None:
    data = interchange("FTX+AAA+++X").replace(b"UNT+3+M1", b"UNT+3+M2")
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data)
    assert error_text(exc) == (
        "segment 4, UNT: UNT message reference 'M2' does not match"
        " UNH message reference 'M1' (segment 2)"
    )


def test_unz_reference_must_match_unb() -> None:
    data = interchange().replace(b"UNZ+1+REF1", b"UNZ+1+REF9")
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data)
    assert error_text(exc) == (
        "segment 4, UNZ: UNZ control reference 'REF9' does not match"
        " UNB control reference 'REF1' (segment 1)"
    )


def test_a_non_numeric_count() -> None:
    with pytest.raises(EnvelopeError, match=r"^segment 3, UNT: UNT segment count 'x2'"):
        parse_interchange(interchange().replace(b"UNT+2", b"UNT+x2"))


def test_truncated_without_unz(corpus: Path) -> None:
    data = (corpus / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data[: data.index(b"UNZ")])
    assert error_text(exc) == (
        "segment 29, UNT: the interchange has no UNZ: the input ends at this UNT (truncated?)"
    )


def test_truncated_inside_a_message(corpus: Path) -> None:
    data = (corpus / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data[: data.index(b"UNS+D")])
    assert error_text(exc) == (
        "segment 17, MOA: message '1' opened by UNH at segment 2 has no UNT:"
        " the input ends at this MOA (truncated?)"
    )


def test_an_unterminated_last_segment() -> None:
    data = interchange()
    with pytest.raises(MalformedMessage) as exc:
        parse_interchange(data[:-1])
    assert error_text(exc) == (
        "segment 4, UNZ: segment 'UNZ' is not terminated by \"'\": the input is truncated"
    )


def test_a_segment_cut_after_a_separator_is_not_dropped() -> None:
    with pytest.raises(MalformedMessage, match=r"^segment 4, UNZ: .* truncated"):
        parse_interchange(interchange()[: -len("REF1'")])


def test_a_release_character_at_the_very_end() -> None:
    with pytest.raises(MalformedMessage, match="not terminated"):
        parse_interchange(interchange() + b"?")


def test_data_after_unz() -> None:
    data = interchange() + UNB.encode()
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(data)
    assert (
        error_text(exc) == "segment 5, UNB: data after UNZ: UNB follows the end of the interchange"
    )


def test_trailing_white_space_after_unz_is_fine() -> None:
    assert parse_interchange(interchange() + b"\r\n  \n").trailer.tag == "UNZ"


def test_a_message_without_unt_before_the_next_unh() -> None:
    text = UNB + "UNH+1+CUSDEC:D:99B:UN'BGM+830'UNH+2+CUSDEC:D:99B:UN'UNT+2+2'UNZ+2+REF1'"
    with pytest.raises(EnvelopeError) as exc:
        parse_interchange(text.encode())
    assert error_text(exc) == (
        "segment 4, UNH: message '1' opened by UNH at segment 2 has no UNT before this UNH"
    )


def test_a_segment_outside_any_message() -> None:
    text = UNB + "BGM+830'UNZ+0+REF1'"
    with pytest.raises(EnvelopeError, match=r"^segment 2, BGM: BGM outside a message"):
        parse_interchange(text.encode())


def test_an_interchange_must_start_with_unb() -> None:
    with pytest.raises(EnvelopeError, match=r"^segment 1, UNH: an interchange starts with UNB"):
        parse_interchange(b"UNH+1+CUSDEC:D:99B:UN'UNT+2+1'")


def test_a_bad_segment_tag() -> None:
    with pytest.raises(MalformedMessage) as exc:
        parse_interchange(interchange("F-X+AAA"))
    assert error_text(exc) == "segment 3: segment tag 'F-X' is not three capital letters or digits"


def test_an_incomplete_message_identifier() -> None:
    with pytest.raises(
        MalformedMessage, match=r"^segment 2, UNH: UNH message identifier 'CUSDEC:D'"
    ):
        parse_interchange(interchange().replace(b"CUSDEC:D:99B:UN", b"CUSDEC:D"))


@pytest.mark.parametrize(
    ("una", "words"),
    [("UNA:+", "UNA needs six service characters, found 2"), ("UNA::.? '", "must be distinct")],
)
def test_a_bad_service_string_advice(una: str, words: str) -> None:
    with pytest.raises(MalformedMessage, match=words):
        parse_interchange(una.encode())


def test_empty_input() -> None:
    with pytest.raises(MalformedMessage, match="no segment"):
        parse_interchange(b" \r\n")


def test_functional_groups() -> None:
    text = (
        UNB + "UNG+CUSDEC+S+R+240131:1015+G1+UN+D:99B'"
        "UNH+1+CUSDEC:D:99B:UN'UNT+2+1'UNH+2+CUSDEC:D:99B:UN'UNT+2+2'"
        "UNE+2+G1'UNZ+1+REF1'"
    )
    assert [m.reference for m in parse_interchange(text.encode()).messages] == ["1", "2"]
    with pytest.raises(EnvelopeError, match=r"^segment 7, UNE: UNE message count 3, counted 2"):
        parse_interchange(text.replace("UNE+2", "UNE+3").encode())
    with pytest.raises(EnvelopeError, match=r"^segment 8, UNZ: UNZ group count 2, counted 1"):
        parse_interchange(text.replace("UNZ+1", "UNZ+2").encode())


# --- writing what the tokenizer reads ---------------------------------------

SEPARATORS = st.sampled_from(
    [LEVEL_A, Separators("|", "^", ",", "!", " ", "~"), Separators(":", "+", ".", "?", "*", "'")]
)


def _round_trip(segment: str, separators: Separators) -> bytes:
    seps = separators
    parts = [
        seps.una,
        format_segment("UNB", ["UNOW", "4"], "S", "R", ["20240131", "1015"], "1", separators=seps),
        format_segment("UNH", "1", ["CUSDEC", "D", "99B", "UN"], separators=seps),
        segment,
        format_segment("UNT", "3", "1", separators=seps),
        format_segment("UNZ", "1", "1", separators=seps),
    ]
    return "".join(parts).encode()


@given(text=st.text(), separators=SEPARATORS)
def test_escaping_round_trips_any_text(text: str, separators: Separators) -> None:
    segment = "FTX" + separators.data + "AAA" + separators.data + escape(text, separators)
    parsed = parse_interchange(_round_trip(segment + separators.terminator, separators))
    assert parsed.messages[0].body[0].components(1) == (text,)


@given(
    elements=st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=3), max_size=4),
    separators=SEPARATORS,
)
def test_format_segment_round_trips(elements: list[list[str]], separators: Separators) -> None:
    text = format_segment("FTX", *elements, separators=separators)
    parsed = parse_interchange(_round_trip(text, separators)).messages[0].body[0]
    expected = [list(element) for element in elements]
    for element in expected:
        while element and not element[-1]:
            element.pop()
    while expected and not expected[-1]:
        expected.pop()
    got = [list(element) for element in parsed.elements]
    got = [[] if element == [""] else element for element in got]
    if got == [[]]:
        got = []
    assert got == expected


def test_escape_without_a_release_character_refuses_service_characters() -> None:
    assert escape("plain", LEVEL_B) == "plain"
    with pytest.raises(ValueError, match="no release"):
        escape("a\x1db", LEVEL_B)
