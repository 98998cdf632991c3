"""YAML data files (profiles, reference lists, agency.yaml) read with the place of every field.

Profiles, reference lists and agency files are refused with the file, the
line and the field at fault. ``yaml.safe_load`` forgets positions, so the text
is composed into a node tree once (SafeLoader semantics: no arbitrary
objects), constructed from that same tree, and each pydantic error location
(``('when', 'commodity', 0)``) is walked down the tree to its node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = [
    "LocatedError",
    "field_path",
    "first_error",
    "line_of",
    "node_at",
    "read_yaml",
    "value_at",
]

Loc = Sequence[int | str]


class LocatedError(Exception):
    """A problem at a place in a data file: 1-based line and a dotted field path."""

    def __init__(self, message: str, *, line: int | None, field: str | None) -> None:
        self.message = message
        self.line = line
        self.field = field
        super().__init__(message)


def read_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse ``text`` with SafeLoader semantics; return the data and its node tree.

    Raises :class:`LocatedError` for a syntax error (with its line) and for a
    key written twice in one mapping, which YAML would silently resolve to
    the last value.
    """
    try:
        # The reader refuses a non-printable character already here (ReaderError).
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise LocatedError(f"YAML error: {exc}", line=_line_of(text, exc), field=None) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _refuse_duplicate_keys(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise LocatedError(f"YAML syntax error: {problem}", line=line, field=None) from None
    except yaml.YAMLError as exc:
        raise LocatedError(f"YAML error: {exc}", line=None, field=None) from None
    finally:
        loader.dispose()
    return data, node


def _line_of(text: str, exc: yaml.YAMLError) -> int | None:
    position = getattr(exc, "position", None)
    return text[:position].count("\n") + 1 if isinstance(position, int) else None


def _refuse_duplicate_keys(node: yaml.Node, path: tuple[int | str, ...]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise LocatedError(
                    f"key {name!r} is written twice",
                    line=key.start_mark.line + 1,
                    field=field_path((*path, name)),
                )
            seen.add(name)
            _refuse_duplicate_keys(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _refuse_duplicate_keys(child, (*path, index))


def field_path(loc: Loc) -> str:
    """``('when', 'commodity', 0)`` -> ``'when.commodity[0]'``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def node_at(root: yaml.Node | None, loc: Loc) -> yaml.Node | None:
    """The node a location names: the key node for a mapping entry, the element for a list.

    Walks as deep as the tree goes; a location that names a missing key
    stops at the mapping that lacks it, which is where the author must add it.
    """
    node = root
    found = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if entry is None:
                return found
            found, node = entry
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return found
            found = node = node.value[part]
        else:
            return found
    return found


def value_at(root: yaml.Node | None, loc: Loc) -> yaml.Node | None:
    """The value node at ``loc``, or ``None`` when the location is not in the tree."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            return None
    return node


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    node = node_at(root, loc)
    return node.start_mark.line + 1 if node is not None else None


def _message(error: Any) -> str:
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "string_type" and isinstance(error.get("input"), int):
        message += " (quote codes in YAML: '0703', not 0703, which YAML reads as a number)"
    if error["type"] == "timezone_aware":
        message += " (write the offset, e.g. 2025-03-01T00:00:00Z)"
    return message


def first_error(exc: ValidationError, root: yaml.Node | None, prefix: Loc = ()) -> LocatedError:
    """The first pydantic error of ``exc`` with the line of its node in ``root``.

    A location inside a union is cleaned of pydantic's branch tags (such as
    ``function-after[...]``) so the field reads as the author wrote it.
    """
    error = exc.errors()[0]
    loc = [*prefix, *(p for p in error["loc"] if not _is_tag(p))]
    return LocatedError(_message(error), line=line_of(root, loc), field=field_path(loc) or None)


def _is_tag(part: int | str) -> bool:
    return isinstance(part, str) and ("[" in part or "(" in part)
