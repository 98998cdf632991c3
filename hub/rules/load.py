"""Read risk profiles from YAML or JSON files, refusing a broken one whole.

A file holds one profile (a mapping) or several (a list of mappings); JSON is
read by the same YAML loader, since JSON is YAML. Every refusal is an
:class:`~hub.errors.InvalidProfile` naming the file, the 1-based line and the
field (``when.commodity[0]``; in a list file ``[2].when.commodity[0]``), for
YAML syntax, schema errors and CEL expressions that do not compile alike, so
``hub profiles check`` can point an author at the exact place.

Expressions are compiled here once to check them (without reference data:
a rule set checks reference list names when it is compiled).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.datafile import LocatedError, first_error, line_of, node_at, read_yaml, value_at
from hub.errors import InvalidProfile
from hub.rules.cel import ExpressionError, check_expression
from hub.rules.profile import RiskProfile

__all__ = ["PROFILE_SUFFIXES", "load_profile", "load_profiles", "parse_profile", "parse_profiles"]

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def _validate(data: Any, root: yaml.Node | None, prefix: tuple[int, ...], file: str) -> RiskProfile:
    if not isinstance(data, dict):
        line = line_of(root, prefix) or 1
        raise InvalidProfile("a profile is a mapping of fields", file=file, line=line)
    try:
        profile = RiskProfile.model_validate(data)
    except ValidationError as exc:
        located = first_error(exc, root, prefix)
        raise InvalidProfile(
            located.message, file=file, line=located.line, field=located.field
        ) from None
    if profile.when.expression is not None:
        try:
            check_expression(profile.when.expression)
        except ExpressionError as exc:
            loc: tuple[int | str, ...] = (*prefix, "when", "expression")
            raise InvalidProfile(
                f"CEL: {exc.message}",
                file=file,
                line=_expression_line(root, loc, exc.line),
                field="when.expression" if not prefix else f"[{prefix[0]}].when.expression",
            ) from None
    return profile


def _expression_line(
    root: yaml.Node | None, loc: Sequence[int | str], line: int | None
) -> int | None:
    key = node_at(root, loc)
    if key is None:
        return None
    value = value_at(root, loc)
    # In a literal block (|) the expression's own lines are the file's lines.
    if isinstance(value, yaml.ScalarNode) and value.style == "|" and line:
        last = value.end_mark.line - (1 if value.end_mark.column == 0 else 0)
        return min(value.start_mark.line + 1 + line, last + 1)
    return key.start_mark.line + 1


def _read(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    try:
        return read_yaml(text)
    except LocatedError as exc:
        raise InvalidProfile(exc.message, file=file, line=exc.line, field=exc.field) from None


def parse_profile(text: str, *, file: str) -> RiskProfile:
    """Read one profile from YAML or JSON ``text``; ``file`` names it in errors."""
    data, root = _read(text, file)
    return _validate(data, root, (), file)


def parse_profiles(text: str, *, file: str) -> list[RiskProfile]:
    """Read a file holding one profile (a mapping) or several (a list)."""
    data, root = _read(text, file)
    if isinstance(data, list):
        return [_validate(entry, root, (i,), file) for i, entry in enumerate(data)]
    return [_validate(data, root, (), file)]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProfile(f"cannot read: {exc}", file=str(path)) from None


def load_profile(path: Path) -> RiskProfile:
    """Read the single profile in ``path``."""
    return parse_profile(_text(path), file=str(path))


def load_profiles(
    directory: Path, *, errors: list[InvalidProfile] | None = None
) -> list[RiskProfile]:
    """Read every ``*.yaml``, ``*.yml`` and ``*.json`` file directly in ``directory``.

    Files are read in name order; subfolders are not entered. The same id and
    version twice is refused in the second file. Without ``errors`` the first
    broken file raises; with a list, each broken file is refused whole, its
    error appended, and the others are returned (what ``hub profiles check``
    and a live reload need: one bad file never takes the set down).
    """
    profiles: list[RiskProfile] = []
    seen: dict[tuple[str, int], str] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in PROFILE_SUFFIXES or not path.is_file():
            continue
        try:
            text = _text(path)
            found = parse_profiles(text, file=str(path))
            _refuse_repeats(found, seen, text, str(path))
        except InvalidProfile as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        for profile in found:
            seen[profile.key] = str(path)
        profiles.extend(found)
    return profiles


def _refuse_repeats(
    found: list[RiskProfile], seen: dict[tuple[str, int], str], text: str, file: str
) -> None:
    """The same id and version twice, in this file or an earlier one, is refused here."""
    here: set[tuple[str, int]] = set()
    for index, profile in enumerate(found):
        if profile.key in seen or profile.key in here:
            _, root = read_yaml(text)
            loc: tuple[int | str, ...] = ("id",) if len(found) == 1 else (index, "id")
            where = seen.get(profile.key, "this file")
            raise InvalidProfile(
                f"{profile.id} version {profile.version} is already in {where}",
                file=file,
                line=line_of(root, loc),
                field="id" if len(found) == 1 else f"[{index}].id",
            )
        here.add(profile.key)
