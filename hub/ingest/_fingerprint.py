"""The hub's identity for a message: a content hash, so reading is idempotent."""

from __future__ import annotations

import hashlib

__all__ = ["declaration_id", "message_hash"]


def message_hash(data: bytes) -> str:
    """sha256 of the bytes exactly as received, hex."""
    return hashlib.sha256(data).hexdigest()


def declaration_id(digest: str) -> str:
    """The hub id of the declaration read from a message with this hash.

    Derived, not random, so that the same bytes read twice (a retry, a
    replayed upload) name the same declaration.
    """
    return "DEC-" + digest[:26].upper()
