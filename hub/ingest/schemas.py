"""XML Schemas, loaded once and chosen by the root element's namespace.

An administration points the hub at a directory of its own XSDs (the
``--schemas`` setting). Each top-level ``*.xsd`` in that directory is compiled
once, with libxml2 through lxml, and serves documents whose root namespace it
defines or imports; wrappers such as the corpus's ``LOCAL_all_dms.xsd``, which
only import other schemas, therefore work as entry points. Subdirectories hold
included and imported files and are not entry points themselves.

Validation runs on the hot path, so it is lxml's (tens of microseconds per
message), not xmlschema's (milliseconds); see ``bench/ingest.py``.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from hub.errors import SchemaInvalid, UnsupportedMessage
from hub.ingest._xml import element_path

__all__ = ["SchemaSet", "load_schema_set"]

_XS = "{http://www.w3.org/2001/XMLSchema}"


class SchemaSet:
    """The compiled entry schemas of one directory, keyed by namespace."""

    def __init__(self, entries: dict[str, Path]):
        self._entries = entries
        self._compiled: dict[Path, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path: Path) -> SchemaSet:
        """Index ``path``: an XSD file, or a directory whose top-level XSDs are entries."""
        files = [path] if path.is_file() else sorted(path.glob("*.xsd"))
        if not files:
            raise FileNotFoundError(f"no XSD files in {path}")
        entries: dict[str, Path] = {}
        for file in files:
            root = etree.parse(str(file)).getroot()
            namespaces = [root.get("targetNamespace")]
            namespaces += [imp.get("namespace") for imp in root.iter(f"{_XS}import")]
            for namespace in namespaces:
                if namespace and namespace not in entries:
                    entries[namespace] = file
        return cls(entries)

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(self._entries)

    def covers(self, namespace: str) -> bool:
        return namespace in self._entries

    def schema_for(self, namespace: str) -> etree.XMLSchema:
        file = self._entries.get(namespace)
        if file is None:
            raise UnsupportedMessage(f"no schema for namespace {namespace!r}", where="root element")
        schema = self._compiled.get(file)
        if schema is None:  # compile once; the lock keeps two threads from doing it twice
            with self._lock:
                schema = self._compiled.get(file)
                if schema is None:
                    schema = etree.XMLSchema(etree.parse(str(file)))
                    self._compiled[file] = schema
        return schema

    def validate(self, tree: etree._ElementTree) -> None:
        """Raise :class:`SchemaInvalid` naming line and element of the first error."""
        namespace = etree.QName(tree.getroot()).namespace or ""
        schema = self.schema_for(namespace)
        if schema.validate(tree):
            return
        error = next(iter(schema.error_log))  # type: ignore[call-overload]  # lxml-stubs lag lxml
        raise SchemaInvalid(_readable(error.message), where=_place(tree, error.line, error.path))


def _place(tree: etree._ElementTree, line: int, path: str | None) -> str:
    """Line and a local-name element path; libxml2 writes ``/md:MetaData/*[6]/*[6]``."""
    if path:
        prefixes = {k: v for k, v in tree.getroot().nsmap.items() if k}
        try:
            found = tree.xpath(path, namespaces=prefixes)
        except etree.XPathError:
            found = None
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            return f"line {line}, {element_path(found[0])}"
        return f"line {line}, {path}"
    return f"line {line}"


def _readable(message: str) -> str:
    """Drop the namespace from ``Element '{urn:...}Name'`` so the message reads plainly."""
    return _CLARK.sub(r"'\1'", message)


_CLARK = re.compile(r"'\{[^}]*\}([^']+)'")


@lru_cache(maxsize=16)
def load_schema_set(path: str) -> SchemaSet:
    """A process-wide cache of schema sets, one per configured directory."""
    return SchemaSet.from_path(Path(path))
