"""Reading customs messages into the canonical declaration.

One module per wire format, each a pure function from bytes (or a parsed
tree) to a :class:`~hub.model.Declaration` or a precise
:class:`~hub.errors.IngestError`; :func:`read` detects the format and picks
the reader.
"""

from hub.ingest.detect import Reading, WireFormat, detect, read, read_with_warnings
from hub.ingest.limits import DEFAULT_LIMITS, MessageLimits
from hub.ingest.schemas import SchemaSet, load_schema_set

__all__ = [
    "DEFAULT_LIMITS",
    "MessageLimits",
    "Reading",
    "SchemaSet",
    "WireFormat",
    "detect",
    "load_schema_set",
    "read",
    "read_with_warnings",
]
