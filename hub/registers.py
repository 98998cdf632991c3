"""Reading the hub's own registers from YAML, with places.

Registers are hub data, not an agency's: the AEO register and MRAs, office
calendars and random rates (:mod:`hub.decision`), the effectiveness-review
thresholds (:mod:`hub.kpi`), the rating weights (:mod:`hub.rating`). They live
in ``registers/`` at the repository root (or a folder the deployment names)
and are read whole or refused whole, with the file, line and key at fault,
like ``agency.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from hub.datafile import LocatedError, first_error, read_yaml
from hub.errors import InvalidRegister

__all__ = ["default_registers_dir", "load_register"]

M = TypeVar("M", bound=BaseModel)


def default_registers_dir() -> Path:
    """``registers/`` at the root of the repository this package lives in."""
    return Path(__file__).resolve().parents[1] / "registers"


def load_register(path: Path, model: type[M]) -> M:
    """Read ``path`` as one ``model``; :class:`~hub.errors.InvalidRegister` names the place."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRegister(f"cannot read: {exc}", file=str(path)) from None
    try:
        data, root = read_yaml(text)
    except LocatedError as exc:
        raise InvalidRegister(exc.message, file=str(path), line=exc.line, field=exc.field) from None
    if not isinstance(data, dict):
        raise InvalidRegister("a register is a mapping of keys", file=str(path), line=1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        located = first_error(exc, root)
        raise InvalidRegister(
            located.message, file=str(path), line=located.line, field=located.field
        ) from None
