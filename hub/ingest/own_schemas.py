"""The hub's own message schemas: where they are and the one compiled set of them.

Messages the hub defines itself (its pre-arrival cargo report, its decision
response) have no public XSD, so the project ships them in
``message_schemas/<message>/hub_<message>.xsd`` at the root of the repository.
Unlike an administration's configured ``--schemas`` directory these are always
present, so readers of the hub's own formats validate every message, not only
when a directory is configured. Files not named ``hub_*.xsd`` (EDIFACT maps,
included fragments) are not entry points.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from hub.ingest.schemas import SchemaSet

__all__ = ["messages_dir", "own_schema_set"]


def messages_dir() -> Path:
    """``message_schemas/`` at the root of the repository this package lives in."""
    return Path(__file__).resolve().parents[2] / "message_schemas"


@lru_cache(maxsize=1)
def own_schema_set() -> SchemaSet:
    """The hub's own entry schemas keyed by target namespace, compiled on first use.

    Raises ``FileNotFoundError`` when the schemas are missing: the hub must not
    run a reader of its own formats without the schema that guards it.
    """
    directory = messages_dir()
    entries: dict[str, Path] = {}
    for file in sorted(directory.glob("*/hub_*.xsd")):
        namespace = etree.parse(str(file)).getroot().get("targetNamespace")
        if namespace:
            entries[namespace] = file
    if not entries:
        raise FileNotFoundError(f"no hub_*.xsd message schemas under {directory}")
    return SchemaSet(entries)
