"""Hostile XML is refused quickly, with bounded memory, and with a precise reason."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

import pytest

from hub.errors import HostileInput, IngestError, MalformedMessage
from hub.ingest._xml import parse_xml
from hub.ingest.limits import MessageLimits

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Declaration [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Declaration>&xxe;</Declaration>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Declaration SYSTEM "http://attacker.example/evil.dtd">
<Declaration/>"""

DEEP = b"<a>" * 10_000 + b"</a>" * 10_000


def _bounded(fn: Callable[[], object]) -> IngestError:
    """Run ``fn``; it must raise an IngestError within a second and ~50 MB of memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(IngestError) as caught:
        fn()
    elapsed = time.perf_counter() - start
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert elapsed < 1.0, f"took {elapsed:.2f}s to refuse"
    assert grown_kib < 50 * 1024, f"memory grew by {grown_kib} KiB"
    return caught.value


@pytest.mark.parametrize(
    "document", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"]
)
def test_any_document_type_declaration_is_refused(document: bytes) -> None:
    error = _bounded(lambda: parse_xml(document))
    assert isinstance(error, HostileInput)
    assert "document type declaration" in error.message
    assert error.where == "line 2"


def test_a_utf16_doctype_is_refused_after_parsing_without_expansion() -> None:
    error = _bounded(
        lambda: parse_xml(
            BILLION_LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>', 1)
            .decode()
            .encode("utf-16")
        )
    )
    assert isinstance(error, HostileInput)


def test_ten_thousand_levels_of_nesting_are_refused() -> None:
    error = _bounded(lambda: parse_xml(DEEP))
    assert isinstance(error, HostileInput)
    assert "nesting too deep" in error.message
    assert error.where is not None and error.where.startswith("line 1, column ")


def test_an_oversize_message_is_refused_before_parsing() -> None:
    huge = b"<a>" + b"x" * (10 * 1024 * 1024) + b"</a>"
    error = _bounded(lambda: parse_xml(huge))
    assert isinstance(error, HostileInput)
    assert "over the limit of 10,485,760" in error.message


def test_the_size_limit_is_configurable() -> None:
    with pytest.raises(HostileInput, match="over the limit of 100"):
        parse_xml(b"<a>" + b"x" * 200 + b"</a>", MessageLimits(max_bytes=100))


def test_invalid_utf8_names_line_and_column() -> None:
    error = _bounded(lambda: parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<a>caf\xe9</a>'))
    assert isinstance(error, MalformedMessage)
    assert error.where == "line 2, column 7"


def test_truncated_xml_names_where_it_stopped() -> None:
    error = _bounded(
        lambda: parse_xml(b"<Declaration>\n  <FunctionCode>9</FunctionCode>\n  <Goods")
    )
    assert isinstance(error, MalformedMessage)
    assert error.where is not None and error.where.startswith("line 3")


def test_comments_and_processing_instructions_do_not_reach_readers() -> None:
    tree = parse_xml(b"<a><!-- note --><?pi x?><b>1</b></a>")
    assert [child.tag for child in tree.getroot()] == ["b"]


def test_no_network_access_for_external_schemas_or_includes() -> None:
    # XInclude is never processed: the include element stays an element.
    document = (
        b'<a xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<xi:include href="http://attacker.example/x.xml"/></a>'
    )
    tree = parse_xml(document)
    assert tree.getroot()[0].tag == "{http://www.w3.org/2001/XInclude}include"
