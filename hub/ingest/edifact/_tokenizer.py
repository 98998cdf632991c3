"""Bytes to segments: service characters, release character, character sets.

The tokenizer works on the bytes decoded as ISO 8859-1, one character per
byte, so every offset is a byte offset into what the sender sent. That is
safe for every character set the hub accepts: their service characters are
ASCII, and no byte of a UTF-8 multi-byte sequence is ASCII. Each value is
decoded with the interchange's declared character set afterwards
(:func:`decode_segments`), so an invalid byte is reported in the segment
that carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.errors import HostileInput, MalformedMessage, UnsupportedMessage

__all__ = ["LEVEL_A", "LEVEL_B", "Segment", "Separators", "decode_segments", "tokenize"]


@dataclass(frozen=True, slots=True)
class Separators:
    """The service characters of an interchange (UNA, or the defaults)."""

    component: str = ":"
    data: str = "+"
    decimal: str = "."
    release: str | None = "?"  # None: the sender cannot escape (level B defaults)
    repetition: str = " "  # UNA5: reserved (a space) in syntax 3, '*' in syntax 4
    terminator: str = "'"

    @property
    def una(self) -> str:
        """The service string advice that declares these characters."""
        return (
            "UNA"
            + self.component
            + self.data
            + self.decimal
            + (self.release or " ")
            + self.repetition
            + self.terminator
        )

    @property
    def specials(self) -> str:
        """Characters that must be released when they occur in data."""
        chars = self.component + self.data + self.terminator + (self.release or "")
        if self.repetition != " ":
            chars += self.repetition
        return chars


LEVEL_A = Separators()
"""ISO 9735 defaults, also what nearly every UNOC interchange uses without UNA."""

LEVEL_B = Separators(component="\x1f", data="\x1d", release=None, terminator="\x1c")
"""ISO 9735 level B defaults (information separators IS1/IS3/IS4, no release)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its tag, its data elements as tuples of components, its place.

    ``position`` counts segments from 1 at UNB (a UNA service string advice is
    not a segment); ``offset`` is the byte offset of its tag in the input.
    """

    tag: str
    elements: tuple[tuple[str, ...], ...]
    position: int
    offset: int

    @property
    def where(self) -> str:
        """The place of this segment as errors name it: ``"segment 7, GIS"``."""
        return f"segment {self.position}, {self.tag}"

    def get(self, element: int, component: int = 0) -> str | None:
        """Component ``component`` of data element ``element`` (both from 0, tag excluded).

        Absent and empty values are both ``None``: EDIFACT does not tell them apart.
        """
        if element >= len(self.elements):
            return None
        values = self.elements[element]
        if component >= len(values):
            return None
        return values[component] or None

    def components(self, element: int) -> tuple[str, ...]:
        """All components of data element ``element``; ``()`` when absent."""
        return self.elements[element] if element < len(self.elements) else ()


_TAG = re.compile(r"^[A-Z0-9]{3}$")
_BETWEEN_SEGMENTS = "\r\n"
_TRAILING_SPACE = " \t\r\n"


def tokenize(
    text: str, separators: Separators, start: int = 0, max_segments: int | None = None
) -> list[Segment]:
    """Split ``text[start:]`` into segments, honouring the release character.

    Carriage returns and line feeds between segments are ignored; anything
    else after the last terminator is an unterminated (truncated) segment.
    More than ``max_segments`` segments is refused as hostile, as soon as
    the first one too many is reached.
    """
    segments: list[Segment] = []
    pattern = _element_pattern(separators)
    terminator, release = separators.terminator, separators.release
    pos, end = start, len(text)
    while True:
        while pos < end and text[pos] in _BETWEEN_SEGMENTS:
            pos += 1
        if pos >= end:
            return segments
        stop = _find_terminator(text, pos, terminator, release)
        position = len(segments) + 1
        if max_segments is not None and position > max_segments:
            raise HostileInput(
                f"more than {max_segments:,} segments in one interchange",
                where=f"segment {position}",
            )
        if stop == -1:
            if not text[pos:].strip(_TRAILING_SPACE):
                return segments
            head = text[pos : pos + 3]
            raise MalformedMessage(
                f"segment {head!r} is not terminated by {terminator!r}: the input is truncated",
                where=f"segment {position}" + (f", {head}" if _TAG.match(head) else ""),
            )
        segments.append(_segment(text, pos, stop, position, pattern, separators))
        pos = stop + 1


def _find_terminator(text: str, start: int, terminator: str, release: str | None) -> int:
    """The index of the next terminator not escaped by the release character, or -1."""
    index = text.find(terminator, start)
    if release is None:
        return index
    while index != -1:
        run = 0
        back = index - 1
        while back >= start and text[back] == release:
            run += 1
            back -= 1
        if run % 2 == 0:
            return index
        index = text.find(terminator, index + 1)
    return index


def _element_pattern(separators: Separators) -> re.Pattern[str] | None:
    """Tokens of a segment that holds the release character; ``None`` without one."""
    if separators.release is None:
        return None
    breaks = re.escape(separators.component + separators.data)
    release = re.escape(separators.release)
    return re.compile(f"{release}(.)|([{breaks}])|([^{breaks}{release}]+)", re.DOTALL)


def _segment(
    text: str,
    start: int,
    stop: int,
    position: int,
    pattern: re.Pattern[str] | None,
    seps: Separators,
) -> Segment:
    body = text[start:stop]
    if pattern is None or seps.release is None or seps.release not in body:  # plain splits
        elements = [tuple(element.split(seps.component)) for element in body.split(seps.data)]
    else:
        elements = _released(body, pattern, seps)
    tag = elements[0][0]
    if not _TAG.match(tag):
        raise MalformedMessage(
            f"segment tag {tag!r} is not three capital letters or digits",
            where=f"segment {position}",
        )
    return Segment(tag, tuple(elements[1:]), position, start)


def _released(body: str, pattern: re.Pattern[str], seps: Separators) -> list[tuple[str, ...]]:
    elements: list[tuple[str, ...]] = []
    components: list[str] = []
    value: list[str] = []
    for match in pattern.finditer(body):
        escaped, separator = match.group(1), match.group(2)
        if escaped is not None:
            value.append(escaped)
        elif separator is None:
            value.append(match.group(0))
        else:
            components.append("".join(value))
            value = []
            if separator == seps.data:
                elements.append(tuple(components))
                components = []
    components.append("".join(value))
    elements.append(tuple(components))
    return elements


# Syntax identifier -> Python codec. UNOX (ISO 2022 code extension) is not read.
CHARSETS = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859_2",
    "UNOE": "iso8859_5",
    "UNOF": "iso8859_7",
    "UNOG": "iso8859_3",
    "UNOH": "iso8859_4",
    "UNOI": "iso8859_6",
    "UNOJ": "iso8859_8",
    "UNOK": "iso8859_9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}

# ISO 8859 leaves 0x80-0x9F undefined; Python's codecs map them to C1 controls.
_C1 = re.compile("[\x80-\x9f]")


def decode_segments(
    segments: list[Segment], syntax_identifier: str, unb: Segment, *, ascii_only: bool = False
) -> list[Segment]:
    """Decode every value from the ISO 8859-1 reading to the declared character set.

    Raises :class:`MalformedMessage` naming the segment of the first byte
    that the declared character set does not allow.
    """
    codec = CHARSETS.get(syntax_identifier)
    if codec is None:
        raise UnsupportedMessage(
            f"syntax identifier {syntax_identifier!r} is not a character set the hub reads",
            where=unb.where,
            expected=", ".join(CHARSETS),
        )
    if ascii_only:  # nothing to decode, and ASCII is valid in every character set here
        return segments
    decoded: list[Segment] = []
    for segment in segments:
        elements = segment.elements
        if any(not value.isascii() for element in elements for value in element):
            elements = tuple(
                tuple(_decode(value, codec, syntax_identifier, segment) for value in element)
                for element in elements
            )
            segment = Segment(segment.tag, elements, segment.position, segment.offset)
        decoded.append(segment)
    return decoded


def _decode(value: str, codec: str, syntax_identifier: str, segment: Segment) -> str:
    if value.isascii():
        return value
    raw = value.encode("latin-1")
    if codec.startswith(("latin", "iso8859")):
        c1 = _C1.search(value)
        if c1 is not None:
            raise _bad_byte(raw[c1.start()], syntax_identifier, codec, segment)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise _bad_byte(raw[exc.start], syntax_identifier, codec, segment) from None


def _bad_byte(byte: int, syntax_identifier: str, codec: str, segment: Segment) -> MalformedMessage:
    return MalformedMessage(
        f"byte 0x{byte:02X} is not a character of {syntax_identifier} ({codec})",
        where=segment.where,
    )
