"""The last step of every reader: the canonical model checks the fields once."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from hub.errors import MalformedMessage
from hub.model import Declaration

__all__ = ["build_declaration"]


def build_declaration(fields: dict[str, Any], *, where: str) -> Declaration:
    """Validate ``fields`` into a Declaration, or raise ``MalformedMessage`` at ``where``.

    Readers convert and check values as they read them, naming the element or
    segment at fault; this catches what they did not foresee, naming the
    model field (``goods_items.0.sequence``) and the reader's best place.
    """
    try:
        return Declaration.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise MalformedMessage(f"{field}: {error['msg']}", where=where) from None
