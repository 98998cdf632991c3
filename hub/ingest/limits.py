"""Limits applied to every inbound message before any parsing work grows.

One setting for all wire formats: an oversize EDIFACT interchange is as much a
denial of service as an oversize XML document.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HostileInput

__all__ = ["DEFAULT_LIMITS", "MessageLimits", "check_size"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_SEGMENTS = 50_000


@dataclass(frozen=True)
class MessageLimits:
    """Bounds on what one message may cost to read.

    ``max_bytes``: the largest message accepted (default 10 MB).
    ``max_segments``: the most EDIFACT segments in one interchange (default
    50,000; a 999-item CUSDEC needs about 20,000). Without it, ten megabytes
    of one-character segments would cost seconds of tokenising to refuse.
    XML nesting is bounded by libxml2 itself (256 levels).
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_segments: int = DEFAULT_MAX_SEGMENTS


DEFAULT_LIMITS = MessageLimits()


def check_size(data: bytes, limits: MessageLimits = DEFAULT_LIMITS) -> None:
    """Refuse ``data`` if it is larger than the limit, without looking inside."""
    if len(data) > limits.max_bytes:
        raise HostileInput(
            f"message is {len(data):,} bytes, over the limit of {limits.max_bytes:,}",
            where="whole message",
        )
