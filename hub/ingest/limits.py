"""Limits applied to every inbound message before any parsing work grows.

One setting for all wire formats: an oversize EDIFACT interchange is as much a
denial of service as an oversize XML document.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HostileInput

__all__ = ["DEFAULT_LIMITS", "MessageLimits", "check_size"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class MessageLimits:
    """``max_bytes``: the largest message accepted (default 10 MB)."""

    max_bytes: int = DEFAULT_MAX_BYTES


DEFAULT_LIMITS = MessageLimits()


def check_size(data: bytes, limits: MessageLimits = DEFAULT_LIMITS) -> None:
    """Refuse ``data`` if it is larger than the limit, without looking inside."""
    if len(data) > limits.max_bytes:
        raise HostileInput(
            f"message is {len(data):,} bytes, over the limit of {limits.max_bytes:,}",
            where="whole message",
        )
