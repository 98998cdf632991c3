"""Writers of the hub's answer to a trader: its own XML and, beside it, UN/EDIFACT CUSRES."""

from hub.response.xml import read_response, write_response

__all__ = ["read_response", "write_response"]
