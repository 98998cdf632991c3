"""Writers of the hub's answer to a trader: its own XML and, beside it, UN/EDIFACT CUSRES."""

from hub.response.cusres import read_cusres, write_cusres
from hub.response.xml import read_response, write_response

__all__ = ["read_cusres", "read_response", "write_cusres", "write_response"]
