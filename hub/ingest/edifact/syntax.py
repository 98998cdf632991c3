"""UN/EDIFACT syntax (ISO 9735): an interchange read into checked envelopes, and back.

:func:`parse_interchange` turns bytes into an :class:`Interchange` of
:class:`Message` objects, each a run of :class:`Segment` from UNH to UNT that
remembers its position. It checks what the envelopes promise: UNB/UNZ (message
or group count and control reference), UNG/UNE when functional groups are
used, UNH/UNT (segment count and message reference). It knows nothing about
CUSDEC or CUSCAR; the message readers do.

Why not pydifact for this. The project prefers pydifact for EDIFACT syntax,
and the tests use it as the independent parser of the CUSRES the hub writes.
Measured on pydifact 0.2.3, it cannot be the hub's reader:

- its segments carry no position and its errors none either ("Unexpected end
  of EDI messages."), while every hub error must say ``"segment 31, UNT"``;
- a final segment cut after a separator (``UNZ+1+``) is dropped silently
  instead of being reported as truncated;
- it looks for ``'UNA`` anywhere in the text, so a released apostrophe
  followed by ``UNA`` in free text restarts parsing there and loses every
  segment before it;
- it works on ``str``, so an invalid byte for the declared character set
  (UNOA, UNOW, ...) cannot be reported in the segment that carries it;
- it warns (``MissingImplementationWarning``) on every service segment for
  want of directory files, and reads an 860 kB interchange in about 0.8 s.

The tokenizer here is about a hundred lines (``_tokenizer.py``) and does the
same job with positions, byte offsets and exact errors.

Writing: :func:`escape` and :func:`format_segment` produce what the tokenizer
reads, so the CUSRES writer and the reader share one definition of the syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.errors import EnvelopeError, MalformedMessage
from hub.ingest._dates import parse_un_datetime
from hub.ingest.edifact._tokenizer import (
    CHARSETS,
    LEVEL_A,
    LEVEL_B,
    Segment,
    Separators,
    decode_segments,
    tokenize,
)

__all__ = [
    "CHARSETS",
    "LEVEL_A",
    "LEVEL_B",
    "Element",
    "Interchange",
    "Message",
    "Segment",
    "Separators",
    "escape",
    "format_segment",
    "parse_interchange",
]

_SERVICE_OUTSIDE_MESSAGE = frozenset({"UNH", "UNT", "UNZ", "UNG", "UNE", "UNB"})


@dataclass(frozen=True, slots=True)
class Message:
    """One message, UNH to UNT inclusive, with its identifier (UNH S009)."""

    reference: str
    type: str
    version: str
    release: str
    agency: str
    association_code: str | None
    segments: tuple[Segment, ...]

    @property
    def header(self) -> Segment:
        """The UNH segment."""
        return self.segments[0]

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between UNH and UNT."""
        return self.segments[1:-1]

    @property
    def identifier(self) -> str:
        """``CUSDEC:D:99B:UN`` as the sender wrote it in UNH."""
        return ":".join((self.type, self.version, self.release, self.agency))


@dataclass(frozen=True, slots=True)
class Interchange:
    """A checked interchange: its UNB data, its messages, and how it was written."""

    separators: Separators
    syntax_identifier: str
    syntax_version: str
    sender: str
    sender_qualifier: str | None
    recipient: str
    recipient_qualifier: str | None
    prepared_at: datetime | None
    control_reference: str
    messages: tuple[Message, ...]
    header: Segment
    trailer: Segment


