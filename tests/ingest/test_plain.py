"""A parsed message as plain dicts: groups, leaves and the element behind each."""

from __future__ import annotations

from hub.ingest._plain import element_of, group, groups, leaf, plain, text
from hub.ingest._xml import parse_xml, where

DOC = b"""<r:Root xmlns:r="urn:x">
  <Item><No> 1 </No><Note/></Item>
  <Item/>
  <r:Name>first</r:Name><r:Name>second</r:Name>
</r:Root>"""


def test_children_by_local_name_in_document_order() -> None:
    root = plain(parse_xml(DOC).getroot())
    items = groups(root, "Item")
    assert len(items) == 2
    assert text(items[0], "No") == "1"
    assert text(items[0], "Note") is None
    assert text(root, "Name") == "first"
    assert [e.text for e in root["Name"] if not isinstance(e, dict)] == ["first", "second"]


def test_an_empty_element_is_an_empty_group_and_keeps_its_place() -> None:
    root = plain(parse_xml(DOC).getroot())
    empty = groups(root, "Item")[1]
    assert text(empty, "No") is None
    assert where(element_of(empty)) == "line 3, /Root/Item"
    assert element_of(root).tag == "{urn:x}Root"


def test_absent_parts_read_as_none() -> None:
    root = plain(parse_xml(DOC).getroot())
    assert group(root, "Missing") is None
    assert groups(None, "Item") == []
    assert leaf(None, "No") is None
    assert text(group(root, "Missing"), "No") is None
    empty = leaf(root, "Item")  # an empty element is a leaf too; a group is not
    assert empty is not None
    assert where(empty) == "line 3, /Root/Item"
