"""A parsed message as plain nested dicts, read in one pass, for fast mapping.

lxml's ``find()`` and ``findtext()`` evaluate an ElementPath per call, a few
microseconds each; a cargo report or entry summary has a hundred or more
leaves. Walking the tree once into dicts keyed by local name and then mapping
from the dicts costs less than half as much. Leaves stay elements, so that a
value which does not convert can still be reported by line and path.
"""

from __future__ import annotations

from typing import Union

from lxml import etree

__all__ = ["Node", "element_of", "group", "groups", "leaf", "plain", "text"]

Node = dict[str, list[Union["Node", etree._Element]]]


def plain(element: etree._Element) -> Node:
    """The children of ``element`` by local name: a nested node, or a leaf element.

    The empty name holds ``element`` itself (see :func:`element_of`). The safe
    parser has already dropped comments and processing instructions.
    """
    node: Node = {"": [element]}  # no local name is empty: the group's own element
    for child in element:
        value: Node | etree._Element = plain(child) if len(child) else child
        node.setdefault(child.tag.rpartition("}")[2], []).append(value)
    return node


def element_of(node: Node) -> etree._Element:
    """The element a node was read from, to name its place in an error."""
    element = node[""][0]
    assert not isinstance(element, dict)
    return element


def groups(node: Node | None, name: str) -> list[Node]:
    """Every child group ``name`` in document order; an empty element is an empty group."""
    if node is None:
        return []
    return [value if isinstance(value, dict) else {"": [value]} for value in node.get(name, ())]


def group(node: Node | None, name: str) -> Node | None:
    """The first child group ``name``, or ``None``."""
    found = groups(node, name)
    return found[0] if found else None


def leaf(node: Node | None, name: str) -> etree._Element | None:
    """The first leaf ``name`` (an element without children), or ``None``."""
    if node is None:
        return None
    for value in node.get(name, ()):
        if not isinstance(value, dict):
            return value
    return None


def text(node: Node | None, name: str) -> str | None:
    """The text of leaf ``name`` without outer white space; ``None`` when absent or empty."""
    found = leaf(node, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None
