"""Dates and times as customs messages write them (UN/EDIFACT code list 2379).

WCO DM ``DateTimeString`` and EDIFACT ``DTM`` share these format codes, so
both readers use the same function.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["parse_un_datetime"]

_OFFSET = re.compile(r"^(?P<stamp>\d+)(?:Z|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?)?$")

_LAYOUTS = {
    "102": "%Y%m%d",
    "203": "%Y%m%d%H%M",
    "204": "%Y%m%d%H%M%S",
    "304": "%Y%m%d%H%M%S",  # CCYYMMDDHHMMSS followed by a zone offset
    "303": "%Y%m%d%H%M",
    "101": "%y%m%d",
    "201": "%y%m%d%H%M",
}


def parse_un_datetime(value: str, format_code: str | None = "102") -> datetime | None:
    """Parse ``value`` written in UN/EDIFACT format ``format_code``.

    Returns an aware datetime (UTC when the message gives no zone), or
    ``None`` when the code is not a date format this reader knows (for
    example 401, a bare time). Raises ``ValueError`` when the value does
    not fit its format: the caller knows where it was and says so.
    """
    code = (format_code or "102").strip()
    layout = _LAYOUTS.get(code)
    if layout is None:
        return None
    match = _OFFSET.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a date in format {code}")
    moment = datetime.strptime(match["stamp"], layout)
    if match["sign"]:
        offset = timedelta(hours=int(match["hh"]), minutes=int(match["mm"] or 0))
        zone = timezone(offset if match["sign"] == "+" else -offset)
        return moment.replace(tzinfo=zone)
    return moment.replace(tzinfo=UTC)