def parse_interchange(data: bytes, *, max_segments: int | None = None) -> Interchange:
    """Read one interchange, checking every envelope, or raise an ``IngestError``.

    ``EnvelopeError`` for counts and references that disagree, for a missing
    UNZ or UNT (truncated input) and for data after UNZ; ``MalformedMessage``
    for broken syntax or a byte the declared character set does not allow;
    ``UnsupportedMessage`` for a character set the hub does not read.
    """
    text = data.decode("latin-1")
    start = 3 if text.startswith("\xef\xbb\xbf") else 0
    while start < len(text) and text[start] in " \t\r\n":
        start += 1
    separators, start = _service_string_advice(text, start)
    segments = tokenize(text, separators, start, max_segments)
    if not segments:
        raise MalformedMessage("the input holds no segment", where="segment 1")
    unb = segments[0]
    if unb.tag != "UNB":
        raise EnvelopeError(f"an interchange starts with UNB, not {unb.tag}", where=unb.where)
    syntax_identifier = unb.get(0, 0) or ""
    segments = decode_segments(segments, syntax_identifier, unb, ascii_only=text.isascii())
    unb = segments[0]
    messages, unz = _messages(segments)
    control_reference = _required(unb, 4, "interchange control reference")
    _check_count(unz, "UNZ", "message", unz.get(0), len(messages.messages), messages.groups)
    if unz.get(1) != control_reference:
        raise EnvelopeError(
            f"UNZ control reference {unz.get(1)!r} does not match"
            f" UNB control reference {control_reference!r} (segment {unb.position})",
            where=unz.where,
        )
    return Interchange(
        separators=separators,
        syntax_identifier=syntax_identifier,
        syntax_version=unb.get(0, 1) or "",
        sender=_required(unb, 1, "sender identification"),
        sender_qualifier=unb.get(1, 1),
        recipient=_required(unb, 2, "recipient identification"),
        recipient_qualifier=unb.get(2, 1),
        prepared_at=_prepared_at(unb),
        control_reference=control_reference,
        messages=tuple(messages.messages),
        header=unb,
        trailer=unz,
    )


def escape(text: str, separators: Separators = LEVEL_A) -> str:
    """``text`` with the release character before every service character in it.

    Raises ``ValueError`` when the separators have no release character
    (level B defaults) and ``text`` contains one of them.
    """
    specials = separators.specials
    if not any(char in specials for char in text):
        return text
    release = separators.release
    if release is None:
        raise ValueError(f"{text!r} contains a service character and there is no release")
    return "".join(release + char if char in specials else char for char in text)


Element = str | Sequence[str | None] | None
"""A data element to write: simple (``str``), composite (components) or absent (``None``)."""


def format_segment(tag: str, *elements: Element, separators: Separators = LEVEL_A) -> str:
    """One segment as text, values escaped, trailing empty elements and components dropped.

    An element is a simple value (``str``), a composite (a sequence of
    components, ``None`` for an empty one) or ``None`` when absent.
    """
    written: list[str] = []
    for element in elements:
        if element is None or isinstance(element, str):
            written.append(escape(element or "", separators))
            continue
        components = [escape(value or "", separators) for value in element]
        while components and not components[-1]:
            components.pop()
        written.append(separators.component.join(components))
    while written and not written[-1]:
        written.pop()
    return separators.data.join((tag, *written)) + separators.terminator


def _service_string_advice(text: str, start: int) -> tuple[Separators, int]:
    if not text.startswith("UNA", start):
        # Level B defaults are recognised by the data separator right after UNB.
        if text.startswith("UNB\x1d", start):
            return LEVEL_B, start
        return LEVEL_A, start
    chars = text[start + 3 : start + 9]
    if len(chars) < 6:
        raise MalformedMessage(f"UNA needs six service characters, found {len(chars)}", where="UNA")
    component, data, decimal, release, repetition, terminator = tuple(chars)
    release_or_none = None if release == " " else release
    distinct = [component, data, terminator] + ([release] if release_or_none else [])
    if len(set(distinct)) != len(distinct) or any(c in "\r\n" or c.isalnum() for c in distinct):
        raise MalformedMessage(
            f"UNA service characters {chars!r} must be distinct and neither letters,"
            " digits nor line breaks",
            where="UNA",
        )
    separators = Separators(component, data, decimal, release_or_none, repetition, terminator)
    return separators, start + 9


@dataclass
class _Walk:
    messages: list[Message] = field(default_factory=list)
    groups: int = 0
    grouped_messages: int = 0


