"""UN/EDIFACT: the syntax beneath the CUSDEC and CUSCAR readers and the CUSRES writer."""

from hub.ingest.edifact.syntax import (
    Interchange,
    Message,
    Segment,
    Separators,
    escape,
    format_segment,
    parse_interchange,
)

__all__ = [
    "Interchange",
    "Message",
    "Segment",
    "Separators",
    "escape",
    "format_segment",
    "parse_interchange",
]
