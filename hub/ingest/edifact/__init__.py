"""UN/EDIFACT: CUSDEC and CUSCAR read into canonical declarations, and the syntax beneath.

``read`` is what the hub's format detection calls; ``parse_interchange``,
``escape`` and ``format_segment`` are the syntax layer the CUSRES writer and
reader in ``hub.response`` share.
"""

from hub.ingest.edifact._segments import datetime_of
from hub.ingest.edifact.reader import SUPPORTED, read, read_interchange, supports
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
    "SUPPORTED",
    "Interchange",
    "Message",
    "Segment",
    "Separators",
    "datetime_of",
    "escape",
    "format_segment",
    "parse_interchange",
    "read",
    "read_interchange",
    "supports",
]