def _messages(segments: list[Segment]) -> tuple[_Walk, Segment]:
    walk = _Walk()
    group: Segment | None = None
    group_messages = 0
    index, count = 1, len(segments)
    while index < count:
        segment = segments[index]
        if segment.tag == "UNZ":
            if group is not None:
                raise EnvelopeError(
                    f"functional group opened by UNG at segment {group.position} has no UNE",
                    where=segment.where,
                )
            if index + 1 < count:
                extra = segments[index + 1]
                raise EnvelopeError(
                    f"data after UNZ: {extra.tag} follows the end of the interchange",
                    where=extra.where,
                )
            if walk.groups and len(walk.messages) != walk.grouped_messages:
                raise EnvelopeError(
                    "an interchange mixes functional groups and loose messages",
                    where=segment.where,
                )
            return walk, segment
        if segment.tag == "UNG" and group is None:
            group, group_messages = segment, 0
            index += 1
            continue
        if segment.tag == "UNE" and group is not None:
            _check_count(segment, "UNE", "message", segment.get(0), group_messages, 0)
            if segment.get(1) != group.get(4):
                raise EnvelopeError(
                    f"UNE group reference {segment.get(1)!r} does not match"
                    f" UNG group reference {group.get(4)!r} (segment {group.position})",
                    where=segment.where,
                )
            walk.groups += 1
            walk.grouped_messages += group_messages
            group = None
            index += 1
            continue
        if segment.tag != "UNH":
            expected = "UNH or UNE" if group is not None else "UNH, UNG or UNZ"
            raise EnvelopeError(
                f"{segment.tag} outside a message (expected {expected})", where=segment.where
            )
        index = _message(segments, index, walk.messages)
        if group is not None:
            group_messages += 1
    last = segments[-1]
    raise EnvelopeError(
        f"the interchange has no UNZ: the input ends at this {last.tag} (truncated?)",
        where=last.where,
    )


def _message(segments: list[Segment], index: int, messages: list[Message]) -> int:
    unh = segments[index]
    reference = _required(unh, 0, "message reference number")
    end = index + 1
    while end < len(segments) and segments[end].tag not in _SERVICE_OUTSIDE_MESSAGE:
        end += 1
    if end == len(segments):
        last = segments[-1]
        raise EnvelopeError(
            f"message {reference!r} opened by UNH at segment {unh.position} has no UNT:"
            f" the input ends at this {last.tag} (truncated?)",
            where=last.where,
        )
    unt = segments[end]
    if unt.tag != "UNT":
        raise EnvelopeError(
            f"message {reference!r} opened by UNH at segment {unh.position}"
            f" has no UNT before this {unt.tag}",
            where=unt.where,
        )
    _check_count(unt, "UNT", "segment", unt.get(0), end - index + 1, 0)
    if unt.get(1) != reference:
        raise EnvelopeError(
            f"UNT message reference {unt.get(1)!r} does not match"
            f" UNH message reference {reference!r} (segment {unh.position})",
            where=unt.where,
        )
    identifier = unh.components(1)
    if len(identifier) < 4 or not all(identifier[:4]):
        raise MalformedMessage(
            f"UNH message identifier {':'.join(identifier)!r} needs type:version:release:agency",
            where=unh.where,
        )
    messages.append(
        Message(
            reference=reference,
            type=identifier[0],
            version=identifier[1],
            release=identifier[2],
            agency=identifier[3],
            association_code=unh.get(1, 4),
            segments=tuple(segments[index : end + 1]),
        )
    )
    return end + 1


def _check_count(
    segment: Segment, tag: str, what: str, declared: str | None, counted: int, groups: int
) -> None:
    if declared is None:
        raise EnvelopeError(f"{tag} has no {what} count", where=segment.where)
    if not declared.isdigit():
        raise EnvelopeError(f"{tag} {what} count {declared!r} is not a number", where=segment.where)
    if groups:
        what, counted = "group", groups
    if int(declared) != counted:
        raise EnvelopeError(
            f"{tag} {what} count {declared}, counted {counted}", where=segment.where
        )


def _required(segment: Segment, element: int, name: str) -> str:
    value = segment.get(element)
    if value is None:
        raise MalformedMessage(f"{segment.tag} has no {name}", where=segment.where)
    return value


def _prepared_at(unb: Segment) -> datetime | None:
    date, time = unb.get(3, 0), unb.get(3, 1)
    if date is None:
        return None
    layout = {6: "101", 8: "102"}.get(len(date))
    if time is not None:
        layout = {6: "201", 8: "203"}.get(len(date))
    stamp = date + (time or "")
    try:
        if layout is None or not stamp.isdigit():
            raise ValueError(stamp)
        return parse_un_datetime(stamp, layout)
    except ValueError:
        raise MalformedMessage(
            f"UNB date and time of preparation {date}:{time or ''} is not YYMMDD:HHMM",
            where=unb.where,
        ) from None
